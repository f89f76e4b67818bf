//! The web pages (issue 14): server-rendered HTML beside the JSON API, over the same use cases of
//! `cie-app` (so every permission and business rule is the API's own). A person signs in to a server-side
//! session held in an `HttpOnly`, `SameSite=Strict` cookie; every form carries a token (before login a
//! double-submit cookie, after it the session's own). Japanese by default; `?lang=en` switches and is
//! remembered in a cookie. A failed use case becomes an HTML error page in the page's language.
//!
//! Handlers live by area: `session` (login, invitation, password), `documents` (lists, the document page,
//! downloads, upload), `staff` (inbox and workflow steps), `forms` (the invoice built from a form, drafts),
//! `answers` (a supplier's quotation, order response and delivery note), `console` (archive search, export
//! status, issuing orders and requests for quotation), `admin` (organisations, users, buyers, settings).
//! Templates are in `views`, strings in `messages/<lang>/<area>.toml`.

mod admin;
mod answers;
mod console;
mod documents;
mod forms;
mod i18n;
mod session;
mod staff;
mod views;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;
use i18n::Lang;

const SESSION_COOKIE: &str = "cie_session";
const FORM_COOKIE: &str = "cie_form";
const LANG_COOKIE: &str = "cie_lang";

/// What pages may load and where their forms may go: nothing from elsewhere.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The routes of the pages.
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(session::routes())
        .merge(documents::routes())
        .merge(staff::routes())
        .merge(forms::routes())
        .merge(answers::routes())
        .route("/static/site.js", get(script))
        .merge(console::routes())
        .merge(admin::routes())
        .route("/static/site.css", get(stylesheet))
        .layer(axum::middleware::from_fn_with_state(state, page_frame))
}

async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("site.css"))
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("site.js"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
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

/// The `lang` asked for in a query string, if any.
fn query_lang(uri: &Uri) -> Option<&str> {
    uri.query()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "lang")
        .map(|(_, value)| value)
}

/// The language of a request: `?lang=` first, then the cookie, then Japanese.
fn language(uri: &Uri, headers: &HeaderMap) -> Lang {
    Lang::parse(
        query_lang(uri)
            .or_else(|| cookie(headers, LANG_COOKIE))
            .unwrap_or("ja"),
    )
}

/// The language of the page, for handlers that need no session.
pub(crate) struct PageLang(pub(crate) Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(language(&parts.uri, &parts.headers)))
    }
}

/// A use case's failure on its way to an HTML error page: [`page_frame`] renders it in the request's
/// language with the status the API would answer.
pub(crate) struct PageError(pub(crate) Error);

impl From<Error> for PageError {
    fn from(error: Error) -> Self {
        PageError(error)
    }
}

impl From<cie_store::StoreError> for PageError {
    fn from(error: cie_store::StoreError) -> Self {
        PageError(error.into())
    }
}

/// What a failed request said, carried to [`page_frame`] for rendering.
#[derive(Clone)]
struct Failure {
    code: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, Error::Unauthenticated(_)) {
            return Redirect::to("/login").into_response();
        }
        let (status, code, message) = crate::http::describe(&self.0);
        let mut response = status.into_response();
        response.extensions_mut().insert(Failure { code, message });
        response
    }
}

/// What every page answer gets: the page policy, the language cookie when `?lang=` chose one, and for a
/// failure the error page.
async fn page_frame(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let lang = language(request.uri(), request.headers());
    let chosen = query_lang(request.uri()).is_some();
    let mut response = next.run(request).await;
    if let Some(failure) = response.extensions_mut().remove::<Failure>() {
        let status = response.status();
        response = (
            status,
            axum::response::Html(
                views::error_page(lang, status.as_u16(), &failure.code, &failure.message)
                    .into_string(),
            ),
        )
            .into_response();
    }
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    if chosen {
        headers.append(
            header::SET_COOKIE,
            set_cookie(&state, LANG_COOKIE, lang.code(), "/", Some(365 * 24 * 3600)),
        );
    }
    response
}

