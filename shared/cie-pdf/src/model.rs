//! Reads a UBL 2.1 document into the display model the layout draws: title, number, header fields,
//! the two parties, lines, totals, tax per rate, bank details, the invoice-response block and notes.
//!
//! Everything is already formatted text here (amounts with separators and currency, dates in Japanese);
//! the layout only places it. Missing elements become empty strings or absent rows, never errors: a PDF
//! of an incomplete document is still useful, and validation is `cie-rules`' job.

use cie_xpath::{Document, NodeId};

use crate::PdfError;
use crate::font::Font;
use crate::format;

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const UBL_PREFIX: &str = "urn:oasis:names:specification:ubl:schema:xsd:";

/// The document kinds rendered, by root element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Invoice,
    CreditNote,
    Order,
    OrderResponse,
    DespatchAdvice,
    Quotation,
    RequestForQuotation,
    ApplicationResponse,
}

impl Kind {
    fn from_root(local_name: &str) -> Option<Kind> {
        Some(match local_name {
            "Invoice" => Kind::Invoice,
            "CreditNote" => Kind::CreditNote,
            "Order" => Kind::Order,
            "OrderResponse" => Kind::OrderResponse,
            "DespatchAdvice" => Kind::DespatchAdvice,
            "Quotation" => Kind::Quotation,
            "RequestForQuotation" => Kind::RequestForQuotation,
            "ApplicationResponse" => Kind::ApplicationResponse,
            _ => return None,
        })
    }
}

/// A label and its formatted value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) label: String,
    pub(crate) value: String,
}

/// One party block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Party {
    /// Role shown above the name, e.g. `請求元`.
    pub(crate) role: &'static str,
    pub(crate) name: String,
    pub(crate) address: Vec<String>,
    /// 登録番号 (qualified-invoice issuer number), seller side only.
    pub(crate) registration: String,
    /// Contact name, telephone, e-mail.
    pub(crate) contact: Vec<String>,
}

/// One row of the lines table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Line {
    pub(crate) id: String,
    pub(crate) description: String,
    pub(crate) quantity: String,
    pub(crate) unit_price: String,
    pub(crate) amount: String,
    /// Tax rate (or category when no rate), e.g. `10%`.
    pub(crate) tax: String,
    /// Reduced rate (8 %): marked with ※.
    pub(crate) reduced: bool,
}

/// One row of the tax-per-rate box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaxRow {
    pub(crate) label: String,
    pub(crate) taxable: String,
    pub(crate) tax: String,
}

/// What the layout draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Model {
    pub(crate) kind: Kind,
    pub(crate) title: &'static str,
    pub(crate) number: String,
    /// Number, dates and references, shown under the addressee.
    pub(crate) fields: Vec<Field>,
    /// The addressee (shown left, with 御中) and the issuer (shown right).
    pub(crate) addressee: Party,
    pub(crate) issuer: Party,
    /// The amount shown large on the first page (payable amount), if any.
    pub(crate) headline: Option<Field>,
    pub(crate) lines: Vec<Line>,
    pub(crate) totals: Vec<Field>,
    pub(crate) taxes: Vec<TaxRow>,
    pub(crate) bank: Vec<Field>,
    /// Invoice response: status, reasons, referenced invoice.
    pub(crate) response: Vec<Field>,
    pub(crate) notes: Vec<String>,
}

impl Model {
    /// Whether any line is at the reduced rate (then the table is followed by "※は軽減税率対象").
    pub(crate) fn has_reduced_lines(&self) -> bool {
        self.lines.iter().any(|line| line.reduced)
    }

    /// The PDF title, e.g. `請求書 156`.
    pub(crate) fn pdf_title(&self) -> String {
        if self.number.is_empty() {
            self.title.to_owned()
        } else {
            format!("{} {}", self.title, self.number)
        }
    }

