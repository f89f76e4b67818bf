//! The administrator's pages: supplier organisations (register one, its creditor registration, invite its
//! people), the city's users (create or invite staff, approvers and administrators), the city's buyers, and
//! the workflow settings beside the city's rules file; each through the use case the API calls.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cie_domain::Role;
use cie_store::{BankAccount, NewCityBuyer, SupplierOrg, User, WorkflowSettings};
use cie_workflow::ContractKind;

use super::console::{Place, beside, is_refusal, query_fields, refusal};
use super::i18n::{Lang, t, t_with};
use super::views::{self, FieldError, Notices};
use super::{FormFields, PageError, Visit, page};
use crate::AppState;
use crate::accounts::{InvitationLink, InvitationRequest, NewSupplierOrgRequest, NewUserRequest};
use crate::error::Error;
use crate::finance::CreditorRequest;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/organisations",
            get(organisations).post(create_organisation),
        )
        .route("/admin/organisations/{id}", get(organisation))
        .route(
            "/admin/organisations/{id}/creditor",
            post(register_creditor),
        )
        .route(
            "/admin/organisations/{id}/invitations",
            post(invite_to_organisation),
        )
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/invitations", post(invite_user))
        .route("/admin/buyers", get(buyers).post(add_buyer))
        .route("/admin/buyers/{id}/active", post(set_buyer_active))
        .route("/admin/settings", get(settings).post(save_settings))
}

/// What a form holds after a refusal: what was typed and the problems; empty before it was posted.
#[derive(Default)]
pub(crate) struct FormState {
    pub(crate) typed: Option<FormFields>,
    pub(crate) notices: Notices,
}

impl FormState {
    fn refused(typed: FormFields, notices: Notices) -> Self {
        FormState {
            typed: Some(typed),
            notices,
        }
    }

    /// What was typed in `name`, else `default`.
    pub(crate) fn value<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.typed.as_ref().map_or(default, |typed| typed.get(name))
    }
}

/// An invitation just made: the link to hand over (shown once), for whom, until when.
pub(crate) struct Invited {
    pub(crate) link: String,
    pub(crate) username: String,
    pub(crate) expires_at: chrono::DateTime<chrono::Utc>,
}

/// The link of `invitation` as the person opens it: this service's address, then the path.
fn invited(state: &AppState, headers: &HeaderMap, username: &str, link: InvitationLink) -> Invited {
    let scheme = if state.config.web.secure_cookies {
        "https"
    } else {
        "http"
    };
    let expires_at = link.expires_at;
    let link = match headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(host) => format!("{scheme}://{host}{}", link.path),
        None => link.path,
    };
    Invited {
        link,
        username: username.to_owned(),
        expires_at,
    }
}

/// The id in a path, or the page that says there is no such thing.
fn id_of(raw: &str) -> Result<i64, PageError> {
    raw.parse()
        .map_err(|_| PageError(Error::NotFound(format!("{raw:?}"))))
}

/// The notice a `?done=` names.
fn done_notice(lang: Lang, query: Option<&str>) -> Option<String> {
    let key = match query_fields(query).get("done") {
        "created" => "admin_done_org_created",
        "creditor" => "admin_done_creditor",
        "user" => "admin_done_user",
        "buyer" => "admin_done_buyer",
        "buyer_on" => "admin_done_buyer_on",
        "buyer_off" => "admin_done_buyer_off",
        "settings" => "admin_done_settings",
        _ => return None,
    };
    Some(t(lang, key))
}

/// The notices of a page with a notice and no problems.
fn informed(info: Option<String>) -> Notices {
    Notices {
        info,
        ..Notices::default()
    }
}

/// The city's supplier organisations and the people of each (the user list is the administrators').
pub(crate) struct Organisations {
    pub(crate) orgs: Vec<SupplierOrg>,
    pub(crate) users: Vec<User>,
}

async fn organisations_of(state: &AppState, visit: &Visit) -> Result<Organisations, PageError> {
    Ok(Organisations {
        users: crate::accounts::users(state, &visit.caller).await?,
        orgs: crate::accounts::supplier_orgs(state, &visit.caller).await?,
    })
}

async fn organisations(State(state): State<AppState>, visit: Visit) -> Result<Response, PageError> {
    let listed = organisations_of(&state, &visit).await?;
    Ok(page(
        StatusCode::OK,
        views::admin::organisations(&visit.frame(), &listed, &FormState::default()),
    ))
}

