//! Procurement documents as the service understands them: their kinds, profiles, lifecycle status and
//! the summary extracted at intake (what the archive is searched by).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Amount;

/// The kind of a UBL 2.1 document, decided by its root element and namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 請求書 (`Invoice`), including JP PINT standard, self-billing (仕入明細書) and non-tax-registered.
    Invoice,
    /// 返還請求書 / credit note (`CreditNote`).
    CreditNote,
    /// 見積書 (`Quotation`).
    Quotation,
    /// 見積依頼 (`RequestForQuotation`).
    RequestForQuotation,
    /// 発注書 (`Order`).
    Order,
    /// 注文請書 (`OrderResponse`).
    OrderResponse,
    /// Simple order response (`OrderResponseSimple`).
    OrderResponseSimple,
    /// Order change (`OrderChange`).
    OrderChange,
    /// Order cancellation (`OrderCancellation`).
    OrderCancellation,
    /// 納品書 (`DespatchAdvice`).
    DespatchAdvice,
    /// 受領書 (`ReceiptAdvice`).
    ReceiptAdvice,
    /// Invoice response (`ApplicationResponse`, Peppol T111): 受付・差し戻し・支払の通知.
    InvoiceResponse,
}

impl DocumentKind {
    /// Every kind, in a stable order.
    pub const ALL: [DocumentKind; 12] = [
        DocumentKind::Invoice,
        DocumentKind::CreditNote,
        DocumentKind::Quotation,
        DocumentKind::RequestForQuotation,
        DocumentKind::Order,
        DocumentKind::OrderResponse,
        DocumentKind::OrderResponseSimple,
        DocumentKind::OrderChange,
        DocumentKind::OrderCancellation,
        DocumentKind::DespatchAdvice,
        DocumentKind::ReceiptAdvice,
        DocumentKind::InvoiceResponse,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "invoice",
            DocumentKind::CreditNote => "credit_note",
            DocumentKind::Quotation => "quotation",
            DocumentKind::RequestForQuotation => "request_for_quotation",
            DocumentKind::Order => "order",
            DocumentKind::OrderResponse => "order_response",
            DocumentKind::OrderResponseSimple => "order_response_simple",
            DocumentKind::OrderChange => "order_change",
            DocumentKind::OrderCancellation => "order_cancellation",
            DocumentKind::DespatchAdvice => "despatch_advice",
            DocumentKind::ReceiptAdvice => "receipt_advice",
            DocumentKind::InvoiceResponse => "invoice_response",
        }
    }

    /// The UBL 2.1 root element name of this kind.
    pub fn root_element(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "Invoice",
            DocumentKind::CreditNote => "CreditNote",
            DocumentKind::Quotation => "Quotation",
            DocumentKind::RequestForQuotation => "RequestForQuotation",
            DocumentKind::Order => "Order",
            DocumentKind::OrderResponse => "OrderResponse",
            DocumentKind::OrderResponseSimple => "OrderResponseSimple",
            DocumentKind::OrderChange => "OrderChange",
            DocumentKind::OrderCancellation => "OrderCancellation",
            DocumentKind::DespatchAdvice => "DespatchAdvice",
            DocumentKind::ReceiptAdvice => "ReceiptAdvice",
            DocumentKind::InvoiceResponse => "ApplicationResponse",
        }
    }

    /// The UBL 2.1 namespace URI of the root element.
    pub fn namespace(self) -> String {
        format!(
            "urn:oasis:names:specification:ubl:schema:xsd:{}-2",
            self.root_element()
        )
    }

    /// The kind whose root element is `local_name` in namespace `namespace`, if any.
    pub fn from_root(namespace: &str, local_name: &str) -> Option<Self> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.root_element() == local_name && kind.namespace() == namespace)
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocumentKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| format!("unknown document kind {s:?}"))
    }
}

