//! The templates of the pages (maud, checked when compiled): the frame every page shares, the error
//! summary and form fields, and the error page. Area templates are in the submodules; strings come from the
//! catalogues in `i18n`.

pub(crate) mod admin;
pub(crate) mod answers;
pub(crate) mod console;
pub(crate) mod documents;
pub(crate) mod forms;
pub(crate) mod session;
pub(crate) mod staff;

use cie_domain::Role;
use maud::{DOCTYPE, Markup, html};

use super::i18n::{Lang, t};

pub(crate) use session::{home, invitation, invitation_gone, login, password};

/// The signed-in person a page is shown to.
pub(crate) struct Person<'a> {
    pub(crate) name: &'a str,
    pub(crate) role: Role,
    pub(crate) csrf: &'a str,
}

/// What the frame of a page needs: its language and path (for the language switch) and the person.
pub(crate) struct Frame<'a> {
    pub(crate) lang: Lang,
    pub(crate) path: &'a str,
    pub(crate) person: Option<Person<'a>>,
    /// Today in Japan, by the service's clock.
    pub(crate) today: chrono::NaiveDate,
}

impl<'a> Frame<'a> {
    /// The frame of a page shown before login.
    pub(crate) fn anonymous(lang: Lang, path: &'a str) -> Self {
        Frame {
            lang,
            path,
            person: None,
            today: chrono::NaiveDate::MIN,
        }
    }

    /// The form token of the person's session.
    pub(crate) fn csrf(&self) -> &str {
        self.person.as_ref().map_or("", |p| p.csrf)
    }
}

/// A problem with one form field, shown beside it and in the summary at the top.
pub(crate) struct FieldError {
    /// The field's id.
    pub(crate) field: String,
    /// The message.
    pub(crate) message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: String) -> Self {
        FieldError {
            field: field.into(),
            message,
        }
    }
}

/// What a page says at the top: an error summary with links to the fields, or a plain notice.
#[derive(Default)]
pub(crate) struct Notices {
    /// An error about the form as a whole.
    pub(crate) form_error: Option<String>,
    /// Errors of single fields.
    pub(crate) fields: Vec<FieldError>,
    /// A neutral notice (e.g. "you have logged out").
    pub(crate) info: Option<String>,
}

impl Notices {
    /// The message for field `id`, if it has one.
    pub(crate) fn field(&self, id: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|e| e.field == id)
            .map(|e| e.message.as_str())
    }

    /// Whether anything is wrong.
    pub(crate) fn has_errors(&self) -> bool {
        self.form_error.is_some() || !self.fields.is_empty()
    }
}

pub(crate) fn role_key(role: Role) -> &'static str {
    match role {
        Role::Supplier => "role_supplier",
        Role::Staff => "role_staff",
        Role::Approver => "role_approver",
        Role::Admin => "role_admin",
        Role::Finance => "role_finance",
    }
}

/// The menu of a role: (path, message key).
fn menu(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::Supplier => &[
            ("/home", "nav_home"),
            ("/documents", "nav_my_documents"),
            ("/invoices/new", "nav_new_invoice"),
            ("/drafts", "nav_drafts"),
            ("/upload", "nav_upload"),
        ],
        Role::Staff | Role::Approver => &[
            ("/home", "nav_home"),
            ("/inbox", "nav_inbox"),
            ("/archive", "nav_archive"),
            ("/issue/order", "nav_issue_order"),
            ("/issue/rfq", "nav_issue_rfq"),
            ("/exports", "nav_exports"),
        ],
        Role::Admin => &[
            ("/home", "nav_home"),
            ("/archive", "nav_archive"),
            ("/admin/organisations", "nav_admin_orgs"),
            ("/admin/users", "nav_admin_users"),
            ("/admin/buyers", "nav_admin_buyers"),
            ("/admin/settings", "nav_admin_settings"),
        ],
        Role::Finance => &[("/home", "nav_home")],
    }
}

