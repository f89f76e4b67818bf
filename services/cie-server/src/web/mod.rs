//! The web pages (issue 14), server-rendered HTML beside the JSON API and over the same use cases: log in
//! (a server-side session in an `HttpOnly`, `SameSite=Strict` cookie), the home page, log out. Every form
//! carries a token: before login a double-submit cookie, after it the session's own. Japanese by default,
//! `?lang=en` switches (and is remembered in a cookie).

mod i18n;
mod pages;

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use cie_domain::Role;
use serde::Deserialize;

use crate::AppState;
use crate::error::Error;
use crate::http::extract::ClientAddress;
use i18n::{Lang, t, t_with};
use pages::{FieldError, Notices};

const SESSION_COOKIE: &str = "cie_session";
const FORM_COOKIE: &str = "cie_form";
const LANG_COOKIE: &str = "cie_lang";

/// What pages may load and where their forms may go: nothing from elsewhere.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The routes of the pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/home") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/home", get(home))
        .route("/password", get(password_page).post(change_password))
        .route("/documents", get(documents_page))
        .route(
            "/invite/{token}",
            get(invitation_page).post(accept_invitation),
        )
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    if state.config.web.secure_cookies {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The language: `?lang=` first, then the cookie, then Japanese.
fn language(query: Option<&str>, headers: &HeaderMap) -> Lang {
    Lang::parse(
        query
            .or_else(|| cookie(headers, LANG_COOKIE))
            .unwrap_or("ja"),
    )
}

fn page(status: StatusCode, markup: maud::Markup, cookies: Vec<HeaderValue>) -> Response {
    let mut response = (status, axum::response::Html(markup.into_string())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}

fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
    out: Option<String>,
    changed: Option<String>,
}

async fn login_page(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(query.lang.as_deref(), &headers);
    let notices = Notices {
        info: query.out.map(|_| t(lang, "logged_out")),
        ..Notices::default()
    };
    login_form(&state, lang, ("", ""), &notices, StatusCode::OK)
}

fn login_form(
    state: &AppState,
    lang: Lang,
    typed: (&str, &str),
    notices: &Notices,
    status: StatusCode,
) -> Response {
    let token = crate::auth::random_secret(24);
    page(
        status,
        pages::login(lang, &token, typed, notices),
        vec![
            set_cookie(state, FORM_COOKIE, &token, "/login", None),
            set_cookie(state, LANG_COOKIE, lang.code(), "/", Some(365 * 24 * 3600)),
        ],
    )
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    lang: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::parse(&form.lang);
    let typed = (form.tenant.trim(), form.username.trim());
    let mut notices = Notices::default();
    let expected = cookie(&headers, FORM_COOKIE).unwrap_or_default();
    if expected.is_empty() || !equal(expected, &form.form_token) {
        notices.form_error = Some(t(lang, "error_form_expired"));
        return login_form(&state, lang, typed, &notices, StatusCode::FORBIDDEN);
    }
    for (field, value) in [
        ("tenant", typed.0),
        ("username", typed.1),
        ("password", form.password.as_str()),
    ] {
        if value.is_empty() {
            notices.fields.push(FieldError {
                field,
                message: t(lang, "error_required"),
            });
        }
    }
    if !notices.fields.is_empty() {
        return login_form(
            &state,
            lang,
            typed,
            &notices,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match crate::accounts::start_web_session(&state, typed.0, typed.1, &form.password, address)
        .await
    {
        Ok((token, session)) => {
            let seconds = (session.expires_at - state.clock.now())
                .num_seconds()
                .max(0);
            let mut response = Redirect::to("/home").into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(&state, SESSION_COOKIE, &token, "/", Some(seconds)),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(&state, FORM_COOKIE, "", "/login", Some(0)),
            );
            response
        }
        Err(error) => {
            let (status, message) = match &error {
                Error::Throttled {
                    retry_after_seconds,
                } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    t_with(
                        lang,
                        "error_throttled",
                        &[("seconds", &retry_after_seconds.to_string())],
                    ),
                ),
                Error::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, t(lang, "error_busy")),
                Error::InvalidCredentials => {
                    (StatusCode::UNAUTHORIZED, t(lang, "error_credentials"))
                }
                _ => return crate::http::answer_outside_routes(error),
            };
            notices.form_error = Some(message);
            login_form(&state, lang, typed, &notices, status)
        }
    }
}

