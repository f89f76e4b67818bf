//! Templates of the administrator's pages: supplier organisations and one organisation (creditor
//! registration, invitations), users, the city's buyers, and the settings with the city's rules file.

use cie_domain::Role;
use cie_store::{CityBuyer, SupplierOrg, User, WorkflowSettings};
use maud::{Markup, html};

use super::documents::date_time;
use super::{Field, Frame, Notices, field, layout, role_key, select, summary};
use crate::finance::ACCOUNT_TYPES;
use crate::validation::CityRulesFile;
use crate::web::admin::{
    CITY_ROLES, CONTRACT_KINDS, FormState, Invited, OrganisationPage, Organisations, UsersPage,
};
use crate::web::i18n::{Lang, t, t_with};

/// A text input of `form`, showing what was typed (else `default`) and its problem.
fn input<'a>(
    lang: Lang,
    form: &'a FormState,
    (id, label_key): (&'a str, &str),
    default: &'a str,
) -> Field<'a> {
    Field::text(lang, id, label_key, form.value(id, default))
}

/// The invitation just made: the link to copy, shown this once.
fn invitation_made(lang: Lang, invited: &Invited) -> Markup {
    html! {
        section class="notice" role="status" aria-labelledby="invited-heading" {
            h2 id="invited-heading" { (t_with(lang, "admin_invited_heading", &[("name", &invited.username)])) }
            p { (t_with(lang, "admin_invited_intro", &[("until", &date_time(invited.expires_at))])) }
            div class="field" {
                label for="invitation_link" { (t(lang, "admin_invitation_link_label")) }
                input type="text" id="invitation_link" value=(invited.link) readonly;
            }
            p { code { (invited.link) } }
        }
    }
}

/// The supplier organisations of the city, and the form that registers one.
pub(crate) fn organisations(frame: &Frame, listed: &Organisations, form: &FormState) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "admin_orgs_title");
    let notices = &form.notices;
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            @if listed.orgs.is_empty() {
                p { (t(lang, "admin_orgs_none")) }
            } @else {
                table {
                    caption { (t_with(lang, "admin_orgs_caption", &[("count", &listed.orgs.len().to_string())])) }
                    thead { tr {
                        th scope="col" { (t(lang, "admin_org_name_label")) }
                        th scope="col" { (t(lang, "registration_number_label")) }
                        th scope="col" { (t(lang, "admin_creditor_number_label")) }
                        th scope="col" { (t(lang, "admin_bank_account_heading")) }
                        th scope="col" class="num" { (t(lang, "admin_col_people")) }
                    } }
                    tbody {
                        @for org in &listed.orgs {
                            tr {
                                th scope="row" { a href={ "/admin/organisations/" (org.id) } { (org.name) } }
                                td { (org.registration_number.as_deref().unwrap_or("—")) }
                                td { (org.creditor_number.as_deref().unwrap_or("—")) }
                                td {
                                    @if org.bank_account.is_some() { (t(lang, "admin_registered")) }
                                    @else { strong class="flag-bad" { (t(lang, "admin_not_registered")) } }
                                }
                                td class="num" { (listed.users.iter().filter(|u| u.supplier_org_id == Some(org.id)).count()) }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="new-org-heading" {
                h2 id="new-org-heading" { (t(lang, "admin_new_org_heading")) }
                form method="post" action="/admin/organisations" novalidate class="narrow" {
                    input type="hidden" name="csrf" value=(frame.csrf());
                    (field(notices, input(lang, form, ("name", "admin_org_name_label"), "").required()))
                    (field(notices, input(lang, form, ("registration_number", "registration_number_label"), "").hint(t(lang, "admin_registration_number_hint"))))
                    (field(notices, input(lang, form, ("creditor_number", "admin_creditor_number_label"), "")))
                    button type="submit" { (t(lang, "admin_new_org_button")) }
                }
            }
        },
    )
}

/// A list of people with their roles.
fn people_table(lang: Lang, people: &[User], orgs: &[SupplierOrg], caption: &str) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { (t(lang, "username_label")) }
                th scope="col" { (t(lang, "admin_display_name_label")) }
                th scope="col" { (t(lang, "role_label")) }
                @if !orgs.is_empty() { th scope="col" { (t(lang, "admin_col_org")) } }
                th scope="col" { (t(lang, "admin_col_created")) }
            } }
            tbody {
                @for user in people {
                    tr {
                        th scope="row" { (user.username) }
                        td { (user.display_name.as_deref().unwrap_or("—")) }
                        td {
                            (t(lang, role_key(user.role)))
                            @if user.is_client { " (" (t(lang, "admin_machine_client")) ")" }
                        }
                        @if !orgs.is_empty() {
                            td {
                                @match user.supplier_org_id.and_then(|id| orgs.iter().find(|o| o.id == id)) {
                                    Some(org) => { a href={ "/admin/organisations/" (org.id) } { (org.name) } }
                                    None => { "—" }
                                }
                            }
                        }
                        td { (date_time(user.created_at)) }
                    }
                }
            }
        }
    }
}

