//! The UBL element and attribute names our own rule sets (`cie-jp-*`, `cie-doc-*`) look for on every line,
//! subtotal and identifier, interned once so that documents parsed afterwards find them by id.

use std::sync::LazyLock;

use cie_xpath::KnownName;

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

/// The names, one field each.
pub(crate) struct UblNames {
    pub(crate) invoice_line: KnownName,
    pub(crate) credit_note_line: KnownName,
    pub(crate) invoiced_quantity: KnownName,
    pub(crate) credited_quantity: KnownName,
    pub(crate) id: KnownName,
    pub(crate) percent: KnownName,
    pub(crate) item: KnownName,
    pub(crate) classified_tax_category: KnownName,
    pub(crate) line_extension_amount: KnownName,
    pub(crate) price: KnownName,
    pub(crate) price_amount: KnownName,
    pub(crate) base_quantity: KnownName,
    pub(crate) tax_total: KnownName,
    pub(crate) tax_subtotal: KnownName,
    pub(crate) tax_category: KnownName,
    pub(crate) taxable_amount: KnownName,
    pub(crate) tax_amount: KnownName,
    pub(crate) allowance_charge: KnownName,
    pub(crate) amount: KnownName,
    pub(crate) charge_indicator: KnownName,
    /// The `schemeID` attribute (no namespace).
    pub(crate) scheme_id: KnownName,
}

/// [`UblNames`], interned on first use (see [`crate::official::preload`]).
pub(crate) static NAMES: LazyLock<UblNames> = LazyLock::new(|| UblNames {
    invoice_line: KnownName::new(CAC, "InvoiceLine"),
    credit_note_line: KnownName::new(CAC, "CreditNoteLine"),
    invoiced_quantity: KnownName::new(CBC, "InvoicedQuantity"),
    credited_quantity: KnownName::new(CBC, "CreditedQuantity"),
    id: KnownName::new(CBC, "ID"),
    percent: KnownName::new(CBC, "Percent"),
    item: KnownName::new(CAC, "Item"),
    classified_tax_category: KnownName::new(CAC, "ClassifiedTaxCategory"),
    line_extension_amount: KnownName::new(CBC, "LineExtensionAmount"),
    price: KnownName::new(CAC, "Price"),
    price_amount: KnownName::new(CBC, "PriceAmount"),
    base_quantity: KnownName::new(CBC, "BaseQuantity"),
    tax_total: KnownName::new(CAC, "TaxTotal"),
    tax_subtotal: KnownName::new(CAC, "TaxSubtotal"),
    tax_category: KnownName::new(CAC, "TaxCategory"),
    taxable_amount: KnownName::new(CBC, "TaxableAmount"),
    tax_amount: KnownName::new(CBC, "TaxAmount"),
    allowance_charge: KnownName::new(CAC, "AllowanceCharge"),
    amount: KnownName::new(CBC, "Amount"),
    charge_indicator: KnownName::new(CBC, "ChargeIndicator"),
    scheme_id: KnownName::new("", "schemeID"),
});