/// Where the registration of an organisation is refused.
const ORGANISATION_PLACES: [Place; 4] = [
    Place {
        code: "invalid_registration_number",
        needle: "registration",
        field: "registration_number",
        key: "admin_error_registration_number",
    },
    Place {
        code: "conflict",
        needle: "registration",
        field: "registration_number",
        key: "admin_error_registration_number_taken",
    },
    Place {
        code: "conflict",
        needle: "creditor",
        field: "creditor_number",
        key: "admin_error_creditor_number_taken",
    },
    Place {
        code: "missing_field",
        needle: "name",
        field: "name",
        key: "error_required",
    },
];

async fn create_organisation(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let lang = visit.lang;
    let request = NewSupplierOrgRequest {
        name: fields.get("name").to_owned(),
        registration_number: fields.optional("registration_number"),
        creditor_number: fields.optional("creditor_number"),
    };
    match crate::accounts::register_supplier_org(&state, &visit.caller, request).await {
        Ok(registered) if registered.warnings.is_empty() => Ok(Redirect::to(&format!(
            "/admin/organisations/{}?done=created",
            registered.org.id
        ))
        .into_response()),
        Ok(registered) => {
            let info = t_with(
                lang,
                "admin_org_created_unregistered",
                &[("detail", &registered.warnings.join(" "))],
            );
            let shown = organisation_page(&state, &visit, registered.org.id).await?;
            Ok(page(
                StatusCode::CREATED,
                views::admin::organisation(&visit.frame(), &shown, &informed(Some(info))),
            ))
        }
        Err(error) if is_refusal(&error) => {
            let notices = refusal(lang, &error, &ORGANISATION_PLACES);
            let listed = organisations_of(&state, &visit).await?;
            Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::admin::organisations(
                    &visit.frame(),
                    &listed,
                    &FormState::refused(fields, notices),
                ),
            ))
        }
        Err(error) => Err(error.into()),
    }
}

/// One organisation's page: the organisation, its people, and the state of its two forms.
pub(crate) struct OrganisationPage {
    pub(crate) org: SupplierOrg,
    pub(crate) people: Vec<User>,
    pub(crate) creditor: FormState,
    pub(crate) invite: FormState,
    pub(crate) invited: Option<Invited>,
}

async fn organisation_page(
    state: &AppState,
    visit: &Visit,
    id: i64,
) -> Result<OrganisationPage, PageError> {
    let org = crate::accounts::supplier_org(state, &visit.caller, id).await?;
    let people = crate::accounts::users(state, &visit.caller)
        .await?
        .into_iter()
        .filter(|user| user.supplier_org_id == Some(id))
        .collect();
    Ok(OrganisationPage {
        org,
        people,
        creditor: FormState::default(),
        invite: FormState::default(),
        invited: None,
    })
}

async fn organisation(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let shown = organisation_page(&state, &visit, id_of(&id)?).await?;
    let notices = informed(done_notice(visit.lang, query.as_deref()));
    Ok(page(
        StatusCode::OK,
        views::admin::organisation(&visit.frame(), &shown, &notices),
    ))
}

/// Where the creditor registration is refused.
const CREDITOR_PLACES: [Place; 6] = [
    Place {
        code: "invalid_bank_account",
        needle: "bank_account.bank_code",
        field: "bank_code",
        key: "admin_error_bank_code",
    },
    Place {
        code: "invalid_bank_account",
        needle: "bank_account.branch_code",
        field: "branch_code",
        key: "admin_error_branch_code",
    },
    Place {
        code: "invalid_bank_account",
        needle: "bank_account.account_number",
        field: "account_number",
        key: "admin_error_account_number",
    },
    Place {
        code: "invalid_bank_account",
        needle: "bank_account.account_type",
        field: "account_type",
        key: "admin_error_account_type",
    },
    Place {
        code: "invalid_bank_account",
        needle: "bank_account.account_name_kana",
        field: "account_name_kana",
        key: "admin_error_account_name_kana",
    },
    Place {
        code: "conflict",
        needle: "creditor",
        field: "creditor_number",
        key: "admin_error_creditor_number_taken",
    },
];