/// One supplier organisation: its registration, its people, the creditor registration form and the
/// invitation form.
pub(crate) fn organisation(frame: &Frame, shown: &OrganisationPage, notices: &Notices) -> Markup {
    let lang = frame.lang;
    let org = &shown.org;
    let account = org.bank_account.as_ref();
    let creditor = &shown.creditor;
    let invite = &shown.invite;
    let account_value = |name: &str| -> String {
        account.map_or_else(String::new, |a| match name {
            "bank_code" => a.bank_code.clone(),
            "branch_code" => a.branch_code.clone(),
            "account_type" => a.account_type.clone(),
            "account_number" => a.account_number.clone(),
            _ => a.account_name_kana.clone(),
        })
    };
    let bank_code = account_value("bank_code");
    let branch_code = account_value("branch_code");
    let account_number = account_value("account_number");
    let account_name = account_value("account_name_kana");
    let account_type = account_value("account_type");
    let types: Vec<(String, String)> = ACCOUNT_TYPES
        .iter()
        .map(|kind| ((*kind).to_owned(), (*kind).to_owned()))
        .collect();
    html! {
        (layout(frame, &org.name, html! {
            (summary(lang, notices))
            (summary(lang, &creditor.notices))
            (summary(lang, &invite.notices))
            @if let Some(invited) = &shown.invited { (invitation_made(lang, invited)) }
            p { a href="/admin/organisations" { (t(lang, "admin_back_to_orgs")) } }
            dl class="facts" {
                dt { (t(lang, "registration_number_label")) } dd { (org.registration_number.as_deref().unwrap_or("—")) }
                dt { (t(lang, "admin_creditor_number_label")) } dd { (org.creditor_number.as_deref().unwrap_or("—")) }
                dt { (t(lang, "admin_address_label")) } dd { (org.address.as_deref().unwrap_or("—")) }
                dt { (t(lang, "admin_bank_account_heading")) } dd {
                    @match account {
                        Some(a) => { (a.bank_code) "-" (a.branch_code) " " (a.account_type) " " (a.account_number) " " (a.account_name_kana) }
                        None => { strong class="flag-bad" { (t(lang, "admin_not_registered")) } }
                    }
                }
            }
            section aria-labelledby="people-heading" {
                h2 id="people-heading" { (t(lang, "admin_people_heading")) }
                @if shown.people.is_empty() {
                    p { (t(lang, "admin_people_none")) }
                } @else {
                    (people_table(lang, &shown.people, &[], &t(lang, "admin_people_heading")))
                }
            }
            section aria-labelledby="creditor-heading" {
                h2 id="creditor-heading" { (t(lang, "admin_creditor_heading")) }
                p { (t(lang, "admin_creditor_intro")) }
                form method="post" action={ "/admin/organisations/" (org.id) "/creditor" } novalidate class="narrow" {
                    input type="hidden" name="csrf" value=(frame.csrf());
                    (field(&creditor.notices, input(lang, creditor, ("creditor_number", "admin_creditor_number_label"), org.creditor_number.as_deref().unwrap_or_default())))
                    (field(&creditor.notices, input(lang, creditor, ("address", "admin_address_label"), org.address.as_deref().unwrap_or_default()).autocomplete("street-address")))
                    fieldset {
                        legend { (t(lang, "admin_bank_account_heading")) }
                        p class="hint" { (t(lang, "admin_bank_account_hint")) }
                        (field(&creditor.notices, input(lang, creditor, ("bank_code", "admin_bank_code_label"), &bank_code).hint(t(lang, "admin_bank_code_hint"))))
                        (field(&creditor.notices, input(lang, creditor, ("branch_code", "admin_branch_code_label"), &branch_code).hint(t(lang, "admin_branch_code_hint"))))
                        (select(&creditor.notices, ("account_type", t(lang, "admin_account_type_label")), &types, creditor.value("account_type", &account_type)))
                        (field(&creditor.notices, input(lang, creditor, ("account_number", "admin_account_number_label"), &account_number).hint(t(lang, "admin_account_number_hint"))))
                        (field(&creditor.notices, input(lang, creditor, ("account_name_kana", "admin_account_name_label"), &account_name).hint(t(lang, "admin_account_name_hint"))))
                    }
                    button type="submit" { (t(lang, "admin_creditor_button")) }
                }
            }
            section aria-labelledby="invite-heading" {
                h2 id="invite-heading" { (t(lang, "admin_invite_person_heading")) }
                p { (t(lang, "admin_invite_person_intro")) }
                form method="post" action={ "/admin/organisations/" (org.id) "/invitations" } novalidate class="narrow" {
                    input type="hidden" name="csrf" value=(frame.csrf());
                    (field(&invite.notices, input(lang, invite, ("invite_username", "username_label"), "").required().hint(t(lang, "admin_username_hint"))))
                    (field(&invite.notices, input(lang, invite, ("invite_display_name", "admin_display_name_label"), "")))
                    button type="submit" { (t(lang, "admin_invite_button")) }
                }
            }
        }))
    }
}

