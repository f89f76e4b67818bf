//! The invoice response (Peppol BIS Invoice Response 3.0, transaction T111, a UBL
//! `ApplicationResponse`): the city tells a supplier what became of its invoice (受付・保留・差し戻し・
//! 承認・支払), with clarification reasons and requested actions.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::check;
use crate::error::ComposeError;
use crate::party::{Contact, Endpoint, iso_date, iso_time, trimmed};
use crate::xml::XmlWriter;

/// `cbc:CustomizationID` of a Peppol invoice response.
pub const INVOICE_RESPONSE_CUSTOMIZATION_ID: &str =
    "urn:fdc:peppol.eu:poacc:trns:invoice_response:3";
/// `cbc:ProfileID` of a Peppol invoice response.
pub const INVOICE_RESPONSE_PROFILE_ID: &str = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3";

const NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2";

/// One invoice response from the city (sender, the buyer) to a supplier (receiver, the seller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceResponse {
    /// Number of this response (`cbc:ID`).
    pub id: String,
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Issue time, when wanted.
    #[serde(default)]
    pub issue_time: Option<NaiveTime>,
    /// Free text for the supplier (`cbc:Note`).
    #[serde(default)]
    pub note: Option<String>,
    /// The city, buyer of the invoice.
    pub sender: ResponseParty,
    /// The supplier, seller of the invoice.
    pub receiver: ResponseParty,
    /// The invoice responded to.
    pub invoice: InvoiceReference,
    /// The status reported.
    pub status: ResponseStatus,
    /// When the status took effect (for [`ResponseStatus::Paid`], the payment date).
    #[serde(default)]
    pub effective_date: Option<NaiveDate>,
    /// Why: clarification reasons (see [`ResponseStatus::admits_reason`]).
    #[serde(default)]
    pub reasons: Vec<StatusReason>,
    /// What the supplier is asked to do (see [`ResponseStatus::admits_action`]).
    #[serde(default)]
    pub actions: Vec<StatusAction>,
}

/// Sender or receiver of an invoice response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseParty {
    /// Legal name (`PartyLegalEntity/RegistrationName`).
    pub name: String,
    /// Electronic address.
    pub endpoint: Endpoint,
    /// Contact point, for the supplier's questions.
    #[serde(default)]
    pub contact: Option<Contact>,
}

fn commercial_invoice() -> String {
    "380".to_owned()
}

/// The invoice (or credit note) responded to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceReference {
    /// Its number.
    pub id: String,
    /// Its issue date.
    #[serde(default)]
    pub issue_date: Option<NaiveDate>,
    /// Its UNCL1001 type code: `380` (invoice, the default), `381` (credit note), `389` (self-billing), ….
    #[serde(default = "commercial_invoice")]
    pub type_code: String,
}

/// Response status, the UNCL4343 subset Peppol allows (`cac:Response/cbc:ResponseCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResponseStatus {
    /// `AB` 受信確認: the invoice has been received.
    #[serde(rename = "AB")]
    Acknowledged,
    /// `IP` 処理中: the invoice is being processed.
    #[serde(rename = "IP")]
    InProcess,
    /// `UQ` 照会中: processing waits for an answer from the supplier.
    #[serde(rename = "UQ")]
    UnderQuery,
    /// `CA` 条件付き承認: accepted under the conditions stated in the reasons.
    #[serde(rename = "CA")]
    ConditionallyAccepted,
    /// `RE` 差し戻し: rejected; it will not be processed further.
    #[serde(rename = "RE")]
    Rejected,
    /// `AP` 承認: accepted for payment.
    #[serde(rename = "AP")]
    Accepted,
    /// `PD` 支払済: payment has been initiated.
    #[serde(rename = "PD")]
    Paid,
}

impl ResponseStatus {
    /// Every status, in the order of the invoice lifecycle.
    pub const ALL: [ResponseStatus; 7] = [
        ResponseStatus::Acknowledged,
        ResponseStatus::InProcess,
        ResponseStatus::UnderQuery,
        ResponseStatus::ConditionallyAccepted,
        ResponseStatus::Rejected,
        ResponseStatus::Accepted,
        ResponseStatus::Paid,
    ];

