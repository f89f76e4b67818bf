//! Documents a supplier builds on the service instead of in software of its own (issue 14): the city's
//! buyers an invoice may be addressed to, drafts of the forms, and the supplier's invoice, quotation, order
//! response and delivery note written from plain input with the parties filled in from what the city
//! registered, checked by the same rules as any received document, then sent through the same intake as
//! an upload. No business rule here is a second copy: writing is `cie-compose`, checking `validation`,
//! receiving `intake`.

use cie_domain::{RegistrationNumber, Role};
use cie_store::{CityBuyer, Draft, NewCityBuyer, SupplierOrg};

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use crate::intake::Received;
use crate::validation::Verdict;

/// EAS scheme of a 法人番号.
const CORPORATE_NUMBER_SCHEME: &str = "0188";
/// EAS scheme of a qualified invoice issuer's 登録番号 (`T` and 13 digits).
pub(crate) const REGISTRATION_NUMBER_SCHEME: &str = "0221";
/// Largest form draft kept, in bytes of JSON (attachments included).
pub const MAX_DRAFT_BYTES: usize = 12 * 1024 * 1024;

/// The buyers a caller of the city may address documents to; staff and administrators also see the
/// inactive ones when `all`.
pub async fn city_buyers(
    state: &AppState,
    caller: &Caller,
    all: bool,
) -> Result<Vec<CityBuyer>, Error> {
    let all = all && caller.role.is_city_side();
    Ok(state.store.city_buyers(&caller.tenant, all).await?)
}

/// Adds a buyer to the city's list (administrators); its electronic address is checked as documents check
/// it (under 0188 a 法人番号 with its check digit).
pub async fn add_city_buyer(
    state: &AppState,
    caller: &Caller,
    buyer: NewCityBuyer,
) -> Result<CityBuyer, Error> {
    caller.require(&[Role::Admin])?;
    let buyer = NewCityBuyer {
        name: buyer.name.trim().to_owned(),
        endpoint_id: buyer.endpoint_id.trim().to_owned(),
        endpoint_scheme: buyer.endpoint_scheme.trim().to_owned(),
        postal_zone: buyer
            .postal_zone
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty()),
        city_name: buyer.city_name.trim().to_owned(),
        street_name: buyer
            .street_name
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
    };
    if buyer.name.is_empty() {
        return Err(Error::invalid(
            "missing_field",
            "name: a buyer needs a name",
        ));
    }
    if buyer.city_name.is_empty() {
        return Err(Error::invalid(
            "missing_field",
            "city_name: a buyer needs the city of its address",
        ));
    }
    cie_compose::Endpoint {
        id: buyer.endpoint_id.clone(),
        scheme: buyer.endpoint_scheme.clone(),
    }
    .check_as("endpoint_scheme", "endpoint_id")
    .map_err(|e| Error::invalid("invalid_endpoint", e.to_string()))?;
    Ok(state
        .store
        .create_city_buyer(&caller.tenant, &buyer, state.clock.now())
        .await?)
}

/// Lets suppliers pick buyer `id`, or no longer (administrators).
pub async fn set_city_buyer_active(
    state: &AppState,
    caller: &Caller,
    id: i64,
    active: bool,
) -> Result<CityBuyer, Error> {
    caller.require(&[Role::Admin])?;
    Ok(state
        .store
        .set_city_buyer_active(&caller.tenant, id, active)
        .await?)
}

/// The party of a city buyer as documents name it.
pub fn buyer_party(buyer: &CityBuyer) -> cie_compose::TradingParty {
    cie_compose::TradingParty {
        name: buyer.name.clone(),
        endpoint: Some(cie_compose::Endpoint {
            id: buyer.endpoint_id.clone(),
            scheme: buyer.endpoint_scheme.clone(),
        }),
        registration_number: None,
        address: Some(cie_compose::Address {
            postal_zone: buyer.postal_zone.clone(),
            country_subentity: None,
            city_name: buyer.city_name.clone(),
            street_name: buyer.street_name.clone(),
            additional_street_name: None,
            country: "JP".into(),
        }),
        contact: None,
    }
}

/// The supplier organisation of a supplier caller.
pub async fn own_organisation(state: &AppState, caller: &Caller) -> Result<SupplierOrg, Error> {
    caller.require(&[Role::Supplier])?;
    let org = caller.supplier_org_id.ok_or_else(|| {
        Error::Forbidden("this supplier user belongs to no supplier organisation".into())
    })?;
    Ok(state.store.supplier_org(&caller.tenant, org).await?)
}

/// The seller a supplier's documents name: the organisation's registered name and 登録番号 (never what a
/// form says), its address as given (none for a document that carries none), and its electronic address:
/// the 登録番号 under 0221 for a registered business, else its 法人番号 under 0188.
pub fn seller_party(
    org: &SupplierOrg,
    address: Option<cie_compose::Address>,
    corporate_number: Option<&str>,
) -> Result<cie_compose::TradingParty, Error> {
    let corporate_number = corporate_number.map(str::trim).filter(|n| !n.is_empty());
    let endpoint = match (&org.registration_number, corporate_number) {
        (_, Some(number)) => cie_compose::Endpoint {
            id: number.to_owned(),
            scheme: CORPORATE_NUMBER_SCHEME.into(),
        },
        (Some(registered), None) => cie_compose::Endpoint {
            id: registered.clone(),
            scheme: REGISTRATION_NUMBER_SCHEME.into(),
        },
        (None, None) => {
            return Err(Error::invalid(
                "corporate_number_required",
                "corporate_number: a business without a registration number (登録番号) is identified by its \
                 corporate number (法人番号); enter it, or ask the city to register your 登録番号",
            ));
        }
    };
    if let Some(number) = &org.registration_number {
        RegistrationNumber::parse(number).map_err(|e| {
            Error::Internal(anyhow::anyhow!("a stored 登録番号 does not parse: {e}"))
        })?;
    }
    Ok(cie_compose::TradingParty {
        name: org.name.clone(),
        endpoint: Some(endpoint),
        registration_number: org.registration_number.clone(),
        address,
        contact: None,
    })
}

