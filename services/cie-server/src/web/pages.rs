//! The pages as HTML (maud, checked when compiled): the layout every page shares, the login page and the
//! home page. Strings come from the catalogues in `i18n`.

use maud::{DOCTYPE, Markup, html};

use super::i18n::{Lang, t, t_with};

/// A problem with one form field, shown beside it and in the summary at the top.
pub(crate) struct FieldError {
    /// The field's id.
    pub(crate) field: &'static str,
    /// The message.
    pub(crate) message: String,
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
    fn field(&self, id: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|e| e.field == id)
            .map(|e| e.message.as_str())
    }
}

/// The frame of every page: language, a skip link, the header with the language switch, the main region.
pub(crate) fn layout(lang: Lang, title: &str, path: &str, content: Markup) -> Markup {
    let other = lang.other();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " | " (t(lang, "app_name")) }
            }
            body {
                a href="#main" { (t(lang, "skip_to_main")) }
                header {
                    p { (t(lang, "app_name")) }
                    a href={ (path) "?lang=" (other.code()) } lang=(other.code()) hreflang=(other.code()) {
                        (t(lang, "switch_language"))
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

fn summary(lang: Lang, notices: &Notices) -> Markup {
    html! {
        @if notices.form_error.is_some() || !notices.fields.is_empty() {
            div role="alert" aria-labelledby="error-summary-title" {
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
            p role="status" { (info) }
        }
    }
}

fn text_field(
    lang: Lang,
    notices: &Notices,
    (id, label_key, kind, value, autocomplete): (&str, &str, &str, &str, &str),
    hint: Option<&str>,
) -> Markup {
    let error = notices.field(id);
    let described = match (hint.is_some(), error.is_some()) {
        (true, true) => format!("{id}-hint {id}-error"),
        (true, false) => format!("{id}-hint"),
        (false, true) => format!("{id}-error"),
        (false, false) => String::new(),
    };
    html! {
        div {
            label for=(id) { (t(lang, label_key)) }
            @if let Some(hint) = hint { p id={ (id) "-hint" } { (hint) } }
            @if let Some(error) = error { p id={ (id) "-error" } { (error) } }
            input id=(id) name=(id) type=(kind) value=(value) autocomplete=(autocomplete) required
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
        }
    }
}

/// The login page, with what was typed (never the password) and any problems.
pub(crate) fn login(
    lang: Lang,
    form_token: &str,
    (tenant, username): (&str, &str),
    notices: &Notices,
) -> Markup {
    let title = t(lang, "login_title");
    let hint = t(lang, "tenant_hint");
    layout(
        lang,
        &title,
        "/login",
        html! {
            (summary(lang, notices))
            p { (t(lang, "login_intro")) }
            form method="post" action="/login" novalidate {
                input type="hidden" name="form_token" value=(form_token);
                input type="hidden" name="lang" value=(lang.code());
                (text_field(lang, notices, ("tenant", "tenant_label", "text", tenant, "organization"), Some(&hint)))
                (text_field(lang, notices, ("username", "username_label", "text", username, "username"), None))
                (text_field(lang, notices, ("password", "password_label", "password", "", "current-password"), None))
                button type="submit" { (t(lang, "login_button")) }
            }
        },
    )
}

/// The page an invitation link opens: set a password.
pub(crate) fn invitation(
    lang: Lang,
    path: &str,
    form_token: &str,
    username: &str,
    notices: &Notices,
) -> Markup {
    let title = t(lang, "invite_title");
    layout(
        lang,
        &title,
        path,
        html! {
            (summary(lang, notices))
            p { (t_with(lang, "invite_intro", &[("name", username)])) }
            form method="post" action=(path) novalidate {
                input type="hidden" name="form_token" value=(form_token);
                input type="hidden" name="lang" value=(lang.code());
                (text_field(lang, notices, ("password", "password_label", "password", "", "new-password"), None))
                (text_field(lang, notices, ("password_again", "password_again_label", "password", "", "new-password"), None))
                button type="submit" { (t(lang, "set_password_button")) }
            }
        },
    )
}

/// The page of an invitation link that is used or expired.
pub(crate) fn invitation_gone(lang: Lang, path: &str) -> Markup {
    let title = t(lang, "invitation_gone_title");
    layout(
        lang,
        &title,
        path,
        html! { p { (t(lang, "invitation_gone")) } },
    )
}

/// The page to change one's password.
pub(crate) fn password(lang: Lang, csrf: &str, notices: &Notices) -> Markup {
    let title = t(lang, "password_title");
    layout(
        lang,
        &title,
        "/password",
        html! {
            (summary(lang, notices))
            form method="post" action="/password" novalidate {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="lang" value=(lang.code());
                (text_field(lang, notices, ("current_password", "current_password_label", "password", "", "current-password"), None))
                (text_field(lang, notices, ("new_password", "new_password_label", "password", "", "new-password"), None))
                (text_field(lang, notices, ("new_password_again", "new_password_again_label", "password", "", "new-password"), None))
                button type="submit" { (t(lang, "change_password_button")) }
            }
        },
    )
}

/// The home page of a logged-in person.
pub(crate) fn home(
    lang: Lang,
    name: &str,
    role_key: &str,
    csrf: &str,
    notices: &Notices,
) -> Markup {
    let title = t(lang, "home_title");
    layout(
        lang,
        &title,
        "/home",
        html! {
            (summary(lang, notices))
            p { (t_with(lang, "welcome", &[("name", name)])) }
            dl {
                dt { (t(lang, "role_label")) }
                dd { (t(lang, role_key)) }
            }
            p { a href="/documents" { (t(lang, "documents_link")) } }
            p { a href="/password" { (t(lang, "change_password_link")) } }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (t(lang, "logout_button")) }
            }
        },
    )
}

/// One row of the documents list, already in words.
pub(crate) struct DocumentRow {
    pub(crate) kind: String,
    pub(crate) number: String,
    pub(crate) issue_date: String,
    pub(crate) received: String,
    pub(crate) status: String,
}

/// The list of the caller's documents (a supplier's own; the city's for staff).
pub(crate) fn documents(lang: Lang, rows: &[DocumentRow]) -> Markup {
    let title = t(lang, "documents_title");
    layout(
        lang,
        &title,
        "/documents",
        html! {
            @if rows.is_empty() {
                p { (t(lang, "no_documents")) }
            } @else {
                table {
                    caption { (t(lang, "documents_caption")) }
                    thead {
                        tr {
                            th scope="col" { (t(lang, "col_kind")) }
                            th scope="col" { (t(lang, "col_number")) }
                            th scope="col" { (t(lang, "col_issue_date")) }
                            th scope="col" { (t(lang, "col_received")) }
                            th scope="col" { (t(lang, "col_status")) }
                        }
                    }
                    tbody {
                        @for row in rows {
                            tr {
                                td { (row.kind) }
                                th scope="row" { (row.number) }
                                td { (row.issue_date) }
                                td { (row.received) }
                                td { (row.status) }
                            }
                        }
                    }
                }
            }
        },
    )
}