    /// The UNCL4343 code, e.g. `RE`.
    pub fn code(self) -> &'static str {
        match self {
            ResponseStatus::Acknowledged => "AB",
            ResponseStatus::InProcess => "IP",
            ResponseStatus::UnderQuery => "UQ",
            ResponseStatus::ConditionallyAccepted => "CA",
            ResponseStatus::Rejected => "RE",
            ResponseStatus::Accepted => "AP",
            ResponseStatus::Paid => "PD",
        }
    }

    /// Whether the status says something is wrong with the invoice (UQ, CA, RE).
    fn is_clarified(self) -> bool {
        matches!(
            self,
            ResponseStatus::UnderQuery
                | ResponseStatus::ConditionallyAccepted
                | ResponseStatus::Rejected
        )
    }

    /// Whether a response with this status must give at least one reason: UQ, CA and RE must
    /// say what is wrong.
    pub fn requires_reason(self) -> bool {
        self.is_clarified()
    }

    /// Whether a reason with `code` may accompany this status: UQ, CA and RE take every reason but
    /// `PPD`; PD takes only `PPD` (partially paid); AB, IP and AP take none.
    pub fn admits_reason(self, code: ReasonCode) -> bool {
        match self {
            ResponseStatus::Paid => code == ReasonCode::PartiallyPaid,
            status if status.is_clarified() => code != ReasonCode::PartiallyPaid,
            _ => false,
        }
    }

    /// Whether an action with `code` may accompany this status: `NOA` (no action) and `OTH` go
    /// with every status; the actions asking the supplier for something (PIN, NIN, CNF, CNP, CNA)
    /// only with UQ, CA and RE.
    pub fn admits_action(self, code: ActionCode) -> bool {
        match code {
            ActionCode::NoAction | ActionCode::Other => true,
            _ => self.is_clarified(),
        }
    }
}

/// Clarification reason (Peppol code list OPStatusReason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReasonCode {
    /// `NON` no issue.
    #[serde(rename = "NON")]
    NoIssue,
    /// `REF` references incorrect (e.g. the order number, 支出負担行為番号).
    #[serde(rename = "REF")]
    References,
    /// `LEG` legal information incorrect (e.g. 登録番号).
    #[serde(rename = "LEG")]
    Legal,
    /// `REC` receiver unknown.
    #[serde(rename = "REC")]
    ReceiverUnknown,
    /// `QUA` item quality insufficient.
    #[serde(rename = "QUA")]
    Quality,
    /// `DEL` delivery issues.
    #[serde(rename = "DEL")]
    Delivery,
    /// `PRI` prices incorrect.
    #[serde(rename = "PRI")]
    Prices,
    /// `QTY` quantity incorrect.
    #[serde(rename = "QTY")]
    Quantity,
    /// `ITM` items incorrect.
    #[serde(rename = "ITM")]
    Items,
    /// `PAY` payment terms incorrect.
    #[serde(rename = "PAY")]
    PaymentTerms,
    /// `UNR` not recognised.
    #[serde(rename = "UNR")]
    NotRecognised,
    /// `FIN` finance terms incorrect.
    #[serde(rename = "FIN")]
    FinanceTerms,
    /// `PPD` partially paid.
    #[serde(rename = "PPD")]
    PartiallyPaid,
    /// `OTH` other.
    #[serde(rename = "OTH")]
    Other,
}

impl ReasonCode {
    /// Every reason.
    pub const ALL: [ReasonCode; 14] = [
        ReasonCode::NoIssue,
        ReasonCode::References,
        ReasonCode::Legal,
        ReasonCode::ReceiverUnknown,
        ReasonCode::Quality,
        ReasonCode::Delivery,
        ReasonCode::Prices,
        ReasonCode::Quantity,
        ReasonCode::Items,
        ReasonCode::PaymentTerms,
        ReasonCode::NotRecognised,
        ReasonCode::FinanceTerms,
        ReasonCode::PartiallyPaid,
        ReasonCode::Other,
    ];

    /// The code, e.g. `REF`.
    pub fn code(self) -> &'static str {
        match self {
            ReasonCode::NoIssue => "NON",
            ReasonCode::References => "REF",
            ReasonCode::Legal => "LEG",
            ReasonCode::ReceiverUnknown => "REC",
            ReasonCode::Quality => "QUA",
            ReasonCode::Delivery => "DEL",
            ReasonCode::Prices => "PRI",
            ReasonCode::Quantity => "QTY",
            ReasonCode::Items => "ITM",
            ReasonCode::PaymentTerms => "PAY",
            ReasonCode::NotRecognised => "UNR",
            ReasonCode::FinanceTerms => "FIN",
            ReasonCode::PartiallyPaid => "PPD",
            ReasonCode::Other => "OTH",
        }
    }
}