/// The supplier's invoice with its parties set from the city's records: the buyer picked from the city's
/// list, the seller from the organisation (see [`seller_party`]), the creditor number the city gave it.
pub async fn prepare_invoice(
    state: &AppState,
    caller: &Caller,
    buyer_id: i64,
    address: cie_compose::Address,
    corporate_number: Option<&str>,
    mut invoice: cie_compose::Invoice,
) -> Result<cie_compose::Invoice, Error> {
    let org = own_organisation(state, caller).await?;
    let buyer = state
        .store
        .city_buyer(&caller.tenant, buyer_id)
        .await
        .map_err(|_| Error::invalid("invalid_buyer", "buyer: pick the addressee from the list"))?;
    if !buyer.active {
        return Err(Error::invalid(
            "invalid_buyer",
            "buyer: this addressee is no longer in use; pick another from the list",
        ));
    }
    invoice.buyer = buyer_party(&buyer);
    invoice.seller = seller_party(&org, Some(address), corporate_number)?;
    invoice.seller_creditor_number = org.creditor_number.clone();
    Ok(invoice)
}

/// What writing and checking a document from a form gave: the XML, or the input error naming its field,
/// and the rules' verdict on the XML.
pub enum Composed {
    /// The document was written; the rules' findings on it.
    Written {
        /// The document.
        xml: String,
        /// The verdict of the same rules intake applies.
        verdict: Verdict,
    },
    /// The input could not make a document; the field path and the problem.
    Refused {
        /// The field, as a path into the input (`lines[2].quantity`).
        field: String,
        /// What kind of problem (`ComposeError::kind`).
        kind: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Checks a written document with the rules intake applies for the caller's city, archiving nothing.
pub async fn check_written(
    state: &AppState,
    caller: &Caller,
    written: Result<String, cie_compose::ComposeError>,
) -> Result<Composed, Error> {
    match written {
        Ok(xml) => {
            let org = match caller.supplier_org_id {
                Some(id) => Some(state.store.supplier_org(&caller.tenant, id).await?),
                None => None,
            };
            let verdict = crate::validation::validate_for_tenant(
                state,
                &caller.tenant,
                org.as_ref(),
                bytes::Bytes::copy_from_slice(xml.as_bytes()),
            )
            .await?;
            Ok(Composed::Written { xml, verdict })
        }
        Err(error) => Ok(Composed::Refused {
            field: error.field().to_owned(),
            kind: error.kind(),
            message: error.to_string(),
        }),
    }
}

/// Sends a document written on the service through intake, exactly as an upload of the same bytes.
pub async fn send_written(
    state: &AppState,
    caller: &Caller,
    xml: String,
) -> Result<Received, Error> {
    crate::intake::receive(
        state,
        caller,
        None,
        crate::body::ReceivedBody::whole(xml.into_bytes()),
    )
    .await
}

/// Keeps the fields of a form for the caller: a new draft, or draft `id` replaced.
pub async fn save_draft(
    state: &AppState,
    caller: &Caller,
    id: Option<i64>,
    kind: &str,
    title: &str,
    fields: &[(String, String)],
) -> Result<Draft, Error> {
    let json = serde_json::to_string(fields)
        .map_err(|e| Error::Internal(anyhow::anyhow!("a draft does not serialise: {e}")))?;
    if json.len() > MAX_DRAFT_BYTES {
        return Err(Error::invalid(
            "draft_too_large",
            format!(
                "the form with its attachments is {} MB; at most {} MB can be kept",
                json.len() / (1024 * 1024),
                MAX_DRAFT_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(state
        .store
        .save_draft(
            &caller.tenant,
            caller.user_id,
            id,
            kind,
            title,
            &json,
            state.clock.now(),
        )
        .await?)
}

/// The caller's draft `id` with its fields.
pub async fn draft(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(Draft, Vec<(String, String)>), Error> {
    let draft = state
        .store
        .draft(&caller.tenant, caller.user_id, id)
        .await?;
    let fields = serde_json::from_str(&draft.fields)
        .map_err(|e| Error::Internal(anyhow::anyhow!("a stored draft does not parse: {e}")))?;
    Ok((draft, fields))
}

/// The caller's drafts, last saved first.
pub async fn drafts(state: &AppState, caller: &Caller) -> Result<Vec<Draft>, Error> {
    Ok(state.store.drafts(&caller.tenant, caller.user_id).await?)
}

/// Deletes the caller's draft `id`.
pub async fn delete_draft(state: &AppState, caller: &Caller, id: i64) -> Result<(), Error> {
    Ok(state
        .store
        .delete_draft(&caller.tenant, caller.user_id, id)
        .await?)
}