/// The caller, session and token of the request's session cookie; without a live one, the answer to give
/// instead (the login page, or the error).
async fn signed_in<'h>(
    state: &AppState,
    headers: &'h HeaderMap,
) -> Result<(crate::auth::Caller, cie_store::WebSession, &'h str), Response> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Err(Redirect::to("/login").into_response());
    };
    match crate::accounts::web_caller(state, token).await {
        Ok(Some((caller, session))) => Ok((caller, session, token)),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(error) => Err(crate::http::answer_outside_routes(error)),
    }
}

fn role_key(role: Role) -> &'static str {
    match role {
        Role::Supplier => "role_supplier",
        Role::Staff => "role_staff",
        Role::Approver => "role_approver",
        Role::Admin => "role_admin",
        Role::Finance => "role_finance",
    }
}

async fn home(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(query.lang.as_deref(), &headers);
    let (caller, session, _) = match signed_in(&state, &headers).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    page(
        StatusCode::OK,
        pages::home(
            lang,
            &caller.username,
            role_key(caller.role),
            &session.csrf_token,
            &Notices {
                info: query.changed.map(|_| t(lang, "password_changed")),
                ..Notices::default()
            },
        ),
        vec![set_cookie(
            &state,
            LANG_COOKIE,
            lang.code(),
            "/",
            Some(365 * 24 * 3600),
        )],
    )
}

#[derive(Deserialize)]
pub(crate) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    let (_, session, token) = match signed_in(&state, &headers).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    if !equal(&session.csrf_token, &form.csrf) {
        return forged_form();
    }
    if let Err(error) = crate::accounts::end_web_session(&state, token).await {
        return crate::http::answer_outside_routes(error);
    }
    let mut response = Redirect::to("/login?out=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", "/", Some(0)),
    );
    response
}

/// The answer to a form whose token is not its session's (posted from elsewhere, or stale).
fn forged_form() -> Response {
    (
        StatusCode::FORBIDDEN,
        "the form token does not match this session",
    )
        .into_response()
}

async fn invitation_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(query.lang.as_deref(), &headers);
    match crate::accounts::open_invitation(&state, &token).await {
        Ok(Some(invitation)) => invitation_form(
            &state,
            lang,
            &token,
            &invitation.username,
            &Notices::default(),
            StatusCode::OK,
        ),
        Ok(None) => gone(lang, &token),
        Err(error) => crate::http::answer_outside_routes(error),
    }
}

fn gone(lang: Lang, token: &str) -> Response {
    page(
        StatusCode::NOT_FOUND,
        pages::invitation_gone(lang, &format!("/invite/{token}")),
        Vec::new(),
    )
}

fn invitation_form(
    state: &AppState,
    lang: Lang,
    token: &str,
    username: &str,
    notices: &Notices,
    status: StatusCode,
) -> Response {
    let form_token = crate::auth::random_secret(24);
    let path = format!("/invite/{token}");
    page(
        status,
        pages::invitation(lang, &path, &form_token, username, notices),
        vec![
            set_cookie(state, FORM_COOKIE, &form_token, "/invite", None),
            set_cookie(state, LANG_COOKIE, lang.code(), "/", Some(365 * 24 * 3600)),
        ],
    )
}

#[derive(Deserialize)]
pub(crate) struct InvitationForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    lang: String,
}