/// Requested action (Peppol code list OPStatusAction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActionCode {
    /// `NOA` no action required.
    #[serde(rename = "NOA")]
    NoAction,
    /// `PIN` provide information.
    #[serde(rename = "PIN")]
    ProvideInformation,
    /// `NIN` issue a new invoice.
    #[serde(rename = "NIN")]
    NewInvoice,
    /// `CNF` credit fully.
    #[serde(rename = "CNF")]
    CreditFully,
    /// `CNP` credit partially.
    #[serde(rename = "CNP")]
    CreditPartially,
    /// `CNA` credit the amount.
    #[serde(rename = "CNA")]
    CreditAmount,
    /// `OTH` other.
    #[serde(rename = "OTH")]
    Other,
}

impl ActionCode {
    /// Every action.
    pub const ALL: [ActionCode; 7] = [
        ActionCode::NoAction,
        ActionCode::ProvideInformation,
        ActionCode::NewInvoice,
        ActionCode::CreditFully,
        ActionCode::CreditPartially,
        ActionCode::CreditAmount,
        ActionCode::Other,
    ];

    /// The code, e.g. `NIN`.
    pub fn code(self) -> &'static str {
        match self {
            ActionCode::NoAction => "NOA",
            ActionCode::ProvideInformation => "PIN",
            ActionCode::NewInvoice => "NIN",
            ActionCode::CreditFully => "CNF",
            ActionCode::CreditPartially => "CNP",
            ActionCode::CreditAmount => "CNA",
            ActionCode::Other => "OTH",
        }
    }
}

/// A clarification reason (`cac:Status` with `StatusReasonCode listID="OPStatusReason"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReason {
    /// The reason.
    pub code: ReasonCode,
    /// Explanation for the supplier (`cbc:StatusReason`).
    #[serde(default)]
    pub text: Option<String>,
    /// The invoice data concerned and their expected values.
    #[serde(default)]
    pub conditions: Vec<StatusCondition>,
}

/// A requested action (`cac:Status` with `StatusReasonCode listID="OPStatusAction"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusAction {
    /// The action.
    pub code: ActionCode,
    /// Explanation for the supplier (`cbc:StatusReason`).
    #[serde(default)]
    pub text: Option<String>,
    /// The invoice data concerned and their expected values.
    #[serde(default)]
    pub conditions: Vec<StatusCondition>,
}

/// One piece of invoice data a reason or action is about (`cac:Condition`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusCondition {
    /// The business term concerned, e.g. `BT-13` (order reference) or `BT-9` (due date).
    pub attribute: String,
    /// Its correct or new value, e.g. `PO0001`.
    #[serde(default)]
    pub description: Option<String>,
}

/// Writes the invoice response, after refusing what Peppol T111 or the status rules
/// ([`ResponseStatus::requires_reason`], [`ResponseStatus::admits_reason`],
/// [`ResponseStatus::admits_action`]) do not allow.
pub fn invoice_response(response: &InvoiceResponse) -> Result<String, ComposeError> {
    check_response(response)?;
    Ok(write_response(response))
}

fn check_response(response: &InvoiceResponse) -> Result<(), ComposeError> {
    check::text("id", &response.id)?;
    check::date("issue_date", response.issue_date)?;
    check::time("issue_time", response.issue_time)?;
    check::optional_date("effective_date", response.effective_date)?;
    check::optional_text("note", response.note.as_deref())?;
    check_party("sender", &response.sender)?;
    check_party("receiver", &response.receiver)?;
    check::text("invoice.id", &response.invoice.id)?;
    check::optional_date("invoice.issue_date", response.invoice.issue_date)?;
    check::document_type_code("invoice.type_code", &response.invoice.type_code)?;
    let status = response.status;
    if status.requires_reason() && response.reasons.is_empty() {
        return Err(ComposeError::ReasonRequired {
            field: "reasons".to_owned(),
            status: status.code(),
        });
    }
    for (index, reason) in response.reasons.iter().enumerate() {
        let field = format!("reasons[{index}]");
        if !status.admits_reason(reason.code) {
            return Err(ComposeError::CodeNotAllowed {
                field: format!("{field}.code"),
                code: reason.code.code(),
                status: status.code(),
            });
        }
        if reason.code == ReasonCode::PartiallyPaid && reason.text.is_none() {
            return Err(ComposeError::Missing {
                field: format!("{field}.text"),
            });
        }
        check_clarification(&field, reason.text.as_deref(), &reason.conditions)?;
    }
    for (index, action) in response.actions.iter().enumerate() {
        let field = format!("actions[{index}]");
        if !status.admits_action(action.code) {
            return Err(ComposeError::CodeNotAllowed {
                field: format!("{field}.code"),
                code: action.code.code(),
                status: status.code(),
            });
        }
        check_clarification(&field, action.text.as_deref(), &action.conditions)?;
    }
    Ok(())
}