/// The choices of a city role.
fn role_options(lang: Lang) -> Vec<(String, String)> {
    CITY_ROLES
        .iter()
        .map(|role| (role.as_str().to_owned(), t(lang, role_key(*role))))
        .collect()
}

/// The city's users, and the forms that create or invite one.
pub(crate) fn users(frame: &Frame, shown: &UsersPage, notices: &Notices) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "admin_users_title");
    let create = &shown.create;
    let invite = &shown.invite;
    let roles = role_options(lang);
    let staff = Role::Staff.as_str();
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            (summary(lang, &create.notices))
            (summary(lang, &invite.notices))
            @if let Some(invited) = &shown.invited { (invitation_made(lang, invited)) }
            (people_table(lang, &shown.users, &shown.orgs, &t_with(lang, "admin_users_caption", &[("count", &shown.users.len().to_string())])))
            section aria-labelledby="invite-heading" {
                h2 id="invite-heading" { (t(lang, "admin_invite_user_heading")) }
                p { (t(lang, "admin_invite_user_intro")) }
                form method="post" action="/admin/users/invitations" novalidate class="narrow" {
                    input type="hidden" name="csrf" value=(frame.csrf());
                    (field(&invite.notices, input(lang, invite, ("invite_username", "username_label"), "").required().hint(t(lang, "admin_username_hint"))))
                    (field(&invite.notices, input(lang, invite, ("invite_display_name", "admin_display_name_label"), "")))
                    (select(&invite.notices, ("invite_role", t(lang, "role_label")), &roles, invite.value("invite_role", staff)))
                    button type="submit" { (t(lang, "admin_invite_button")) }
                }
            }
            section aria-labelledby="new-user-heading" {
                h2 id="new-user-heading" { (t(lang, "admin_new_user_heading")) }
                p { (t(lang, "admin_new_user_intro")) }
                form method="post" action="/admin/users" novalidate class="narrow" {
                    input type="hidden" name="csrf" value=(frame.csrf());
                    (field(&create.notices, input(lang, create, ("new_username", "username_label"), "").required().hint(t(lang, "admin_username_hint"))))
                    (field(&create.notices, input(lang, create, ("new_display_name", "admin_display_name_label"), "")))
                    (select(&create.notices, ("new_role", t(lang, "role_label")), &roles, create.value("new_role", staff)))
                    (field(&create.notices, Field::text(lang, "new_password", "password_label", "").kind("password").autocomplete("new-password").required().hint(t(lang, "admin_password_hint"))))
                    (field(&create.notices, Field::text(lang, "new_password_again", "password_again_label", "").kind("password").autocomplete("new-password").required()))
                    button type="submit" { (t(lang, "admin_new_user_button")) }
                }
            }
        },
    )
}

