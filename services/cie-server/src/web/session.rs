//! Signing in and out: the login page, the invitation link that sets a first password, the home page,
//! changing one's password and logging out.

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::i18n::{Lang, t, t_with};
use super::views::{self, FieldError, Frame, Notices};
use super::{
    FORM_COOKIE, PageError, PageLang, SESSION_COOKIE, Visit, cookie, equal, page, set_cookie,
};
use crate::AppState;
use crate::error::Error;
use crate::http::extract::ClientAddress;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/home") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/home", get(home))
        .route("/password", get(password_page).post(change_password))
        .route(
            "/invite/{token}",
            get(invitation_page).post(accept_invitation),
        )
}

#[derive(Deserialize)]
pub(super) struct LoginQuery {
    out: Option<String>,
    next: Option<String>,
}

/// Where to go after login: a path of this site only.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/home",
    }
}

async fn login_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Query(query): Query<LoginQuery>,
) -> Response {
    let notices = Notices {
        info: query.out.map(|_| t(lang, "logged_out")),
        ..Notices::default()
    };
    let next = safe_next(query.next.as_deref()).to_owned();
    login_form(&state, lang, ("", ""), &next, &notices, StatusCode::OK)
}

fn login_form(
    state: &AppState,
    lang: Lang,
    typed: (&str, &str),
    next: &str,
    notices: &Notices,
    status: StatusCode,
) -> Response {
    let token = crate::auth::random_secret(24);
    let mut response = page(status, views::login(lang, &token, typed, next, notices));
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, FORM_COOKIE, &token, "/login", None),
    );
    response
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
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
    #[serde(default)]
    next: String,
}

/// The answer that starts a session: its cookie, and the form cookie cleared.
fn signed_in_answer(
    state: &AppState,
    token: &str,
    session: &cie_store::WebSession,
    to: &str,
    form_path: &str,
) -> Response {
    let seconds = (session.expires_at - state.clock.now())
        .num_seconds()
        .max(0);
    let mut response = Redirect::to(to).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(state, SESSION_COOKIE, token, "/", Some(seconds)),
    );
    headers.append(
        header::SET_COOKIE,
        set_cookie(state, FORM_COOKIE, "", form_path, Some(0)),
    );
    response
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = Lang::parse(&form.lang);
    let typed = (form.tenant.trim(), form.username.trim());
    let next = safe_next(Some(&form.next)).to_owned();
    let mut notices = Notices::default();
    let expected = cookie(&headers, FORM_COOKIE).unwrap_or_default();
    if expected.is_empty() || !equal(expected, &form.form_token) {
        notices.form_error = Some(t(lang, "error_form_expired"));
        return login_form(&state, lang, typed, &next, &notices, StatusCode::FORBIDDEN);
    }
    for (field, value) in [
        ("tenant", typed.0),
        ("username", typed.1),
        ("password", form.password.as_str()),
    ] {
        if value.is_empty() {
            notices
                .fields
                .push(FieldError::new(field, t(lang, "error_required")));
        }
    }
    if !notices.fields.is_empty() {
        return login_form(
            &state,
            lang,
            typed,
            &next,
            &notices,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    match crate::accounts::start_web_session(&state, typed.0, typed.1, &form.password, address)
        .await
    {
        Ok((token, session)) => signed_in_answer(&state, &token, &session, &next, "/login"),
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
                _ => return PageError(error).into_response(),
            };
            notices.form_error = Some(message);
            login_form(&state, lang, typed, &next, &notices, status)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct HomeQuery {
    changed: Option<String>,
}

async fn home(visit: Visit, Query(query): Query<HomeQuery>) -> Response {
    let lang = visit.lang;
    page(
        StatusCode::OK,
        views::home(
            &visit.frame(),
            &Notices {
                info: query.changed.map(|_| t(lang, "password_changed")),
                ..Notices::default()
            },
        ),
    )
}

#[derive(Deserialize)]
pub(super) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<LogoutForm>,
) -> Result<Response, PageError> {
    visit.check_form(&form.csrf)?;
    crate::accounts::end_web_session(&state, &visit.token).await?;
    let mut response = Redirect::to("/login?out=1").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", "/", Some(0)),
    );
    Ok(response)
}

