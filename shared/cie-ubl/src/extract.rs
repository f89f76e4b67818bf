//! Extraction: follows the element path of one UBL document, keeps the leaf values the summary is
//! made of, and assembles the [`Summary`] at the end. Knows UBL paths, nothing about XML syntax.

use std::borrow::Cow;
use std::collections::HashSet;

use cie_domain::{
    Amount, DocumentKind, DocumentReference, Party, ReferenceKind, Summary, TaxSubtotal, Totals,
};
use cie_xpath::{Document, NodeId};
use rust_decimal::Decimal;

use crate::error::UblError;
use crate::tags::Tag;
use crate::values::{parse_decimal, parse_issue_date, profile_for, trim_xml};
use crate::{MAX_NUMBER_CHARS, MAX_VALUE_CHARS};

/// The attributes of a start tag that some extracted values need.
#[derive(Debug, Default)]
pub(crate) struct Attrs<'a> {
    /// `currencyID` (amounts).
    pub(crate) currency_id: Option<Cow<'a, str>>,
    /// `schemeID` (`EndpointID`).
    pub(crate) scheme_id: Option<Cow<'a, str>>,
}

/// A top-level element holding a party; its number indexes the extractor's parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    AccountingSupplier,
    AccountingCustomer,
    SellerSupplier,
    BuyerCustomer,
    DespatchSupplier,
    DeliveryCustomer,
    OriginatorCustomer,
    Sender,
    Receiver,
}

const SLOT_COUNT: usize = 9;

impl Slot {
    /// The slot of a top-level element, and whether it wraps its party in `cac:Party`
    /// (`SenderParty` and `ReceiverParty` are parties themselves).
    fn of(tag: Tag) -> Option<(Slot, bool)> {
        Some(match tag {
            Tag::AccountingSupplierParty => (Slot::AccountingSupplier, true),
            Tag::AccountingCustomerParty => (Slot::AccountingCustomer, true),
            Tag::SellerSupplierParty => (Slot::SellerSupplier, true),
            Tag::BuyerCustomerParty => (Slot::BuyerCustomer, true),
            Tag::DespatchSupplierParty => (Slot::DespatchSupplier, true),
            Tag::DeliveryCustomerParty => (Slot::DeliveryCustomer, true),
            Tag::OriginatorCustomerParty => (Slot::OriginatorCustomer, true),
            Tag::SenderParty => (Slot::Sender, false),
            Tag::ReceiverParty => (Slot::Receiver, false),
            _ => return None,
        })
    }