/// The frame of every page: language, a skip link, the header with the menu and the language switch, the
/// main region with the page's title.
pub(crate) fn layout(frame: &Frame, title: &str, content: Markup) -> Markup {
    let lang = frame.lang;
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " | " (t(lang, "app_name")) }
                link rel="stylesheet" href="/static/site.css";
            }
            body {
                a class="skip" href="#main" { (t(lang, "skip_to_main")) }
                header class="site" {
                    div class="bar" {
                        p class="brand" { a href="/home" { (t(lang, "app_name")) } }
                        div class="tools" {
                            a href={ (frame.path) "?lang=" (other.code()) } lang=(other.code()) hreflang=(other.code()) {
                                (t(lang, "switch_language"))
                            }
                            @if let Some(person) = &frame.person {
                                span class="who" { (person.name) " (" (t(lang, role_key(person.role))) ")" }
                                a href="/password" { (t(lang, "change_password_link")) }
                                form method="post" action="/logout" class="inline" {
                                    input type="hidden" name="csrf" value=(person.csrf);
                                    button type="submit" class="link" { (t(lang, "logout_button")) }
                                }
                            }
                        }
                    }
                    @if let Some(person) = &frame.person {
                        nav aria-label=(t(lang, "nav_label")) {
                            ul {
                                @for (path, key) in menu(person.role) {
                                    li {
                                        a href=(path) aria-current=[(frame.path == *path).then_some("page")] { (t(lang, key)) }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// The error summary (linked to the fields) or the notice of a page.
pub(crate) fn summary(lang: Lang, notices: &Notices) -> Markup {
    html! {
        @if notices.has_errors() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 id="error-summary-title" { (t(lang, "error_summary")) }
                ul {
                    @if let Some(error) = &notices.form_error { li { (error) } }
                    @for error in &notices.fields {
                        li { a href={ "#" (error.field) } { (error.message) } }
                    }
                }
            }
        }
        @if let Some(info) = &notices.info {
            p class="notice" role="status" { (info) }
        }
    }
}

/// One labelled input.
pub(crate) struct Field<'a> {
    pub(crate) id: &'a str,
    pub(crate) label: String,
    pub(crate) kind: &'a str,
    pub(crate) value: &'a str,
    pub(crate) autocomplete: &'a str,
    pub(crate) hint: Option<String>,
    pub(crate) required: bool,
}

impl<'a> Field<'a> {
    /// A text input labelled by the message `label_key`.
    pub(crate) fn text(lang: Lang, id: &'a str, label_key: &str, value: &'a str) -> Self {
        Field {
            id,
            label: t(lang, label_key),
            kind: "text",
            value,
            autocomplete: "off",
            hint: None,
            required: false,
        }
    }

    pub(crate) fn kind(mut self, kind: &'a str) -> Self {
        self.kind = kind;
        self
    }

    pub(crate) fn autocomplete(mut self, value: &'a str) -> Self {
        self.autocomplete = value;
        self
    }

    pub(crate) fn hint(mut self, hint: String) -> Self {
        self.hint = Some(hint);
        self
    }

    pub(crate) fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

/// The `aria-describedby` of a field with an optional hint and error.
fn described_by(id: &str, hint: bool, error: bool) -> Option<String> {
    match (hint, error) {
        (true, true) => Some(format!("{id}-hint {id}-error")),
        (true, false) => Some(format!("{id}-hint")),
        (false, true) => Some(format!("{id}-error")),
        (false, false) => None,
    }
}

/// A labelled input with its hint and its error beside it.
pub(crate) fn field(notices: &Notices, field: Field) -> Markup {
    let error = notices.field(field.id);
    let described = described_by(field.id, field.hint.is_some(), error.is_some());
    html! {
        div class={ "field" @if error.is_some() { " has-error" } } {
            label for=(field.id) { (field.label) }
            @if let Some(hint) = &field.hint { p class="hint" id={ (field.id) "-hint" } { (hint) } }
            @if let Some(error) = error { p class="field-error" id={ (field.id) "-error" } { (error) } }
            input id=(field.id) name=(field.id) type=(field.kind) value=(field.value)
                autocomplete=(field.autocomplete) required[field.required]
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[described];
        }
    }
}

/// A labelled choice among `options` (value, text).
pub(crate) fn select(
    notices: &Notices,
    (id, label): (&str, String),
    options: &[(String, String)],
    selected: &str,
) -> Markup {
    let error = notices.field(id);
    let described = described_by(id, false, error.is_some());
    html! {
        div class={ "field" @if error.is_some() { " has-error" } } {
            label for=(id) { (label) }
            @if let Some(error) = error { p class="field-error" id={ (id) "-error" } { (error) } }
            select id=(id) name=(id) aria-invalid=[error.map(|_| "true")] aria-describedby=[described] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
        }
    }
}

/// The page of a failed request: what happened in words, the status and the code.
pub(crate) fn error_page(lang: Lang, status: u16, code: &str, message: &str) -> Markup {
    let title_key = match status {
        403 => "error_page_forbidden",
        404 => "error_page_not_found",
        409 => "error_page_conflict",
        429 | 503 => "error_page_busy",
        500..=599 => "error_page_internal",
        _ => "error_page_invalid",
    };
    let title = t(lang, title_key);
    layout(
        &Frame::anonymous(lang, "/home"),
        &title,
        html! {
            div class="error-summary" role="alert" {
                p { (message) }
                p class="hint" { (t(lang, "error_page_code")) ": " code { (code) } " (HTTP " (status) ")" }
            }
            p { a href="/home" { (t(lang, "back_home")) } }
        },
    )
}
