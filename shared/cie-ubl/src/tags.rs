//! The UBL element names the extractor cares about, resolved from (namespace URI, local name) to a
//! small `Copy` tag so that paths are compared without building strings.

/// Namespace of the UBL 2.1 basic components (`cbc:`).
pub(crate) const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
/// Namespace of the UBL 2.1 aggregate components (`cac:`).
pub(crate) const CAC: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";

/// Declares [`Tag`] from one list of names per namespace, with its lookup.
macro_rules! tags {
    (
        cbc { $($cbc_name:literal => $cbc_tag:ident,)* }
        cac { $($cac_name:literal => $cac_tag:ident,)* }
    ) => {
        /// An element on the path from the root. Every name not listed, in any namespace, is
        /// `Other`; so is every element below an `Other` (extension content, signatures, ...), which
        /// keeps paths anchored at the root from ever matching inside them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Tag {
            Other,
            Root,
            $($cbc_tag,)*
            $($cac_tag,)*
        }

        fn cbc(local: &str) -> Tag {
            match local {
                $($cbc_name => Tag::$cbc_tag,)*
                _ => Tag::Other,
            }
        }

        fn cac(local: &str) -> Tag {
            match local {
                $($cac_name => Tag::$cac_tag,)*
                _ => Tag::Other,
            }
        }

    };
}

tags! {
    cbc {
        "CustomizationID" => CustomizationId,
        "ProfileID" => ProfileId,
        "ID" => Id,
        "IssueDate" => IssueDate,
        "InvoiceTypeCode" => InvoiceTypeCode,
        "CreditNoteTypeCode" => CreditNoteTypeCode,
        "OrderTypeCode" => OrderTypeCode,
        "OrderResponseCode" => OrderResponseCode,
        "DespatchAdviceTypeCode" => DespatchAdviceTypeCode,
        "ResponseCode" => ResponseCode,
        "DocumentCurrencyCode" => DocumentCurrencyCode,
        "PricingCurrencyCode" => PricingCurrencyCode,
        "TaxCurrencyCode" => TaxCurrencyCode,
        "DocumentTypeCode" => DocumentTypeCode,
        "EndpointID" => EndpointId,
        "RegistrationName" => RegistrationName,
        "Name" => Name,
        "CompanyID" => CompanyId,
        "LineExtensionAmount" => LineExtensionAmount,
        "TaxExclusiveAmount" => TaxExclusiveAmount,
        "TaxInclusiveAmount" => TaxInclusiveAmount,
        "PayableAmount" => PayableAmount,
        "TaxAmount" => TaxAmount,
        "TaxableAmount" => TaxableAmount,
        "Percent" => Percent,
    }
    cac {
        "AccountingSupplierParty" => AccountingSupplierParty,
        "AccountingCustomerParty" => AccountingCustomerParty,
        "SellerSupplierParty" => SellerSupplierParty,
        "BuyerCustomerParty" => BuyerCustomerParty,
        "DespatchSupplierParty" => DespatchSupplierParty,
        "DeliveryCustomerParty" => DeliveryCustomerParty,
        "OriginatorCustomerParty" => OriginatorCustomerParty,
        "SenderParty" => SenderParty,
        "ReceiverParty" => ReceiverParty,
        "Party" => Party,
        "PartyLegalEntity" => PartyLegalEntity,
        "PartyName" => PartyName,
        "PartyTaxScheme" => PartyTaxScheme,
        "LegalMonetaryTotal" => LegalMonetaryTotal,
        "AnticipatedMonetaryTotal" => AnticipatedMonetaryTotal,
        "QuotedMonetaryTotal" => QuotedMonetaryTotal,
        "TaxTotal" => TaxTotal,
        "TaxSubtotal" => TaxSubtotal,
        "TaxCategory" => TaxCategory,
        "OrderReference" => OrderReference,
        "DespatchDocumentReference" => DespatchDocumentReference,
        "ReceiptDocumentReference" => ReceiptDocumentReference,
        "BillingReference" => BillingReference,
        "InvoiceDocumentReference" => InvoiceDocumentReference,
        "CreditNoteDocumentReference" => CreditNoteDocumentReference,
        "QuotationDocumentReference" => QuotationDocumentReference,
        "RequestForQuotationDocumentReference" => RequestForQuotationDocumentReference,
        "ContractDocumentReference" => ContractDocumentReference,
        "OrderDocumentReference" => OrderDocumentReference,
        "DocumentReference" => DocumentReference,
        "DocumentResponse" => DocumentResponse,
        "Response" => Response,
        "OrderLineReference" => OrderLineReference,
        "DespatchLineReference" => DespatchLineReference,
        "InvoiceLine" => InvoiceLine,
        "CreditNoteLine" => CreditNoteLine,
        "OrderLine" => OrderLine,
        "DespatchLine" => DespatchLine,
        "ReceiptLine" => ReceiptLine,
        "QuotationLine" => QuotationLine,
        "RequestForQuotationLine" => RequestForQuotationLine,
        "PaymentMeans" => PaymentMeans,
        "PayeeFinancialAccount" => PayeeFinancialAccount,
    }
}

impl Tag {
    /// The tag of an element in namespace `namespace` (empty when it has none) named `local`.
    pub(crate) fn lookup(namespace: &str, local: &str) -> Tag {
        if namespace == CBC {
            cbc(local)
        } else if namespace == CAC {
            cac(local)
        } else {
            Tag::Other
        }
    }

    /// Whether this is one of the document-level line elements counted in `line_count`.
    pub(crate) fn is_line(self) -> bool {
        matches!(
            self,
            Tag::InvoiceLine
                | Tag::CreditNoteLine
                | Tag::OrderLine
                | Tag::DespatchLine
                | Tag::ReceiptLine
                | Tag::QuotationLine
                | Tag::RequestForQuotationLine
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_count_only_in_their_own_namespace() {
        assert_eq!(Tag::lookup(CBC, "ID"), Tag::Id);
        assert_eq!(Tag::lookup(CAC, "ID"), Tag::Other);
        assert_eq!(Tag::lookup(CAC, "Party"), Tag::Party);
        assert_eq!(Tag::lookup(CBC, "Party"), Tag::Other);
        assert_eq!(Tag::lookup("urn:example:not-ubl", "ID"), Tag::Other);
        assert_eq!(Tag::lookup("", "ID"), Tag::Other);
    }
}