/// The bank fields of the creditor form, in order.
const BANK_FIELDS: [&str; 5] = [
    "bank_code",
    "branch_code",
    "account_type",
    "account_number",
    "account_name_kana",
];

async fn register_creditor(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let id = id_of(&id)?;
    let account_given = BANK_FIELDS
        .iter()
        .filter(|name| **name != "account_type")
        .any(|name| !fields.get(name).is_empty());
    let request = CreditorRequest {
        creditor_number: fields.optional("creditor_number"),
        address: fields.optional("address"),
        bank_account: account_given.then(|| BankAccount {
            bank_code: fields.get("bank_code").to_owned(),
            branch_code: fields.get("branch_code").to_owned(),
            account_type: fields.get("account_type").to_owned(),
            account_number: fields.get("account_number").to_owned(),
            account_name_kana: fields.get("account_name_kana").to_owned(),
        }),
    };
    match crate::finance::register_creditor(&state, &visit.caller, id, request).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/organisations/{id}?done=creditor")).into_response())
        }
        Err(error) if is_refusal(&error) => {
            let mut shown = organisation_page(&state, &visit, id).await?;
            shown.creditor =
                FormState::refused(fields, refusal(visit.lang, &error, &CREDITOR_PLACES));
            Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::admin::organisation(&visit.frame(), &shown, &Notices::default()),
            ))
        }
        Err(error) => Err(error.into()),
    }
}

/// Where an invitation is refused, on a form whose fields start with `invite_`.
const INVITE_PLACES: [Place; 3] = [
    Place {
        code: "invalid_username",
        needle: "user name",
        field: "invite_username",
        key: "admin_error_username",
    },
    Place {
        code: "conflict",
        needle: "user",
        field: "invite_username",
        key: "admin_error_username_taken",
    },
    beside("role", "invite_role"),
];

/// The invitation a form asks for.
fn invitation(fields: &FormFields, role: Role, org: Option<i64>) -> InvitationRequest {
    InvitationRequest {
        username: fields.get("invite_username").to_owned(),
        role,
        display_name: fields.optional("invite_display_name"),
        supplier_org_id: org,
    }
}

async fn invite_to_organisation(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let id = id_of(&id)?;
    let request = invitation(&fields, Role::Supplier, Some(id));
    let username = request.username.trim().to_owned();
    match crate::accounts::invite(&state, &visit.caller, request).await {
        Ok(link) => {
            let mut shown = organisation_page(&state, &visit, id).await?;
            shown.invited = Some(invited(&state, &headers, &username, link));
            Ok(page(
                StatusCode::CREATED,
                views::admin::organisation(&visit.frame(), &shown, &Notices::default()),
            ))
        }
        Err(error) if is_refusal(&error) => {
            let mut shown = organisation_page(&state, &visit, id).await?;
            shown.invite = FormState::refused(fields, refusal(visit.lang, &error, &INVITE_PLACES));
            Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::admin::organisation(&visit.frame(), &shown, &Notices::default()),
            ))
        }
        Err(error) => Err(error.into()),
    }
}

/// The users page: the city's users and machine clients, the organisations they belong to, and the state
/// of its two forms.
pub(crate) struct UsersPage {
    pub(crate) users: Vec<User>,
    pub(crate) orgs: Vec<SupplierOrg>,
    pub(crate) create: FormState,
    pub(crate) invite: FormState,
    pub(crate) invited: Option<Invited>,
}

/// The roles a person of the city is given on the users page.
pub(crate) const CITY_ROLES: [Role; 3] = [Role::Staff, Role::Approver, Role::Admin];

async fn users_page(state: &AppState, visit: &Visit) -> Result<UsersPage, PageError> {
    Ok(UsersPage {
        users: crate::accounts::users(state, &visit.caller).await?,
        orgs: crate::accounts::supplier_orgs(state, &visit.caller).await?,
        create: FormState::default(),
        invite: FormState::default(),
        invited: None,
    })
}

async fn users(
    State(state): State<AppState>,
    visit: Visit,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let shown = users_page(&state, &visit).await?;
    let notices = informed(done_notice(visit.lang, query.as_deref()));
    Ok(page(
        StatusCode::OK,
        views::admin::users(&visit.frame(), &shown, &notices),
    ))
}