    /// Fails on the first character anywhere in the model that the font cannot draw, naming the field.
    pub(crate) fn check_glyphs(&self, font: &Font) -> Result<(), PdfError> {
        font.check("title", self.title)?;
        font.check("number", &self.number)?;
        let fields = |name: &str, fields: &[Field]| -> Result<(), PdfError> {
            for field in fields {
                font.check(&format!("{name}.{}", field.label), &field.label)?;
                font.check(&format!("{name}.{}", field.label), &field.value)?;
            }
            Ok(())
        };
        fields("header", &self.fields)?;
        fields("headline", self.headline.as_slice())?;
        fields("totals", &self.totals)?;
        fields("bank", &self.bank)?;
        fields("response", &self.response)?;
        for (key, party) in [
            (self.addressee_key(), &self.addressee),
            (self.issuer_key(), &self.issuer),
        ] {
            font.check(&format!("{key}.role"), party.role)?;
            font.check(&format!("{key}.name"), &party.name)?;
            font.check(&format!("{key}.registration"), &party.registration)?;
            for text in &party.address {
                font.check(&format!("{key}.address"), text)?;
            }
            for text in &party.contact {
                font.check(&format!("{key}.contact"), text)?;
            }
        }
        for (i, line) in self.lines.iter().enumerate() {
            for (name, text) in [
                ("id", &line.id),
                ("description", &line.description),
                ("quantity", &line.quantity),
                ("unit_price", &line.unit_price),
                ("amount", &line.amount),
                ("tax", &line.tax),
            ] {
                font.check(&format!("lines[{}].{name}", i + 1), text)?;
            }
        }
        for (i, row) in self.taxes.iter().enumerate() {
            for text in [&row.label, &row.taxable, &row.tax] {
                font.check(&format!("taxes[{}]", i + 1), text)?;
            }
        }
        for (i, note) in self.notes.iter().enumerate() {
            font.check(&format!("notes[{}]", i + 1), note)?;
        }
        Ok(())
    }

    /// `seller` or `buyer` (or the role of the party) for error messages.
    fn issuer_key(&self) -> &'static str {
        match self.kind {
            Kind::Invoice
            | Kind::CreditNote
            | Kind::OrderResponse
            | Kind::Quotation
            | Kind::DespatchAdvice => "seller",
            Kind::Order | Kind::RequestForQuotation => "buyer",
            Kind::ApplicationResponse => "sender",
        }
    }

    fn addressee_key(&self) -> &'static str {
        match self.kind {
            Kind::Invoice
            | Kind::CreditNote
            | Kind::OrderResponse
            | Kind::Quotation
            | Kind::DespatchAdvice => "buyer",
            Kind::Order | Kind::RequestForQuotation => "seller",
            Kind::ApplicationResponse => "receiver",
        }
    }
}

/// Reads `dom` into the display model.
pub(crate) fn read(dom: &Document) -> Result<Model, PdfError> {
    let root = dom
        .document_element()
        .ok_or_else(|| PdfError::UnknownKind {
            namespace: String::new(),
            local_name: String::new(),
        })?;
    let namespace = dom.namespace_uri(root);
    let local_name = dom.local_name(root);
    let kind = Kind::from_root(local_name)
        .filter(|_| namespace.starts_with(UBL_PREFIX))
        .ok_or_else(|| PdfError::UnknownKind {
            namespace: namespace.to_owned(),
            local_name: local_name.to_owned(),
        })?;
    Ok(Reader { dom }.model(kind, root))
}

struct Reader<'d> {
    dom: &'d Document,
}

/// Splits `cac:A/cbc:B` into (namespace, local name) steps.
fn steps(path: &str) -> impl Iterator<Item = (&'static str, &str)> {
    path.split('/').map(|step| match step.split_once(':') {
        Some(("cac", local)) => (CAC, local),
        Some(("cbc", local)) => (CBC, local),
        Some((_, local)) => ("", local),
        None => ("", step),
    })
}

/// Trims and collapses runs of white space (including line breaks) into one space.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

impl<'d> Reader<'d> {
    /// The element at `path` below `node` (first match at each step).
    fn at(&self, node: NodeId, path: &str) -> Option<NodeId> {
        steps(path).try_fold(node, |node, (ns, local)| {
            self.dom.child_named(node, ns, local)
        })
    }