    /// Where the supplier and the buyer of a document of `kind` are, most specific first.
    fn candidates(kind: DocumentKind) -> (&'static [Slot], &'static [Slot]) {
        use Slot::*;
        match kind {
            DocumentKind::Invoice | DocumentKind::CreditNote => (
                &[AccountingSupplier, SellerSupplier],
                &[AccountingCustomer, BuyerCustomer],
            ),
            DocumentKind::Quotation
            | DocumentKind::RequestForQuotation
            | DocumentKind::Order
            | DocumentKind::OrderResponse
            | DocumentKind::OrderResponseSimple
            | DocumentKind::OrderChange
            | DocumentKind::OrderCancellation => (
                &[SellerSupplier, AccountingSupplier],
                &[BuyerCustomer, OriginatorCustomer, AccountingCustomer],
            ),
            DocumentKind::DespatchAdvice | DocumentKind::ReceiptAdvice => (
                &[DespatchSupplier, SellerSupplier],
                &[DeliveryCustomer, BuyerCustomer, OriginatorCustomer],
            ),
            // The invoice response goes from the buyer to the seller of the invoice.
            DocumentKind::InvoiceResponse => (&[Receiver], &[Sender]),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum TotalField {
    LineExtension,
    TaxExclusive,
    TaxInclusive,
    Payable,
}

/// A leaf value the summary takes.
#[derive(Debug, Clone, Copy)]
enum Field {
    CustomizationId,
    ProfileId,
    Number,
    IssueDate,
    TypeCode,
    DocumentCurrency,
    PricingCurrency,
    TaxCurrency,
    Endpoint(Slot),
    LegalName(Slot),
    TradingName(Slot),
    TaxCompanyId(Slot),
    Total(TotalField),
    TaxTotalAmount,
    SubtotalTaxable,
    SubtotalTax,
    SubtotalCategory,
    SubtotalPercent,
    Reference(ReferenceKind),
    LineDocumentId,
    LineDocumentTypeCode,
    PayeeAccount,
}

/// The leaf element whose text is being collected.
#[derive(Debug)]
struct Capture {
    field: Field,
    /// Stack depth of the element; text of deeper elements is not its own.
    depth: usize,
    /// The element, for error positions.
    node: NodeId,
    /// `currencyID` or `schemeID`, trimmed, when given and needed.
    attribute: Option<String>,
}

#[derive(Debug, Default)]
struct PartyParts {
    legal_name: Option<String>,
    trading_name: Option<String>,
    tax_company_id: Option<String>,
    endpoint_id: Option<String>,
    endpoint_scheme: Option<String>,
}

impl PartyParts {
    fn is_empty(&self) -> bool {
        self.legal_name.is_none()
            && self.trading_name.is_none()
            && self.tax_company_id.is_none()
            && self.endpoint_id.is_none()
    }

    fn into_party(self) -> Party {
        Party {
            name: self.legal_name.or(self.trading_name),
            registration_number: self.tax_company_id,
            endpoint_id: self.endpoint_id,
            endpoint_scheme: self.endpoint_scheme,
        }
    }
}

#[derive(Debug, Default)]
struct TaxTotalParts {
    amount: Option<Amount>,
    subtotals: Vec<SubtotalParts>,
}

impl TaxTotalParts {
    fn currency(&self) -> Option<&str> {
        self.amount
            .as_ref()
            .and_then(|amount| amount.currency.as_deref())
    }
}

#[derive(Debug, Default)]
struct SubtotalParts {
    taxable: Option<Amount>,
    tax: Option<Amount>,
    category: Option<String>,
    percent: Option<Decimal>,
}

/// A line-level `cac:DocumentReference`, decided when it closes (its type code follows its id).
#[derive(Debug, Default)]
struct LineDocument {
    id: Option<String>,
    type_code: Option<String>,
}

impl LineDocument {
    /// The despatch advice (納品書) a line refers to: JP PINT summarised invoices put its number in
    /// the line document reference (IBT-188) without a type code. A reference typed as anything
    /// other than a despatch advice (351) or delivery note (270), such as an invoiced object (130),
    /// is not one.
    fn despatch_number(self) -> Option<String> {
        let is_despatch = match self.type_code.as_deref() {
            None => true,
            Some(code) => code == "351" || code == "270",
        };
        self.id.filter(|_| is_despatch)
    }
}

/// Beyond this many references, duplicates are found through a set rather than a scan.
const REFERENCE_SCAN_LIMIT: usize = 16;

/// Collects the summary of one document while its elements stream by.
#[derive(Debug)]
pub(crate) struct Extractor<'i> {
    doc: &'i Document,
    kind: DocumentKind,
    /// Tags from the root (index 0) to the current element.
    stack: Vec<Tag>,
    capture: Option<Capture>,
    text: String,
    customization_id: Option<String>,
    profile_id: Option<String>,
    number: Option<String>,
    issue_date: Option<String>,
    /// The kept issue date's element.
    issue_date_node: Option<NodeId>,
    type_code: Option<String>,
    document_currency: Option<String>,
    pricing_currency: Option<String>,
    tax_currency: Option<String>,
    parties: [PartyParts; SLOT_COUNT],
    /// The monetary total element taken for the totals: the first one met.
    totals_source: Option<Tag>,
    totals: Totals,
    tax_totals: Vec<TaxTotalParts>,
    references: Vec<DocumentReference>,
    seen_references: HashSet<(ReferenceKind, String)>,
    line_document: Option<LineDocument>,
    line_count: u32,
    payee_accounts: Vec<String>,
    /// The first invalid value met; reported only if the document is otherwise readable.
    invalid_value: Option<UblError>,
    /// The first value over its length limit; reported before anything else about the content.
    too_long: Option<UblError>,
}

impl<'i> Extractor<'i> {
    /// An extractor for `doc`, of `kind`, whose root element has just started (its nodes give the errors'
    /// lines and columns).
    pub(crate) fn new(doc: &'i Document, kind: DocumentKind) -> Self {
        let mut stack = Vec::with_capacity(16);
        stack.push(Tag::Root);
        Self {
            doc,
            kind,
            stack,
            capture: None,
            text: String::new(),
            customization_id: None,
            profile_id: None,
            number: None,
            issue_date: None,
            issue_date_node: None,
            type_code: None,
            document_currency: None,
            pricing_currency: None,
            tax_currency: None,
            parties: Default::default(),
            totals_source: None,
            totals: Totals::default(),
            tax_totals: Vec::new(),
            references: Vec::new(),
            seen_references: HashSet::new(),
            line_document: None,
            line_count: 0,
            payee_accounts: Vec::new(),
            invalid_value: None,
            too_long: None,
        }
    }

    /// A child element of the current one, `node`, starts.
    pub(crate) fn start(&mut self, namespace: &str, local: &str, attrs: &Attrs<'_>, node: NodeId) {
        let parent = self.stack.last().copied().unwrap_or(Tag::Other);
        let tag = if parent == Tag::Other {
            Tag::Other
        } else {
            Tag::lookup(namespace, local)
        };
        self.stack.push(tag);
        if tag == Tag::Other {
            return;
        }
        self.open_group();
        if let Some(field) = self.field() {
            let attribute = match field {
                Field::Endpoint(_) => attrs.scheme_id.as_deref(),
                Field::Total(_)
                | Field::TaxTotalAmount
                | Field::SubtotalTaxable
                | Field::SubtotalTax => attrs.currency_id.as_deref(),
                _ => None,
            }
            .map(trim_xml)
            .filter(|value| !value.is_empty())
            .map(str::to_owned);
            self.text.clear();
            self.capture = Some(Capture {
                field,
                depth: self.stack.len(),
                node,
                attribute,
            });
        }
    }

    /// Whether the text of the current element is kept.
    pub(crate) fn wants_text(&self) -> bool {
        self.capture
            .as_ref()
            .is_some_and(|capture| capture.depth == self.stack.len())
    }

    /// Character data of the current element.
    pub(crate) fn text(&mut self, text: &str) {
        if self.wants_text() {
            self.text.push_str(text);
        }
    }

    /// The current element ends.
    pub(crate) fn end(&mut self) {
        let depth = self.stack.len();
        if let Some(capture) = self.capture.take_if(|capture| capture.depth == depth) {
            self.store(capture);
        }
        if matches!(
            self.stack[..],
            [
                Tag::Root,
                Tag::InvoiceLine | Tag::CreditNoteLine,
                Tag::DocumentReference
            ]
        ) && let Some(number) = self
            .line_document
            .take()
            .and_then(LineDocument::despatch_number)
        {
            self.add_reference(ReferenceKind::Despatch, &number);
        }
        self.stack.pop();
    }

    /// Bookkeeping for the aggregates that hold several values: tax totals and subtotals, monetary
    /// totals, lines and line document references.
    fn open_group(&mut self) {
        match self.stack[..] {
            [Tag::Root, Tag::TaxTotal] => self.tax_totals.push(TaxTotalParts::default()),
            [Tag::Root, Tag::TaxTotal, Tag::TaxSubtotal] => {
                if let Some(total) = self.tax_totals.last_mut() {
                    total.subtotals.push(SubtotalParts::default());
                }
            }
            [
                Tag::Root,
                total @ (Tag::LegalMonetaryTotal
                | Tag::AnticipatedMonetaryTotal
                | Tag::QuotedMonetaryTotal),
            ] => {
                self.totals_source.get_or_insert(total);
            }
            [
                Tag::Root,
                Tag::InvoiceLine | Tag::CreditNoteLine,
                Tag::DocumentReference,
            ] => {
                self.line_document = Some(LineDocument::default());
            }
            [Tag::Root, line] if line.is_line() => {
                self.line_count = self.line_count.saturating_add(1)
            }
            _ => {}
        }
    }

    /// The field the current element holds, if the summary takes it.
    fn field(&self) -> Option<Field> {
        use Tag::*;
        let field = match self.stack[..] {
            [Root, CustomizationId] => Field::CustomizationId,
            [Root, ProfileId] => Field::ProfileId,
            [Root, Id] => Field::Number,
            [Root, IssueDate] => Field::IssueDate,
            [
                Root,
                InvoiceTypeCode
                | CreditNoteTypeCode
                | OrderTypeCode
                | OrderResponseCode
                | DespatchAdviceTypeCode,
            ]
            | [Root, DocumentResponse, Response, ResponseCode] => Field::TypeCode,
            [Root, DocumentCurrencyCode] => Field::DocumentCurrency,
            [Root, PricingCurrencyCode] => Field::PricingCurrency,
            [Root, TaxCurrencyCode] => Field::TaxCurrency,

            [Root, total, amount] if Some(total) == self.totals_source => match amount {
                LineExtensionAmount => Field::Total(TotalField::LineExtension),
                TaxExclusiveAmount => Field::Total(TotalField::TaxExclusive),
                TaxInclusiveAmount => Field::Total(TotalField::TaxInclusive),
                PayableAmount => Field::Total(TotalField::Payable),
                _ => return None,
            },

            [Root, TaxTotal, TaxAmount] => Field::TaxTotalAmount,
            [Root, TaxTotal, TaxSubtotal, TaxableAmount] => Field::SubtotalTaxable,
            [Root, TaxTotal, TaxSubtotal, TaxAmount] => Field::SubtotalTax,
            [Root, TaxTotal, TaxSubtotal, TaxCategory, Id] => Field::SubtotalCategory,
            [Root, TaxTotal, TaxSubtotal, TaxCategory, Percent] => Field::SubtotalPercent,

            [Root, OrderReference | OrderDocumentReference, Id]
            | [
                Root,
                InvoiceLine | CreditNoteLine | DespatchLine | ReceiptLine,
                OrderLineReference,
                OrderReference,
                Id,
            ] => Field::Reference(ReferenceKind::Order),
            [Root, DespatchDocumentReference, Id]
            | [
                Root,
                InvoiceLine | CreditNoteLine,
                DespatchLineReference,
                DocumentReference,
                Id,
            ] => Field::Reference(ReferenceKind::Despatch),
            [Root, ReceiptDocumentReference, Id] => Field::Reference(ReferenceKind::Receipt),
            [
                Root,
                BillingReference,
                InvoiceDocumentReference | CreditNoteDocumentReference,
                Id,
            ]
            | [Root, DocumentResponse, DocumentReference, Id] => {
                Field::Reference(ReferenceKind::Invoice)
            }
            [Root, QuotationDocumentReference, Id] => Field::Reference(ReferenceKind::Quotation),
            [Root, RequestForQuotationDocumentReference, Id] => {
                Field::Reference(ReferenceKind::RequestForQuotation)
            }
            [Root, ContractDocumentReference, Id] => Field::Reference(ReferenceKind::Contract),
            [Root, PaymentMeans, PayeeFinancialAccount, Id] => Field::PayeeAccount,
            [Root, InvoiceLine | CreditNoteLine, DocumentReference, Id] => Field::LineDocumentId,
            [
                Root,
                InvoiceLine | CreditNoteLine,
                DocumentReference,
                DocumentTypeCode,
            ] => Field::LineDocumentTypeCode,

            [Root, holder, ref rest @ ..] => {
                let (slot, wrapped) = Slot::of(holder)?;
                let rest = if wrapped {
                    rest.strip_prefix(&[Party])?
                } else {
                    rest
                };
                match rest {
                    [EndpointId] => Field::Endpoint(slot),
                    [PartyLegalEntity, RegistrationName] => Field::LegalName(slot),
                    [PartyName, Name] => Field::TradingName(slot),
                    [PartyTaxScheme, CompanyId] => Field::TaxCompanyId(slot),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(field)
    }

    fn store(&mut self, capture: Capture) {
        let Capture {
            field,
            node,
            attribute,
            ..
        } = capture;
        let text = std::mem::take(&mut self.text);
        let value = trim_xml(&text);
        if !self.within_length(field, value, node) {
            self.text = text;
            return;
        }
        match field {
            Field::CustomizationId => keep_first(&mut self.customization_id, value),
            Field::ProfileId => keep_first(&mut self.profile_id, value),
            Field::PayeeAccount => {
                if !value.is_empty() && !self.payee_accounts.iter().any(|a| a == value) {
                    self.payee_accounts.push(value.to_owned());
                }
            }
            Field::Number => keep_first(&mut self.number, value),
            Field::IssueDate => {
                if self.issue_date.is_none() && !value.is_empty() {
                    self.issue_date_node = Some(node);
                }
                keep_first(&mut self.issue_date, value);
            }
            Field::TypeCode => keep_first(&mut self.type_code, value),
            Field::DocumentCurrency => keep_first(&mut self.document_currency, value),
            Field::PricingCurrency => keep_first(&mut self.pricing_currency, value),
            Field::TaxCurrency => keep_first(&mut self.tax_currency, value),
            Field::Endpoint(slot) => {
                let party = &mut self.parties[slot as usize];
                if party.endpoint_id.is_none() && !value.is_empty() {
                    party.endpoint_id = Some(value.to_owned());
                    party.endpoint_scheme = attribute;
                }
            }
            Field::LegalName(slot) => {
                keep_first(&mut self.parties[slot as usize].legal_name, value)
            }
            Field::TradingName(slot) => {
                keep_first(&mut self.parties[slot as usize].trading_name, value);
            }
            Field::TaxCompanyId(slot) => {
                keep_first(&mut self.parties[slot as usize].tax_company_id, value);
            }
            Field::Total(which) => {
                if let Some(amount) = self.amount(value, node, attribute) {
                    let target = match which {
                        TotalField::LineExtension => &mut self.totals.line_extension,
                        TotalField::TaxExclusive => &mut self.totals.tax_exclusive,
                        TotalField::TaxInclusive => &mut self.totals.tax_inclusive,
                        TotalField::Payable => &mut self.totals.payable,
                    };
                    target.get_or_insert(amount);
                }
            }
            Field::TaxTotalAmount => {
                if let Some(amount) = self.amount(value, node, attribute)
                    && let Some(total) = self.tax_totals.last_mut()
                {
                    total.amount.get_or_insert(amount);
                }
            }
            Field::SubtotalTaxable => {
                if let Some(amount) = self.amount(value, node, attribute)
                    && let Some(subtotal) = self.current_subtotal()
                {
                    subtotal.taxable.get_or_insert(amount);
                }
            }
            Field::SubtotalTax => {
                if let Some(amount) = self.amount(value, node, attribute)
                    && let Some(subtotal) = self.current_subtotal()
                {
                    subtotal.tax.get_or_insert(amount);
                }
            }
            Field::SubtotalCategory => {
                if let Some(subtotal) = self.current_subtotal() {
                    keep_first(&mut subtotal.category, value);
                }
            }
            Field::SubtotalPercent => {
                if let Some(percent) = self.decimal(value, node)
                    && let Some(subtotal) = self.current_subtotal()
                {
                    subtotal.percent.get_or_insert(percent);
                }
            }
            Field::Reference(kind) => self.add_reference(kind, value),
            Field::LineDocumentId => {
                if let Some(document) = &mut self.line_document {
                    keep_first(&mut document.id, value);
                }
            }
            Field::LineDocumentTypeCode => {
                if let Some(document) = &mut self.line_document {
                    keep_first(&mut document.type_code, value);
                }
            }
        }
        self.text = text;
    }

    /// Whether `value` of `field` is within its length limit ([`MAX_NUMBER_CHARS`] for the
    /// document number, [`MAX_VALUE_CHARS`] for the rest); remembers the first one that is not.
    fn within_length(&mut self, field: Field, value: &str, node: NodeId) -> bool {
        let limit = match field {
            Field::Number => MAX_NUMBER_CHARS,
            _ => MAX_VALUE_CHARS,
        };
        if value.len() <= limit {
            return true;
        }
        let length = value.chars().count();
        if length <= limit {
            return true;
        }
        if self.too_long.is_none() {
            let (line, column) = self.line_column(node);
            self.too_long = Some(match field {
                Field::Number => UblError::NumberTooLong {
                    length,
                    path: self.doc.path_of(node),
                    limit,
                    line,
                    column,
                },
                _ => UblError::ValueTooLong {
                    element: self.doc.path_of(node),
                    length,
                    limit,
                    line,
                    column,
                },
            });
        }
        false
    }

    /// The 1-based line and column of an element's start tag.
    fn line_column(&self, node: NodeId) -> (usize, usize) {
        let (line, column) = self.doc.line_column(node);
        (line as usize, column as usize)
    }

    fn current_subtotal(&mut self) -> Option<&mut SubtotalParts> {
        self.tax_totals.last_mut()?.subtotals.last_mut()
    }

    /// `value` in `currency`; see [`Self::decimal`].
    fn amount(&mut self, value: &str, node: NodeId, currency: Option<String>) -> Option<Amount> {
        let value = self.decimal(value, node)?;
        Some(Amount { value, currency })
    }

    /// `value` as a decimal. If it is not one, remembers the first such error (for the element `node`) and
    /// gives `None`.
    fn decimal(&mut self, value: &str, node: NodeId) -> Option<Decimal> {
        let parsed = parse_decimal(value);
        if parsed.is_none() && self.invalid_value.is_none() {
            let (line, column) = self.line_column(node);
            self.invalid_value = Some(UblError::InvalidAmount {
                element: self.doc.path_of(node),
                value: value.to_owned(),
                line,
                column,
            });
        }
        parsed
    }

    fn add_reference(&mut self, kind: ReferenceKind, number: &str) {
        if number.is_empty() {
            return;
        }
        let duplicate = if self.references.len() < REFERENCE_SCAN_LIMIT {
            self.references
                .iter()
                .any(|reference| reference.kind == kind && reference.number == number)
        } else {
            if self.seen_references.is_empty() {
                self.seen_references.extend(
                    self.references
                        .iter()
                        .map(|reference| (reference.kind, reference.number.clone())),
                );
            }
            !self.seen_references.insert((kind, number.to_owned()))
        };
        if !duplicate {
            self.references.push(DocumentReference {
                kind,
                number: number.to_owned(),
            });
        }
    }

    /// The summary, once the root element has closed.
    pub(crate) fn finish(mut self) -> Result<Summary, UblError> {
        if let Some(error) = self.too_long.take() {
            return Err(error);
        }
        let kind = self.kind;
        let doc = self.doc;
        // Where a missing field belongs: the root's start tag.
        let root_at = || {
            doc.document_element()
                .map_or(((1, 1), String::new()), |root| {
                    let (line, column) = doc.line_column(root);
                    ((line as usize, column as usize), doc.path_of(root))
                })
        };
        let Some(number) = self.number.take() else {
            let ((line, column), path) = root_at();
            return Err(UblError::MissingNumber {
                kind,
                path,
                line,
                column,
            });
        };
        let Some(raw_date) = self.issue_date.take() else {
            let ((line, column), path) = root_at();
            return Err(UblError::MissingIssueDate {
                kind,
                path,
                line,
                column,
            });
        };
        let Some(issue_date) = parse_issue_date(&raw_date) else {
            let ((line, column), path) = match self.issue_date_node {
                Some(node) => (self.line_column(node), doc.path_of(node)),
                None => root_at(),
            };
            return Err(UblError::InvalidIssueDate {
                value: raw_date,
                path,
                line,
                column,
            });
        };
        if let Some(error) = self.invalid_value.take() {
            return Err(error);
        }

        let currency = self
            .document_currency
            .take()
            .or(self.pricing_currency.take());
        let mut totals = std::mem::take(&mut self.totals);
        let tax_currency = self.tax_currency.clone();
        let tax_breakdown =
            self.take_tax(currency.as_deref(), tax_currency.as_deref(), &mut totals);

        let (supplier_slots, buyer_slots) = Slot::candidates(kind);
        let supplier = self.take_party(supplier_slots);
        let buyer = self.take_party(buyer_slots);

        Ok(Summary {
            kind,
            profile: profile_for(kind, self.customization_id.as_deref()),
            customization_id: self.customization_id,
            profile_id: self.profile_id,
            number,
            issue_date,
            type_code: self.type_code,
            supplier,
            buyer,
            currency,
            tax_currency: self.tax_currency,
            totals,
            tax_breakdown,
            references: self.references,
            line_count: self.line_count,
            payee_accounts: self.payee_accounts,
        })
    }

    /// Fills the tax totals and returns the breakdown. The tax total in the document currency (else
    /// the first one not in a distinct tax currency) gives the tax and the breakdown; the first
    /// other one in the tax currency, when that differs, gives the tax in accounting currency.
    fn take_tax(
        &mut self,
        currency: Option<&str>,
        tax_currency: Option<&str>,
        totals: &mut Totals,
    ) -> Vec<TaxSubtotal> {
        let tax_currency = tax_currency.filter(|&tax| Some(tax) != currency);
        let primary = currency
            .and_then(|currency| {
                self.tax_totals
                    .iter()
                    .position(|total| total.currency() == Some(currency))
            })
            .or_else(|| {
                self.tax_totals
                    .iter()
                    .position(|total| tax_currency.is_none() || total.currency() != tax_currency)
            });
        let accounting = tax_currency.and_then(|tax| {
            (0..self.tax_totals.len()).find(|&index| {
                Some(index) != primary && self.tax_totals[index].currency() == Some(tax)
            })
        });
        if let Some(index) = accounting {
            totals.tax_in_accounting_currency = self.tax_totals[index].amount.take();
        }
        let Some(index) = primary else {
            return Vec::new();
        };
        let primary = std::mem::take(&mut self.tax_totals[index]);
        totals.tax = primary.amount;
        primary
            .subtotals
            .into_iter()
            .filter_map(|subtotal| {
                Some(TaxSubtotal {
                    tax: subtotal.tax?,
                    category: subtotal.category.unwrap_or_default(),
                    percent: subtotal.percent,
                    taxable: subtotal.taxable,
                })
            })
            .collect()
    }

    /// The first non-empty party among `slots`, or an empty one.
    fn take_party(&mut self, slots: &[Slot]) -> Party {
        slots
            .iter()
            .find(|&&slot| !self.parties[slot as usize].is_empty())
            .map(|&slot| std::mem::take(&mut self.parties[slot as usize]).into_party())
            .unwrap_or_default()
    }
}

/// Sets `slot` to `value` unless it already holds a value or `value` is empty.
fn keep_first(slot: &mut Option<String>, value: &str) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value.to_owned());
    }
}