/// The role picked in `name`, or the problem beside it.
fn role_of(lang: Lang, fields: &FormFields, name: &str) -> Result<Role, FieldError> {
    fields
        .get(name)
        .parse::<Role>()
        .ok()
        .filter(|role| CITY_ROLES.contains(role))
        .ok_or_else(|| FieldError::new(name, t(lang, "console_error_pick")))
}

/// Where the creation of a user is refused.
const USER_PLACES: [Place; 3] = [
    Place {
        code: "invalid_username",
        needle: "user name",
        field: "new_username",
        key: "admin_error_username",
    },
    Place {
        code: "conflict",
        needle: "user",
        field: "new_username",
        key: "admin_error_username_taken",
    },
    Place {
        code: "weak_password",
        needle: "password",
        field: "new_password",
        key: "error_weak_password",
    },
];

async fn create_user(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let lang = visit.lang;
    let notices = match role_of(lang, &fields, "new_role") {
        Err(error) => Notices {
            fields: vec![error],
            ..Notices::default()
        },
        Ok(_) if fields.get("new_password") != fields.get("new_password_again") => Notices {
            fields: vec![FieldError::new(
                "new_password_again",
                t(lang, "error_password_mismatch"),
            )],
            ..Notices::default()
        },
        Ok(role) => {
            let request = NewUserRequest {
                username: fields.get("new_username").to_owned(),
                password: fields.get("new_password").to_owned(),
                role,
                display_name: fields.optional("new_display_name"),
                supplier_org_id: None,
            };
            match crate::accounts::add_user(&state, &visit.caller, request).await {
                Ok(_) => return Ok(Redirect::to("/admin/users?done=user").into_response()),
                Err(error) if is_refusal(&error) => refusal(lang, &error, &USER_PLACES),
                Err(error) => return Err(error.into()),
            }
        }
    };
    let mut shown = users_page(&state, &visit).await?;
    shown.create = FormState::refused(fields, notices);
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        views::admin::users(&visit.frame(), &shown, &Notices::default()),
    ))
}

async fn invite_user(
    State(state): State<AppState>,
    visit: Visit,
    headers: HeaderMap,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let lang = visit.lang;
    let notices = match role_of(lang, &fields, "invite_role") {
        Err(error) => Notices {
            fields: vec![error],
            ..Notices::default()
        },
        Ok(role) => {
            let request = invitation(&fields, role, None);
            let username = request.username.trim().to_owned();
            match crate::accounts::invite(&state, &visit.caller, request).await {
                Ok(link) => {
                    let mut shown = users_page(&state, &visit).await?;
                    shown.invited = Some(invited(&state, &headers, &username, link));
                    return Ok(page(
                        StatusCode::CREATED,
                        views::admin::users(&visit.frame(), &shown, &Notices::default()),
                    ));
                }
                Err(error) if is_refusal(&error) => refusal(lang, &error, &INVITE_PLACES),
                Err(error) => return Err(error.into()),
            }
        }
    };
    let mut shown = users_page(&state, &visit).await?;
    shown.invite = FormState::refused(fields, notices);
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        views::admin::users(&visit.frame(), &shown, &Notices::default()),
    ))
}

async fn buyers_page(
    state: &AppState,
    visit: &Visit,
    form: &FormState,
    notices: &Notices,
    status: StatusCode,
) -> Result<Response, PageError> {
    let buyers = crate::composing::city_buyers(state, &visit.caller, true).await?;
    Ok(page(
        status,
        views::admin::buyers(&visit.frame(), &buyers, form, notices),
    ))
}

async fn buyers(
    State(state): State<AppState>,
    visit: Visit,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let notices = informed(done_notice(visit.lang, query.as_deref()));
    buyers_page(
        &state,
        &visit,
        &FormState::default(),
        &notices,
        StatusCode::OK,
    )
    .await
}

/// Where the addition of a buyer is refused.
const BUYER_PLACES: [Place; 4] = [
    Place {
        code: "missing_field",
        needle: "city_name",
        field: "city_name",
        key: "error_required",
    },
    Place {
        code: "missing_field",
        needle: "name",
        field: "name",
        key: "error_required",
    },
    Place {
        code: "invalid_endpoint",
        needle: "endpoint_scheme",
        field: "endpoint_scheme",
        key: "admin_error_endpoint_scheme",
    },
    Place {
        code: "invalid_endpoint",
        needle: "endpoint_id",
        field: "endpoint_id",
        key: "admin_error_endpoint_id",
    },
];