    /// All elements at `path` below `node` (first match at each step but the last).
    fn all(&self, node: NodeId, path: &str) -> Vec<NodeId> {
        let (parent, last) = match path.rsplit_once('/') {
            Some((parent, last)) => (self.at(node, parent), last),
            None => (Some(node), path),
        };
        let Some(parent) = parent else {
            return Vec::new();
        };
        let Some((ns, local)) = steps(last).next() else {
            return Vec::new();
        };
        self.dom.element_children_named(parent, ns, local).collect()
    }

    /// The cleaned text at `path`, empty when absent.
    fn text(&self, node: NodeId, path: &str) -> String {
        self.at(node, path)
            .map(|n| clean(&self.dom.string_value(n)))
            .unwrap_or_default()
    }

    /// The text of the first of `paths` that is present and not empty.
    fn first_text(&self, node: NodeId, paths: &[&str]) -> String {
        paths
            .iter()
            .map(|path| self.text(node, path))
            .find(|text| !text.is_empty())
            .unwrap_or_default()
    }

    fn attr(&self, node: NodeId, name: &str) -> String {
        self.dom
            .attribute(node, "", name)
            .map(str::trim)
            .unwrap_or("")
            .to_owned()
    }

    /// The formatted amount at `path` (with its currencyID), if present.
    fn amount(&self, node: NodeId, path: &str) -> Option<String> {
        let element = self.at(node, path)?;
        let value = self.dom.string_value(element);
        if value.trim().is_empty() {
            return None;
        }
        Some(format::amount(&value, &self.attr(element, "currencyID")))
    }

    fn model(&self, kind: Kind, root: NodeId) -> Model {
        let number = self.text(root, "cbc:ID");
        let title = self.title(kind, root);
        let (issuer, addressee) = self.parties(kind, root);
        let lines = self.lines(kind, root);
        let (totals, headline) = self.totals(kind, root);
        Model {
            kind,
            title,
            fields: self.header_fields(kind, root, title, &number),
            number,
            addressee,
            issuer,
            headline,
            lines,
            totals,
            taxes: self.taxes(root),
            bank: self.bank(root),
            response: self.response(kind, root),
            notes: self.notes(root),
        }
    }