/// A signed-in person on a page: who, their session and its cookie token, and the page's language.
/// Without a live session a page answers with the login page, coming back here after it.
pub(crate) struct Visit {
    pub(crate) caller: Caller,
    pub(crate) session: cie_store::WebSession,
    pub(crate) token: String,
    pub(crate) lang: Lang,
    pub(crate) path: String,
    /// Today in Japan, by the service's clock.
    pub(crate) today: chrono::NaiveDate,
}

impl Visit {
    /// Refuses a form whose token is not this session's (posted from elsewhere, or stale).
    pub(crate) fn check_form(&self, token: &str) -> Result<(), PageError> {
        if equal(&self.session.csrf_token, token) {
            Ok(())
        } else {
            Err(PageError(Error::Forbidden(
                "the form token does not match this session; reload the page and send it again"
                    .into(),
            )))
        }
    }

    /// The frame of a page for this visit: language, path, and the person's menu.
    pub(crate) fn frame(&self) -> views::Frame<'_> {
        views::Frame {
            lang: self.lang,
            path: &self.path,
            person: Some(views::Person {
                name: &self.caller.username,
                role: self.caller.role,
                csrf: &self.session.csrf_token,
            }),
            today: self.today,
        }
    }
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = language(&parts.uri, &parts.headers);
        let path = parts.uri.path().to_owned();
        let to_login = || {
            let back = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/home");
            let next = if parts.method == axum::http::Method::GET {
                format!("?next={}", percent_encode(back))
            } else {
                String::new()
            };
            Redirect::to(&format!("/login{next}")).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        match crate::accounts::web_caller(state, token).await {
            Ok(Some((caller, session))) => Ok(Visit {
                caller: {
                    crate::http::observe::record_caller(&caller);
                    caller
                },
                session,
                token: token.to_owned(),
                lang,
                path,
                today: state.clock.now().with_timezone(&japan()).date_naive(),
            }),
            Ok(None) => Err(to_login()),
            Err(error) => Err(PageError(error).into_response()),
        }
    }
}

/// The fields of a posted form in order, repeated names kept (check boxes, lines of a document).
pub(crate) struct FormFields(Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormFields {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|e| {
                PageError(Error::invalid(
                    "invalid_form",
                    format!("the form could not be read: {e}"),
                ))
            })?;
        Ok(FormFields(
            form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

impl FormFields {
    /// The first value of `name`, trimmed; empty when absent.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The first value of `name`, trimmed, or `None` when absent or empty.
    pub(crate) fn optional(&self, name: &str) -> Option<String> {
        Some(self.get(name).to_owned()).filter(|v| !v.is_empty())
    }

    /// Every value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether check box `name` was ticked.
    pub(crate) fn ticked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    /// Every field, in order.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// `value` made safe for a query string.
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A page answer with `markup`.
fn page(status: StatusCode, markup: maud::Markup) -> Response {
    (status, axum::response::Html(markup.into_string())).into_response()
}

fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Japan time, in which every date and time on the pages is shown.
fn japan() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(9 * 3600).expect("UTC+9 is an offset")
}

/// An amount of money as Japanese pages write it: thousands separated, no decimals for yen.
pub(crate) fn money(amount: rust_decimal::Decimal, currency: Option<&str>) -> String {
    let currency = currency.unwrap_or("JPY");
    let scale = if currency == "JPY" { 0 } else { 2 };
    let rounded = amount.round_dp(scale);
    let text = format!("{:.*}", scale as usize, rounded);
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    if currency == "JPY" {
        format!("{sign}{grouped}{fraction} 円")
    } else {
        format!("{sign}{grouped}{fraction} {currency}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_thousands() {
        use rust_decimal::Decimal;
        assert_eq!(money(Decimal::new(1234567, 0), None), "1,234,567 円");
        assert_eq!(money(Decimal::new(-1000, 0), Some("JPY")), "-1,000 円");
        assert_eq!(money(Decimal::new(999, 0), None), "999 円");
        assert_eq!(money(Decimal::new(123456, 2), Some("USD")), "1,234.56 USD");
    }

    #[test]
    fn a_path_is_encoded_for_the_query() {
        assert_eq!(percent_encode("/inbox?a=1&b"), "/inbox%3Fa%3D1%26b");
    }
}
