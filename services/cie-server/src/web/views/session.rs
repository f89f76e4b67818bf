//! Templates of signing in: login, the invitation that sets a first password, changing a password, home.

use cie_domain::Role;
use maud::{Markup, html};

use super::{Field, Frame, Notices, field, layout, role_key, summary};
use crate::web::i18n::{Lang, t, t_with};

/// The login page, with what was typed (never the password) and any problems.
pub(crate) fn login(
    lang: Lang,
    form_token: &str,
    (tenant, username): (&str, &str),
    next: &str,
    notices: &Notices,
) -> Markup {
    let title = t(lang, "login_title");
    layout(
        &Frame::anonymous(lang, "/login"),
        &title,
        html! {
            (summary(lang, notices))
            p { (t(lang, "login_intro")) }
            form method="post" action="/login" novalidate class="narrow" {
                input type="hidden" name="form_token" value=(form_token);
                input type="hidden" name="lang" value=(lang.code());
                input type="hidden" name="next" value=(next);
                (field(notices, Field::text(lang, "tenant", "tenant_label", tenant).autocomplete("organization").hint(t(lang, "tenant_hint")).required()))
                (field(notices, Field::text(lang, "username", "username_label", username).autocomplete("username").required()))
                (field(notices, Field::text(lang, "password", "password_label", "").kind("password").autocomplete("current-password").required()))
                button type="submit" { (t(lang, "login_button")) }
            }
        },
    )
}

/// The page an invitation link opens: set a password.
pub(crate) fn invitation(
    frame: &Frame,
    form_token: &str,
    username: &str,
    notices: &Notices,
) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "invite_title");
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            p { (t_with(lang, "invite_intro", &[("name", username)])) }
            form method="post" action=(frame.path) novalidate class="narrow" {
                input type="hidden" name="form_token" value=(form_token);
                input type="hidden" name="lang" value=(lang.code());
                (field(notices, Field::text(lang, "password", "password_label", "").kind("password").autocomplete("new-password").required()))
                (field(notices, Field::text(lang, "password_again", "password_again_label", "").kind("password").autocomplete("new-password").required()))
                button type="submit" { (t(lang, "set_password_button")) }
            }
        },
    )
}

/// The page of an invitation link that is used or expired.
pub(crate) fn invitation_gone(frame: &Frame) -> Markup {
    let title = t(frame.lang, "invitation_gone_title");
    layout(
        frame,
        &title,
        html! { p { (t(frame.lang, "invitation_gone")) } },
    )
}

/// The page to change one's password.
pub(crate) fn password(frame: &Frame, notices: &Notices) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "password_title");
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            form method="post" action="/password" novalidate class="narrow" {
                input type="hidden" name="csrf" value=(frame.csrf());
                (field(notices, Field::text(lang, "current_password", "current_password_label", "").kind("password").autocomplete("current-password").required()))
                (field(notices, Field::text(lang, "new_password", "new_password_label", "").kind("password").autocomplete("new-password").required()))
                (field(notices, Field::text(lang, "new_password_again", "new_password_again_label", "").kind("password").autocomplete("new-password").required()))
                button type="submit" { (t(lang, "change_password_button")) }
            }
        },
    )
}

/// The home page of a signed-in person: who they are and the tasks of their role.
pub(crate) fn home(frame: &Frame, notices: &Notices) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "home_title");
    let Some(person) = &frame.person else {
        return layout(frame, &title, html! {});
    };
    let tasks: &[(&str, &str)] = match person.role {
        Role::Supplier => &[
            ("/invoices/new", "task_new_invoice"),
            ("/upload", "task_upload"),
            ("/documents", "task_my_documents"),
        ],
        Role::Staff | Role::Approver => &[
            ("/inbox", "task_inbox"),
            ("/archive", "task_archive"),
            ("/issue/order", "task_issue_order"),
            ("/exports", "task_exports"),
        ],
        Role::Admin => &[
            ("/admin/organisations", "task_admin_orgs"),
            ("/admin/users", "task_admin_users"),
            ("/admin/settings", "task_admin_settings"),
        ],
        Role::Finance => &[],
    };
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            p { (t_with(lang, "welcome", &[("name", person.name)])) }
            dl class="facts" {
                dt { (t(lang, "role_label")) }
                dd { (t(lang, role_key(person.role))) }
            }
            @if !tasks.is_empty() {
                h2 { (t(lang, "tasks_heading")) }
                ul class="tasks" {
                    @for (path, key) in tasks {
                        li { a href=(path) { (t(lang, key)) } }
                    }
                }
            }
        },
    )
}