async fn invitation_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    PageLang(lang): PageLang,
) -> Result<Response, PageError> {
    Ok(
        match crate::accounts::open_invitation(&state, &token).await? {
            Some(invitation) => invitation_form(
                &state,
                lang,
                &token,
                &invitation.username,
                &Notices::default(),
                StatusCode::OK,
            ),
            None => gone(lang, &token),
        },
    )
}

fn gone(lang: Lang, token: &str) -> Response {
    let path = format!("/invite/{token}");
    page(
        StatusCode::NOT_FOUND,
        views::invitation_gone(&Frame::anonymous(lang, &path)),
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
    let mut response = page(
        status,
        views::invitation(
            &Frame::anonymous(lang, &path),
            &form_token,
            username,
            notices,
        ),
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, FORM_COOKIE, &form_token, "/invite", None),
    );
    response
}

#[derive(Deserialize)]
pub(super) struct InvitationForm {
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
) -> Result<Response, PageError> {
    let lang = Lang::parse(&form.lang);
    let Some(invitation) = crate::accounts::open_invitation(&state, &token).await? else {
        return Ok(gone(lang, &token));
    };
    let mut notices = Notices::default();
    let expected = cookie(&headers, FORM_COOKIE).unwrap_or_default();
    if expected.is_empty() || !equal(expected, &form.form_token) {
        notices.form_error = Some(t(lang, "error_form_expired"));
        return Ok(invitation_form(
            &state,
            lang,
            &token,
            &invitation.username,
            &notices,
            StatusCode::FORBIDDEN,
        ));
    }
    if crate::accounts::check_password(&form.password).is_err() {
        notices
            .fields
            .push(FieldError::new("password", t(lang, "error_weak_password")));
    } else if form.password != form.password_again {
        notices.fields.push(FieldError::new(
            "password_again",
            t(lang, "error_password_mismatch"),
        ));
    }
    if !notices.fields.is_empty() {
        return Ok(invitation_form(
            &state,
            lang,
            &token,
            &invitation.username,
            &notices,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    match crate::accounts::accept_invitation(&state, &token, &form.password, address).await {
        Ok((session_token, session)) => Ok(signed_in_answer(
            &state,
            &session_token,
            &session,
            "/home",
            "/invite",
        )),
        Err(Error::NotFound(_)) => Ok(gone(lang, &token)),
        Err(error) => Err(error.into()),
    }
}

async fn password_page(visit: Visit) -> Response {
    page(
        StatusCode::OK,
        views::password(&visit.frame(), &Notices::default()),
    )
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

async fn change_password(
    State(state): State<AppState>,
    visit: Visit,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    visit.check_form(&form.csrf)?;
    let lang = visit.lang;
    let mut notices = Notices::default();
    if crate::accounts::check_password(&form.new_password).is_err() {
        notices.fields.push(FieldError::new(
            "new_password",
            t(lang, "error_weak_password"),
        ));
    } else if form.new_password != form.new_password_again {
        notices.fields.push(FieldError::new(
            "new_password_again",
            t(lang, "error_password_mismatch"),
        ));
    }
    if notices.fields.is_empty() {
        match crate::accounts::change_password(
            &state,
            &visit.caller,
            &form.current_password,
            &form.new_password,
            Some(&visit.token),
        )
        .await
        {
            Ok(()) => return Ok(Redirect::to("/home?changed=1").into_response()),
            Err(Error::InvalidRequest {
                code: "wrong_current_password",
                ..
            }) => notices.fields.push(FieldError::new(
                "current_password",
                t(lang, "error_wrong_current_password"),
            )),
            Err(Error::Throttled {
                retry_after_seconds,
            }) => {
                notices.form_error = Some(t_with(
                    lang,
                    "error_throttled",
                    &[("seconds", &retry_after_seconds.to_string())],
                ));
            }
            Err(error) => return Err(error.into()),
        }
    }
    Ok(page(
        StatusCode::UNPROCESSABLE_ENTITY,
        views::password(&visit.frame(), &notices),
    ))
}