/// The specification a document claims to follow, from its CustomizationID (and ProfileID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// JP PINT standard invoice (適格請求書), `urn:peppol:pint:billing-1@jp-1`.
    JpPintStandard,
    /// JP PINT self-billing invoice (仕入明細書), `urn:peppol:pint:selfbilling-1@jp-1`.
    JpPintSelfBilling,
    /// JP PINT invoice of a non-tax-registered business (免税事業者等), `urn:peppol:pint:nontaxinvoice-1@jp-1`.
    JpPintNonTaxRegistered,
    /// Any other Peppol PINT or BIS Billing invoice / credit note.
    PeppolBilling,
    /// Peppol BIS Ordering / Order Agreement / Advanced Ordering (`urn:fdc:peppol.eu:poacc:trns:order…`).
    PeppolOrdering,
    /// Peppol BIS Despatch Advice (`urn:fdc:peppol.eu:poacc:trns:despatch_advice:3`).
    PeppolDespatchAdvice,
    /// Peppol BIS Invoice Response (`urn:fdc:peppol.eu:poacc:trns:invoice_response:3`).
    PeppolInvoiceResponse,
    /// Plain UBL 2.1 without a recognised customization.
    Ubl,
}

impl Profile {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::JpPintStandard => "jp_pint_standard",
            Profile::JpPintSelfBilling => "jp_pint_self_billing",
            Profile::JpPintNonTaxRegistered => "jp_pint_non_tax_registered",
            Profile::PeppolBilling => "peppol_billing",
            Profile::PeppolOrdering => "peppol_ordering",
            Profile::PeppolDespatchAdvice => "peppol_despatch_advice",
            Profile::PeppolInvoiceResponse => "peppol_invoice_response",
            Profile::Ubl => "ubl",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a document stands in its lifecycle. Issue-specific states are added as workflows arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    /// Received and archived; no decision yet.
    Received,
    /// Refused at intake (fatal findings); archived all the same.
    Rejected,
}

impl DocumentStatus {
    /// Every status, in a stable order.
    pub const ALL: [DocumentStatus; 2] = [DocumentStatus::Received, DocumentStatus::Rejected];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::Received => "received",
            DocumentStatus::Rejected => "rejected",
        }
    }
}

impl fmt::Display for DocumentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocumentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("unknown document status {s:?}"))
    }
}

/// A trading party as named in a document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Legal or trading name (`PartyLegalEntity/RegistrationName`, else `PartyName/Name`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// Tax registration id as written (`PartyTaxScheme/CompanyID`); for a Japanese seller the 登録番号.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub registration_number: Option<String>,
    /// Electronic address (`EndpointID`), the value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub endpoint_id: Option<String>,
    /// Electronic address scheme (`EndpointID/@schemeID`), e.g. `0188` for a Japanese corporate number.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub endpoint_scheme: Option<String>,
}

impl Party {
    /// Whether nothing at all is known of the party.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.registration_number.is_none()
            && self.endpoint_id.is_none()
            && self.endpoint_scheme.is_none()
    }
}

/// Document-level totals (`LegalMonetaryTotal`, `AnticipatedMonetaryTotal`, `QuotedMonetaryTotal`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Sum of line net amounts (`LineExtensionAmount`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line_extension: Option<Amount>,
    /// Total without tax (`TaxExclusiveAmount`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tax_exclusive: Option<Amount>,
    /// Total with tax (`TaxInclusiveAmount`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tax_inclusive: Option<Amount>,
    /// Total tax in the document currency (`TaxTotal/TaxAmount` whose currency is the document's).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tax: Option<Amount>,
    /// Total tax in the tax accounting currency, when it differs from the document currency.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tax_in_accounting_currency: Option<Amount>,
    /// Amount due (`PayableAmount`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payable: Option<Amount>,
}

/// One line of the per-rate tax breakdown (`TaxTotal/TaxSubtotal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxSubtotal {
    /// Tax category code (`S`, `AA`, `E`, `Z`, `O`, …).
    pub category: String,
    /// Rate in percent, as written (`10`, `8`), when given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub percent: Option<rust_decimal::Decimal>,
    /// Taxable amount of the category.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub taxable: Option<Amount>,
    /// Tax amount of the category.
    pub tax: Amount,
}