async fn accept_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<InvitationForm>,
) -> Response {
    let lang = Lang::parse(&form.lang);
    let invitation = match crate::accounts::open_invitation(&state, &token).await {
        Ok(Some(invitation)) => invitation,
        Ok(None) => return gone(lang, &token),
        Err(error) => return crate::http::answer_outside_routes(error),
    };
    let mut notices = Notices::default();
    let expected = cookie(&headers, FORM_COOKIE).unwrap_or_default();
    if expected.is_empty() || !equal(expected, &form.form_token) {
        notices.form_error = Some(t(lang, "error_form_expired"));
        return invitation_form(
            &state,
            lang,
            &token,
            &invitation.username,
            &notices,
            StatusCode::FORBIDDEN,
        );
    }
    if crate::accounts::check_password(&form.password).is_err() {
        notices.fields.push(FieldError {
            field: "password",
            message: t(lang, "error_weak_password"),
        });
    } else if form.password != form.password_again {
        notices.fields.push(FieldError {
            field: "password_again",
            message: t(lang, "error_password_mismatch"),
        });
    }
    if !notices.fields.is_empty() {
        return invitation_form(
            &state,
            lang,
            &token,
            &invitation.username,
            &notices,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match crate::accounts::accept_invitation(&state, &token, &form.password, address).await {
        Ok((session_token, session)) => {
            let seconds = (session.expires_at - state.clock.now())
                .num_seconds()
                .max(0);
            let mut response = Redirect::to("/home").into_response();
            let headers = response.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(&state, SESSION_COOKIE, &session_token, "/", Some(seconds)),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(&state, FORM_COOKIE, "", "/invite", Some(0)),
            );
            response
        }
        Err(Error::NotFound(_)) => gone(lang, &token),
        Err(error) => crate::http::answer_outside_routes(error),
    }
}

async fn password_page(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(query.lang.as_deref(), &headers);
    match signed_in(&state, &headers).await {
        Ok((_, session, _)) => page(
            StatusCode::OK,
            pages::password(lang, &session.csrf_token, &Notices::default()),
            vec![set_cookie(
                &state,
                LANG_COOKIE,
                lang.code(),
                "/",
                Some(365 * 24 * 3600),
            )],
        ),
        Err(answer) => answer,
    }
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
    #[serde(default)]
    lang: String,
}

async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let lang = Lang::parse(&form.lang);
    let (caller, session, token) = match signed_in(&state, &headers).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    if !equal(&session.csrf_token, &form.csrf) {
        return forged_form();
    }
    let mut notices = Notices::default();
    if crate::accounts::check_password(&form.new_password).is_err() {
        notices.fields.push(FieldError {
            field: "new_password",
            message: t(lang, "error_weak_password"),
        });
    } else if form.new_password != form.new_password_again {
        notices.fields.push(FieldError {
            field: "new_password_again",
            message: t(lang, "error_password_mismatch"),
        });
    }
    if notices.fields.is_empty() {
        match crate::accounts::change_password(
            &state,
            &caller,
            &form.current_password,
            &form.new_password,
            Some(token),
        )
        .await
        {
            Ok(()) => return Redirect::to("/home?changed=1").into_response(),
            Err(Error::InvalidRequest {
                code: "wrong_current_password",
                ..
            }) => {
                notices.fields.push(FieldError {
                    field: "current_password",
                    message: t(lang, "error_wrong_current_password"),
                });
            }
            Err(Error::Throttled {
                retry_after_seconds,
            }) => {
                notices.form_error = Some(t_with(
                    lang,
                    "error_throttled",
                    &[("seconds", &retry_after_seconds.to_string())],
                ));
            }
            Err(error) => return crate::http::answer_outside_routes(error),
        }
    }
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        pages::password(lang, &session.csrf_token, &notices),
        Vec::new(),
    )
}

async fn documents_page(
    State(state): State<AppState>,
    Query(query): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = language(query.lang.as_deref(), &headers);
    let caller = match signed_in(&state, &headers).await {
        Ok((caller, _, _)) => caller,
        Err(answer) => return answer,
    };
    let search = crate::records::DocumentSearch {
        sort: Some("-received_at".into()),
        per_page: Some(100),
        ..crate::records::DocumentSearch::default()
    };
    let found = match crate::records::search_documents(&state, &caller, search).await {
        Ok(found) => found,
        Err(error) => return crate::http::answer_outside_routes(error),
    };
    let rows: Vec<pages::DocumentRow> = found
        .items
        .iter()
        .map(|document| pages::DocumentRow {
            kind: t(lang, &format!("kind_{}", document.kind.as_str())),
            number: document.number.clone(),
            issue_date: document.issue_date.format("%Y-%m-%d").to_string(),
            received: document
                .received_at
                .with_timezone(
                    &chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9 is an offset"),
                )
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            status: match document.workflow_state {
                Some(state) => t(lang, &format!("state_{}", state.as_str())),
                None => t(lang, &format!("status_{}", document.status.as_str())),
            },
        })
        .collect();
    page(
        StatusCode::OK,
        pages::documents(lang, &rows),
        vec![set_cookie(
            &state,
            LANG_COOKIE,
            lang.code(),
            "/",
            Some(365 * 24 * 3600),
        )],
    )
}