fn check_party(field: &str, party: &ResponseParty) -> Result<(), ComposeError> {
    check::text(&format!("{field}.name"), &party.name)?;
    party.endpoint.check_form(&format!("{field}.endpoint"))?;
    match &party.contact {
        Some(contact) => contact.check(&format!("{field}.contact")),
        None => Ok(()),
    }
}

fn check_clarification(
    field: &str,
    text: Option<&str>,
    conditions: &[StatusCondition],
) -> Result<(), ComposeError> {
    check::optional_text(&format!("{field}.text"), text)?;
    for (index, condition) in conditions.iter().enumerate() {
        let field = format!("{field}.conditions[{index}]");
        check::text(&format!("{field}.attribute"), &condition.attribute)?;
        check::optional_text(
            &format!("{field}.description"),
            condition.description.as_deref(),
        )?;
    }
    Ok(())
}

fn write_response(response: &InvoiceResponse) -> String {
    let mut writer = XmlWriter::new("ApplicationResponse", NAMESPACE);
    writer.leaf("cbc:CustomizationID", INVOICE_RESPONSE_CUSTOMIZATION_ID);
    writer.leaf("cbc:ProfileID", INVOICE_RESPONSE_PROFILE_ID);
    writer.leaf("cbc:ID", response.id.trim());
    writer.leaf("cbc:IssueDate", &iso_date(response.issue_date));
    writer.optional_leaf(
        "cbc:IssueTime",
        response.issue_time.map(iso_time).as_deref(),
    );
    writer.optional_leaf("cbc:Note", trimmed(&response.note));
    write_party(&mut writer, "cac:SenderParty", &response.sender);
    write_party(&mut writer, "cac:ReceiverParty", &response.receiver);

    writer.start("cac:DocumentResponse");
    writer.start("cac:Response");
    writer.leaf("cbc:ResponseCode", response.status.code());
    writer.optional_leaf(
        "cbc:EffectiveDate",
        response.effective_date.map(iso_date).as_deref(),
    );
    for reason in &response.reasons {
        write_status(
            &mut writer,
            "OPStatusReason",
            reason.code.code(),
            reason.text.as_deref(),
            &reason.conditions,
        );
    }
    for action in &response.actions {
        write_status(
            &mut writer,
            "OPStatusAction",
            action.code.code(),
            action.text.as_deref(),
            &action.conditions,
        );
    }
    writer.end();
    writer.start("cac:DocumentReference");
    writer.leaf("cbc:ID", response.invoice.id.trim());
    writer.optional_leaf(
        "cbc:IssueDate",
        response.invoice.issue_date.map(iso_date).as_deref(),
    );
    writer.leaf("cbc:DocumentTypeCode", response.invoice.type_code.trim());
    writer.end();
    writer.end();
    writer.finish()
}

fn write_party(writer: &mut XmlWriter, element: &'static str, party: &ResponseParty) {
    writer.start(element);
    party.endpoint.write(writer);
    writer.start("cac:PartyLegalEntity");
    writer.leaf("cbc:RegistrationName", party.name.trim());
    writer.end();
    if let Some(contact) = &party.contact {
        contact.write(writer);
    }
    writer.end();
}

fn write_status(
    writer: &mut XmlWriter,
    list: &str,
    code: &str,
    text: Option<&str>,
    conditions: &[StatusCondition],
) {
    writer.start("cac:Status");
    writer.leaf_with("cbc:StatusReasonCode", &[("listID", list)], code);
    writer.optional_leaf("cbc:StatusReason", text.map(str::trim));
    for condition in conditions {
        writer.start("cac:Condition");
        writer.leaf("cbc:AttributeID", condition.attribute.trim());
        writer.optional_leaf("cbc:Description", trimmed(&condition.description));
        writer.end();
    }
    writer.end();
}