async fn add_buyer(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let scheme = fields.get("endpoint_scheme");
    let buyer = NewCityBuyer {
        name: fields.get("name").to_owned(),
        endpoint_id: fields.get("endpoint_id").to_owned(),
        endpoint_scheme: if scheme.is_empty() { "0188" } else { scheme }.to_owned(),
        postal_zone: fields.optional("postal_zone"),
        city_name: fields.get("city_name").to_owned(),
        street_name: fields.optional("street_name"),
    };
    match crate::composing::add_city_buyer(&state, &visit.caller, buyer).await {
        Ok(_) => Ok(Redirect::to("/admin/buyers?done=buyer").into_response()),
        Err(error) if is_refusal(&error) => {
            let notices = refusal(visit.lang, &error, &BUYER_PLACES);
            buyers_page(
                &state,
                &visit,
                &FormState::refused(fields, notices),
                &Notices::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

async fn set_buyer_active(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<String>,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let active = fields.get("active") == "1";
    crate::composing::set_city_buyer_active(&state, &visit.caller, id_of(&id)?, active).await?;
    let done = if active { "buyer_on" } else { "buyer_off" };
    Ok(Redirect::to(&format!("/admin/buyers?done={done}")).into_response())
}

/// The contract kinds a city may assume: the kind, its form value and its words.
pub(crate) const CONTRACT_KINDS: [(ContractKind, &str, &str); 2] = [
    (ContractKind::Goods, "goods", "admin_contract_goods"),
    (ContractKind::Works, "works", "admin_contract_works"),
];

async fn settings_page(
    state: &AppState,
    visit: &Visit,
    form: &FormState,
    notices: &Notices,
    status: StatusCode,
) -> Result<Response, PageError> {
    let rules = crate::validation::city_rules_file(state, &visit.caller)?;
    let current = crate::workflow::settings(state, &visit.caller).await?;
    Ok(page(
        status,
        views::admin::settings(&visit.frame(), &current, &rules, form, notices),
    ))
}

async fn settings(
    State(state): State<AppState>,
    visit: Visit,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let notices = informed(done_notice(visit.lang, query.as_deref()));
    settings_page(
        &state,
        &visit,
        &FormState::default(),
        &notices,
        StatusCode::OK,
    )
    .await
}

async fn save_settings(
    State(state): State<AppState>,
    visit: Visit,
    fields: FormFields,
) -> Result<Response, PageError> {
    visit.check_form(fields.get("csrf"))?;
    let kind = CONTRACT_KINDS
        .iter()
        .find(|(_, value, _)| *value == fields.get("default_contract_kind"))
        .map(|(kind, _, _)| *kind);
    let Some(default_contract_kind) = kind else {
        let notices = Notices {
            fields: vec![FieldError::new(
                "default_contract_kind",
                t(visit.lang, "console_error_pick"),
            )],
            ..Notices::default()
        };
        return settings_page(
            &state,
            &visit,
            &FormState::refused(fields, notices),
            &Notices::default(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let settings = WorkflowSettings {
        separate_approver: fields.ticked("separate_approver"),
        default_contract_kind,
    };
    crate::workflow::set_settings(&state, &visit.caller, settings).await?;
    Ok(Redirect::to("/admin/settings?done=settings").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_notice_and_choice_has_its_words() {
        let places = ORGANISATION_PLACES
            .iter()
            .chain(&CREDITOR_PLACES)
            .chain(&INVITE_PLACES)
            .chain(&USER_PLACES)
            .chain(&BUYER_PLACES);
        let keys = places
            .map(|place| place.key)
            .filter(|key| !key.is_empty())
            .chain(CONTRACT_KINDS.iter().map(|(_, _, key)| *key));
        for key in keys {
            for lang in [Lang::Ja, Lang::En] {
                assert_ne!(key, t(lang, key));
            }
        }
        for done in [
            "created",
            "creditor",
            "user",
            "buyer",
            "buyer_on",
            "buyer_off",
            "settings",
        ] {
            let notice = done_notice(Lang::Ja, Some(&format!("done={done}")));
            assert!(notice.is_some_and(|n| !n.starts_with("admin_")), "{done}");
        }
        assert_eq!(done_notice(Lang::Ja, Some("done=other")), None);
    }
}