/// The city's buyers (the addressees suppliers pick), with their switches, and the form that adds one.
pub(crate) fn buyers(
    frame: &Frame,
    buyers: &[CityBuyer],
    form: &FormState,
    notices: &Notices,
) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "admin_buyers_title");
    let added = &form.notices;
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            (summary(lang, added))
            p { (t(lang, "admin_buyers_intro")) }
            @if buyers.is_empty() {
                p { (t(lang, "admin_buyers_none")) }
            } @else {
                table {
                    caption { (t(lang, "admin_buyers_caption")) }
                    thead { tr {
                        th scope="col" { (t(lang, "admin_buyer_name_label")) }
                        th scope="col" { (t(lang, "admin_endpoint_label")) }
                        th scope="col" { (t(lang, "admin_address_label")) }
                        th scope="col" { (t(lang, "col_status")) }
                        th scope="col" { (t(lang, "admin_col_change")) }
                    } }
                    tbody {
                        @for buyer in buyers {
                            tr {
                                th scope="row" { (buyer.name) }
                                td { (buyer.endpoint_scheme) ":" (buyer.endpoint_id) }
                                td {
                                    @if let Some(zone) = &buyer.postal_zone { "〒" (zone) " " }
                                    (buyer.city_name)
                                    @if let Some(street) = &buyer.street_name { " " (street) }
                                }
                                td {
                                    @if buyer.active { (t(lang, "admin_buyer_active")) }
                                    @else { strong { (t(lang, "admin_buyer_inactive")) } }
                                }
                                td {
                                    form method="post" action={ "/admin/buyers/" (buyer.id) "/active" } class="inline" {
                                        input type="hidden" name="csrf" value=(frame.csrf());
                                        @if buyer.active {
                                            input type="hidden" name="active" value="0";
                                            button type="submit" class="secondary" { (t_with(lang, "admin_buyer_deactivate", &[("name", &buyer.name)])) }
                                        } @else {
                                            input type="hidden" name="active" value="1";
                                            button type="submit" class="secondary" { (t_with(lang, "admin_buyer_activate", &[("name", &buyer.name)])) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="new-buyer-heading" {
                h2 id="new-buyer-heading" { (t(lang, "admin_new_buyer_heading")) }
                form method="post" action="/admin/buyers" novalidate class="narrow" {
                    input type="hidden" name="csrf" value=(frame.csrf());
                    (field(added, input(lang, form, ("name", "admin_buyer_name_label"), "").required().hint(t(lang, "admin_buyer_name_hint"))))
                    (field(added, input(lang, form, ("endpoint_id", "admin_endpoint_id_label"), "").required().hint(t(lang, "admin_endpoint_id_hint"))))
                    (field(added, input(lang, form, ("endpoint_scheme", "admin_endpoint_scheme_label"), "0188").hint(t(lang, "admin_endpoint_scheme_hint"))))
                    (field(added, input(lang, form, ("postal_zone", "issue_postal_zone_label"), "").autocomplete("postal-code")))
                    (field(added, input(lang, form, ("city_name", "issue_city_label"), "").required()))
                    (field(added, input(lang, form, ("street_name", "issue_street_label"), "")))
                    button type="submit" { (t(lang, "admin_new_buyer_button")) }
                }
            }
        },
    )
}

/// The workflow settings form, and the city's rules file as it stands.
pub(crate) fn settings(
    frame: &Frame,
    current: &WorkflowSettings,
    rules: &CityRulesFile,
    form: &FormState,
    notices: &Notices,
) -> Markup {
    let lang = frame.lang;
    let title = t(lang, "admin_settings_title");
    let posted = form.typed.as_ref();
    let separate = posted.map_or(current.separate_approver, |typed| {
        typed.ticked("separate_approver")
    });
    let current_kind = CONTRACT_KINDS
        .iter()
        .find(|(kind, _, _)| *kind == current.default_contract_kind)
        .map_or("goods", |(_, value, _)| *value);
    let kinds: Vec<(String, String)> = CONTRACT_KINDS
        .iter()
        .map(|(_, value, key)| ((*value).to_owned(), t(lang, key)))
        .collect();
    layout(
        frame,
        &title,
        html! {
            (summary(lang, notices))
            (summary(lang, &form.notices))
            section aria-labelledby="workflow-heading" {
                h2 id="workflow-heading" { (t(lang, "admin_workflow_heading")) }
                form method="post" action="/admin/settings" novalidate class="narrow" {
                    input type="hidden" name="csrf" value=(frame.csrf());
                    div class="check" {
                        input type="checkbox" id="separate_approver" name="separate_approver" value="1" checked[separate];
                        label for="separate_approver" { (t(lang, "admin_separate_approver_label")) }
                    }
                    p class="hint" { (t(lang, "admin_separate_approver_hint")) }
                    (select(&form.notices, ("default_contract_kind", t(lang, "admin_contract_kind_label")), &kinds, form.value("default_contract_kind", current_kind)))
                    p class="hint" { (t(lang, "admin_contract_kind_hint")) }
                    button type="submit" { (t(lang, "admin_settings_button")) }
                }
            }
            section aria-labelledby="rules-heading" {
                h2 id="rules-heading" { (t(lang, "admin_rules_heading")) }
                dl class="facts" {
                    dt { (t(lang, "admin_rules_path_label")) } dd { code class="path" { (rules.path.display()) } }
                }
                @if let Some(problem) = &rules.problem {
                    div class="error-summary" role="alert" {
                        p { (t(lang, "admin_rules_problem")) }
                        p { code { (problem) } }
                    }
                }
                @match &rules.content {
                    Some(text) => {
                        pre class="rules" tabindex="0" aria-label=(t(lang, "admin_rules_content_label")) { (text) }
                    }
                    None => { p { (t(lang, "admin_rules_none")) } }
                }
                p class="hint" { (t(lang, "admin_rules_how_to_change")) }
            }
        },
    )
}