    fn title(&self, kind: Kind, root: NodeId) -> &'static str {
        match kind {
            Kind::Invoice => match self.text(root, "cbc:InvoiceTypeCode").as_str() {
                "381" => "返還請求書",
                _ => "請求書",
            },
            Kind::CreditNote => "返還請求書（貸方票）",
            Kind::Order => "注文書",
            Kind::OrderResponse => "注文請書",
            Kind::DespatchAdvice => "納品書",
            Kind::Quotation => "見積書",
            Kind::RequestForQuotation => "見積依頼書",
            Kind::ApplicationResponse => "請求書応答",
        }
    }

    fn header_fields(&self, kind: Kind, root: NodeId, title: &str, number: &str) -> Vec<Field> {
        let mut fields = Vec::new();
        let mut push = |label: &str, value: String| {
            if !value.is_empty() {
                fields.push(Field {
                    label: label.to_owned(),
                    value,
                });
            }
        };
        let number_label = match kind {
            Kind::ApplicationResponse => "応答番号".to_owned(),
            Kind::CreditNote => "返還請求書番号".to_owned(),
            _ => format!("{title}番号"),
        };
        push(&number_label, number.to_owned());
        push("発行日", date(self.text(root, "cbc:IssueDate")));
        push(
            "支払期日",
            date(self.first_text(
                root,
                &["cbc:DueDate", "cac:PaymentMeans/cbc:PaymentDueDate"],
            )),
        );
        let start = self.text(root, "cac:InvoicePeriod/cbc:StartDate");
        let end = self.text(root, "cac:InvoicePeriod/cbc:EndDate");
        if !start.is_empty() || !end.is_empty() {
            push(
                "対象期間",
                format!("{} 〜 {}", format::date(&start), format::date(&end)),
            );
        }
        push(
            "納品日",
            date(self.text(root, "cac:Delivery/cbc:ActualDeliveryDate")),
        );
        push(
            "有効期限",
            date(self.text(root, "cac:ValidityPeriod/cbc:EndDate")),
        );
        if kind != Kind::Order {
            push("注文番号", self.text(root, "cac:OrderReference/cbc:ID"));
        }
        push(
            "納品書番号",
            self.text(root, "cac:DespatchDocumentReference/cbc:ID"),
        );
        push(
            "見積依頼番号",
            self.text(root, "cac:RequestForQuotationDocumentReference/cbc:ID"),
        );
        push(
            "見積番号",
            self.text(root, "cac:QuotationDocumentReference/cbc:ID"),
        );
        push(
            "元の請求書",
            self.text(
                root,
                "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
            ),
        );
        push(
            "契約番号",
            self.first_text(
                root,
                &[
                    "cac:ContractDocumentReference/cbc:ID",
                    "cac:Contract/cbc:ID",
                ],
            ),
        );
        push("買い手参照", self.text(root, "cbc:BuyerReference"));
        push(
            "支払条件",
            self.all(root, "cac:PaymentTerms")
                .into_iter()
                .map(|terms| self.text(terms, "cbc:Note"))
                .filter(|note| !note.is_empty())
                .collect::<Vec<_>>()
                .join(" / "),
        );
        fields
    }

    /// (issuer, addressee) for the kind.
    fn parties(&self, kind: Kind, root: NodeId) -> (Party, Party) {
        let supplier = |role| self.party(root, &["cac:SellerSupplierParty/cac:Party"], role, true);
        let customer = |paths: &[&str], role| self.party(root, paths, role, false);
        match kind {
            Kind::Invoice | Kind::CreditNote => (
                self.party(
                    root,
                    &["cac:AccountingSupplierParty/cac:Party"],
                    "請求元",
                    true,
                ),
                customer(&["cac:AccountingCustomerParty/cac:Party"], "請求先"),
            ),
            Kind::Order => (
                customer(&["cac:BuyerCustomerParty/cac:Party"], "発注者"),
                self.party(
                    root,
                    &["cac:SellerSupplierParty/cac:Party"],
                    "受注者",
                    false,
                ),
            ),
            Kind::OrderResponse => (
                supplier("受注者"),
                customer(&["cac:BuyerCustomerParty/cac:Party"], "発注者"),
            ),
            Kind::DespatchAdvice => (
                self.party(
                    root,
                    &[
                        "cac:DespatchSupplierParty/cac:Party",
                        "cac:SellerSupplierParty/cac:Party",
                    ],
                    "出荷者",
                    true,
                ),
                customer(
                    &[
                        "cac:DeliveryCustomerParty/cac:Party",
                        "cac:BuyerCustomerParty/cac:Party",
                    ],
                    "納入先",
                ),
            ),
            Kind::Quotation => (
                supplier("見積者"),
                customer(
                    &[
                        "cac:OriginatorCustomerParty/cac:Party",
                        "cac:BuyerCustomerParty/cac:Party",
                    ],
                    "宛先",
                ),
            ),
            Kind::RequestForQuotation => (
                customer(
                    &[
                        "cac:OriginatorCustomerParty/cac:Party",
                        "cac:BuyerCustomerParty/cac:Party",
                    ],
                    "依頼者",
                ),
                self.party(root, &["cac:SellerSupplierParty/cac:Party"], "宛先", false),
            ),
            Kind::ApplicationResponse => (
                customer(&["cac:SenderParty"], "送信者"),
                customer(&["cac:ReceiverParty"], "受信者"),
            ),
        }
    }

    fn party(&self, root: NodeId, paths: &[&str], role: &'static str, seller: bool) -> Party {
        let Some(node) = paths.iter().find_map(|path| self.at(root, path)) else {
            return Party {
                role,
                ..Party::default()
            };
        };
        let name = self.first_text(
            node,
            &[
                "cac:PartyName/cbc:Name",
                "cac:PartyLegalEntity/cbc:RegistrationName",
                "cac:Contact/cbc:Name",
            ],
        );
        let registration = if seller {
            self.text(node, "cac:PartyTaxScheme/cbc:CompanyID")
        } else {
            String::new()
        };
        let contact = ["cac:Contact/cbc:Name", "cac:Contact/cbc:Telephone"]
            .iter()
            .zip(["担当", "電話"])
            .map(|(path, label)| (label, self.text(node, path)))
            .filter(|(_, value)| !value.is_empty() && *value != name)
            .map(|(label, value)| format!("{label}: {value}"))
            .collect();
        Party {
            role,
            name,
            address: self.address(node),
            registration,
            contact,
        }
    }

    fn address(&self, party: NodeId) -> Vec<String> {
        let Some(address) = self.at(party, "cac:PostalAddress") else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        let country = self.text(address, "cac:Country/cbc:IdentificationCode");
        let japanese = country.is_empty() || country == "JP";
        let zone = self.text(address, "cbc:PostalZone");
        let region: Vec<String> = ["cbc:CountrySubentity", "cbc:CityName"]
            .iter()
            .map(|path| self.text(address, path))
            .filter(|text| !text.is_empty())
            .collect();
        let mut first = String::new();
        if !zone.is_empty() {
            first = if !japanese {
                format!("{zone} ")
            } else if zone.len() == 7 && zone.bytes().all(|b| b.is_ascii_digit()) {
                format!("〒{}-{} ", &zone[..3], &zone[3..])
            } else {
                format!("〒{zone} ")
            };
        }
        // Japanese addresses run on (東京都新宿区); others keep a space (Region Oslo).
        first.push_str(&region.join(if japanese { "" } else { " " }));
        if !japanese {
            first.push_str(&format!(" {country}"));
        }
        if !first.trim().is_empty() {
            lines.push(first.trim().to_owned());
        }
        let street: Vec<String> = ["cbc:StreetName", "cbc:AdditionalStreetName"]
            .iter()
            .map(|path| self.text(address, path))
            .filter(|text| !text.is_empty())
            .collect();
        if !street.is_empty() {
            lines.push(street.join(" "));
        }
        for line in self.all(address, "cac:AddressLine") {
            let text = self.text(line, "cbc:Line");
            if !text.is_empty() {
                lines.push(text);
            }
        }
        lines
    }

    fn lines(&self, kind: Kind, root: NodeId) -> Vec<Line> {
        let (path, item_holder) = match kind {
            Kind::Invoice => ("cac:InvoiceLine", None),
            Kind::CreditNote => ("cac:CreditNoteLine", None),
            Kind::Order | Kind::OrderResponse => ("cac:OrderLine", Some("cac:LineItem")),
            Kind::DespatchAdvice => ("cac:DespatchLine", None),
            Kind::Quotation => ("cac:QuotationLine", Some("cac:LineItem")),
            Kind::RequestForQuotation => ("cac:RequestForQuotationLine", Some("cac:LineItem")),
            Kind::ApplicationResponse => return Vec::new(),
        };
        self.all(root, path)
            .into_iter()
            .map(|line| {
                let holder = item_holder.and_then(|p| self.at(line, p)).unwrap_or(line);
                self.line(holder)
            })
            .collect()
    }

    fn line(&self, holder: NodeId) -> Line {
        let quantity = [
            "cbc:InvoicedQuantity",
            "cbc:CreditedQuantity",
            "cbc:Quantity",
            "cbc:DeliveredQuantity",
        ]
        .iter()
        .find_map(|path| self.at(holder, path))
        .map(|q| format::quantity(&self.dom.string_value(q), &self.attr(q, "unitCode")))
        .unwrap_or_default();
        let mut description =
            self.first_text(holder, &["cac:Item/cbc:Name", "cac:Item/cbc:Description"]);
        if description.is_empty() {
            description = self.text(holder, "cbc:Note");
        }
        let category = self.text(holder, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID");
        let rate = self.text(holder, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent");
        let tax = if rate.is_empty() {
            if category.is_empty() {
                String::new()
            } else {
                format::tax_category(&category).to_owned()
            }
        } else {
            format::percent(&rate)
        };
        Line {
            id: self.text(holder, "cbc:ID"),
            description,
            quantity,
            unit_price: self
                .amount(holder, "cac:Price/cbc:PriceAmount")
                .unwrap_or_default(),
            amount: self
                .amount(holder, "cbc:LineExtensionAmount")
                .unwrap_or_default(),
            reduced: (!category.is_empty() || !rate.is_empty())
                && format::is_reduced_rate(&category, &rate),
            tax,
        }
    }

    /// The totals rows and the headline amount.
    fn totals(&self, kind: Kind, root: NodeId) -> (Vec<Field>, Option<Field>) {
        let Some(total) = [
            "cac:LegalMonetaryTotal",
            "cac:AnticipatedMonetaryTotal",
            "cac:QuotedMonetaryTotal",
            "cac:RequestedMonetaryTotal",
        ]
        .iter()
        .find_map(|path| self.at(root, path)) else {
            return (Vec::new(), None);
        };
        let payable_label = match kind {
            Kind::Invoice => "ご請求金額",
            Kind::CreditNote => "返還金額",
            Kind::Quotation => "お見積金額",
            _ => "合計金額",
        };
        let tax = self.amount(root, "cac:TaxTotal/cbc:TaxAmount");
        let mut rows = Vec::new();
        let mut push = |label: &str, value: Option<String>, skip_zero: bool| {
            if let Some(value) = value
                && !(skip_zero && (value == "¥0" || value.starts_with("0 ")))
            {
                rows.push(Field {
                    label: label.to_owned(),
                    value,
                });
            }
        };
        push(
            "明細合計（税抜）",
            self.amount(total, "cbc:LineExtensionAmount"),
            false,
        );
        push(
            "値引合計",
            self.amount(total, "cbc:AllowanceTotalAmount"),
            true,
        );
        push(
            "追加費用合計",
            self.amount(total, "cbc:ChargeTotalAmount"),
            true,
        );
        push(
            "合計（税抜）",
            self.amount(total, "cbc:TaxExclusiveAmount"),
            false,
        );
        push("消費税額", tax, false);
        push(
            "合計（税込）",
            self.amount(total, "cbc:TaxInclusiveAmount"),
            false,
        );
        push("前払額", self.amount(total, "cbc:PrepaidAmount"), true);
        push(
            "端数調整",
            self.amount(total, "cbc:PayableRoundingAmount"),
            true,
        );
        let payable = self.amount(total, "cbc:PayableAmount");
        push(payable_label, payable.clone(), false);
        let headline = payable.map(|value| Field {
            label: payable_label.to_owned(),
            value,
        });
        (rows, headline)
    }

    fn taxes(&self, root: NodeId) -> Vec<TaxRow> {
        let mut rows = Vec::new();
        for total in self.all(root, "cac:TaxTotal") {
            let subtotals = self.all(total, "cac:TaxSubtotal");
            if subtotals.is_empty() {
                if let Some(tax) = self.amount(total, "cbc:TaxAmount") {
                    rows.push(TaxRow {
                        label: "消費税額".to_owned(),
                        taxable: String::new(),
                        tax,
                    });
                }
                continue;
            }
            for subtotal in subtotals {
                let category = self.text(subtotal, "cac:TaxCategory/cbc:ID");
                let rate = self.text(subtotal, "cac:TaxCategory/cbc:Percent");
                let mut label = if rate.is_empty() {
                    format::tax_category(&category).to_owned()
                } else {
                    format!("{}対象", format::percent(&rate))
                };
                if !category.is_empty() && category != "S" && !rate.is_empty() {
                    label = format!("{label}（{}）", format::tax_category(&category));
                }
                if format::is_reduced_rate(&category, &rate) {
                    label.push_str(" ※");
                }
                rows.push(TaxRow {
                    label,
                    taxable: self
                        .amount(subtotal, "cbc:TaxableAmount")
                        .unwrap_or_default(),
                    tax: self.amount(subtotal, "cbc:TaxAmount").unwrap_or_default(),
                });
            }
        }
        rows
    }

    fn bank(&self, root: NodeId) -> Vec<Field> {
        let mut fields = Vec::new();
        for means in self.all(root, "cac:PaymentMeans") {
            let Some(account) = self.at(means, "cac:PayeeFinancialAccount") else {
                continue;
            };
            let branch = [
                "cac:FinancialInstitutionBranch/cbc:ID",
                "cac:FinancialInstitutionBranch/cbc:Name",
            ]
            .iter()
            .map(|path| self.text(account, path))
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
            for (label, value) in [
                ("金融機関・支店", branch),
                ("口座番号", self.text(account, "cbc:ID")),
                ("口座名義", self.text(account, "cbc:Name")),
                ("支払番号", self.text(means, "cbc:PaymentID")),
            ] {
                if !value.is_empty() {
                    fields.push(Field {
                        label: label.to_owned(),
                        value,
                    });
                }
            }
        }
        fields
    }

    fn response(&self, kind: Kind, root: NodeId) -> Vec<Field> {
        if kind != Kind::ApplicationResponse {
            let code = self.text(root, "cbc:OrderResponseCode");
            return if code.is_empty() {
                Vec::new()
            } else {
                vec![Field {
                    label: "応答".to_owned(),
                    value: format!("{code} {}", order_response_code(&code)),
                }]
            };
        }
        let mut fields = Vec::new();
        for document in self.all(root, "cac:DocumentResponse") {
            let invoice = self.text(document, "cac:DocumentReference/cbc:ID");
            if !invoice.is_empty() {
                let issued = self.text(document, "cac:DocumentReference/cbc:IssueDate");
                let value = if issued.is_empty() {
                    invoice
                } else {
                    format!("{invoice}（{}発行）", format::date(&issued))
                };
                fields.push(Field {
                    label: "対象の請求書".to_owned(),
                    value,
                });
            }
            let Some(response) = self.at(document, "cac:Response") else {
                continue;
            };
            let code = self.text(response, "cbc:ResponseCode");
            fields.push(Field {
                label: "状態".to_owned(),
                value: format!("{code} {}", format::response_code(&code)),
            });
            let effective = self.text(response, "cbc:EffectiveDate");
            if !effective.is_empty() {
                fields.push(Field {
                    label: "状態の日付".to_owned(),
                    value: format::date(&effective),
                });
            }
            let description = self.text(response, "cbc:Description");
            if !description.is_empty() {
                fields.push(Field {
                    label: "説明".to_owned(),
                    value: description,
                });
            }
            for status in self.all(response, "cac:Status") {
                if let Some(reason) = self.at(status, "cbc:StatusReasonCode") {
                    let list = self.attr(reason, "listID");
                    let code = clean(&self.dom.string_value(reason));
                    let label = if list == "OPStatusAction" {
                        "依頼事項"
                    } else {
                        "理由"
                    };
                    fields.push(Field {
                        label: label.to_owned(),
                        value: format!("{code} {}", format::status_reason(&list, &code)),
                    });
                }
                let text = self.text(status, "cbc:StatusReason");
                if !text.is_empty() {
                    fields.push(Field {
                        label: "理由（説明）".to_owned(),
                        value: text,
                    });
                }
            }
        }
        fields
    }

    fn notes(&self, root: NodeId) -> Vec<String> {
        self.all(root, "cbc:Note")
            .into_iter()
            .flat_map(|note| {
                self.dom
                    .string_value(note)
                    .lines()
                    .map(clean)
                    .filter(|line| !line.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

fn date(value: String) -> String {
    if value.is_empty() {
        value
    } else {
        format::date(&value)
    }
}

/// Meaning of an order response code (UNCL 1225 subset used by Peppol).
fn order_response_code(code: &str) -> &'static str {
    match code.trim() {
        "AP" => "受諾",
        "RE" => "拒否",
        "CA" => "条件付き受諾（変更あり）",
        "AB" => "受領確認",
        _ => "",
    }
}