/// What another document a document refers to is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// An order (`OrderReference`, `OrderDocumentReference`).
    Order,
    /// A despatch advice / 納品書 (`DespatchDocumentReference`, `DespatchLineReference`).
    Despatch,
    /// A receipt advice (`ReceiptDocumentReference`).
    Receipt,
    /// An invoice or credit note (`BillingReference`, `DocumentResponse/DocumentReference` of an invoice response).
    Invoice,
    /// A quotation (`QuotationDocumentReference`).
    Quotation,
    /// A request for quotation (`RequestForQuotationDocumentReference`).
    RequestForQuotation,
    /// A contract (`ContractDocumentReference`).
    Contract,
}

/// A reference from this document to another one, by its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentReference {
    /// What is referred to.
    pub kind: ReferenceKind,
    /// The referred document's number.
    pub number: String,
}

/// The facts extracted from a received document: what it is, who, when, how much, and what it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Document kind from the root element.
    pub kind: DocumentKind,
    /// Specification followed, from CustomizationID and ProfileID.
    pub profile: Profile,
    /// `CustomizationID` as written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub customization_id: Option<String>,
    /// `ProfileID` as written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub profile_id: Option<String>,
    /// Document number (`cbc:ID`).
    pub number: String,
    /// Issue date (`cbc:IssueDate`).
    pub issue_date: NaiveDate,
    /// Type code (`InvoiceTypeCode`, `CreditNoteTypeCode`, `OrderTypeCode`, `DespatchAdviceTypeCode`, `ResponseCode` …).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub type_code: Option<String>,
    /// The supplying party (seller, despatch supplier, quotation seller, order seller, response sender).
    pub supplier: Party,
    /// The buying party (the city, normally).
    pub buyer: Party,
    /// Document currency (`DocumentCurrencyCode`, `PricingCurrencyCode`), when given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub currency: Option<String>,
    /// Tax currency (`TaxCurrencyCode`), when given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tax_currency: Option<String>,
    /// Document totals.
    pub totals: Totals,
    /// Per-rate tax breakdown in the document currency.
    pub tax_breakdown: Vec<TaxSubtotal>,
    /// Numbers of other documents referred to.
    pub references: Vec<DocumentReference>,
    /// Number of lines (`InvoiceLine`, `OrderLine`, `DespatchLine`, …).
    pub line_count: u32,
    /// The accounts payment is asked into (`cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID`), in order.
    #[serde(default)]
    pub payee_accounts: Vec<String>,
}

impl Summary {
    /// The transaction amount (取引金額) the archive is searched by: the payable amount, else the
    /// tax-inclusive total, else the tax-exclusive total, else the line total.
    pub fn transaction_amount(&self) -> Option<&Amount> {
        self.totals
            .payable
            .as_ref()
            .or(self.totals.tax_inclusive.as_ref())
            .or(self.totals.tax_exclusive.as_ref())
            .or(self.totals.line_extension.as_ref())
    }

    /// The transaction amount × 10^4 the archive's amount range searches, in yen: none for a document in
    /// another currency (a range typed in yen says nothing of euros), nor when there is no amount.
    pub fn search_amount_yen(&self) -> Option<i64> {
        let amount = self.transaction_amount()?;
        let currency = amount.currency.as_deref().or(self.currency.as_deref());
        match currency {
            None | Some("JPY") => amount.search_key(),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_found_by_root_element_and_namespace() {
        let ns = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
        assert_eq!(
            DocumentKind::from_root(ns, "Invoice"),
            Some(DocumentKind::Invoice)
        );
        assert_eq!(
            DocumentKind::from_root(
                "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2",
                "ApplicationResponse"
            ),
            Some(DocumentKind::InvoiceResponse)
        );
        assert_eq!(DocumentKind::from_root("urn:example", "Invoice"), None);
        assert_eq!(DocumentKind::from_root(ns, "Order"), None);
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in DocumentKind::ALL {
            assert_eq!(kind.as_str().parse::<DocumentKind>().unwrap(), kind);
        }
    }
}
