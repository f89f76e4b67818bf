//! The staff console and the administrator's pages over HTTP on both databases: the archive search with its
//! CSV and its field errors, issuing an order from the form, where the payment export stands, and the
//! administration of suppliers, users, addressees and settings; every refusal is the use case's own.

use cie_tests::{Backend, EXAMPLE_REGISTRATION_NUMBER, PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use rstest::rstest;
use serde_json::{Value, json};

use crate::finance::{approved_for_export, pull, register_creditor_a};
use crate::web::{client, form, hidden, post_form, web_login};
use crate::workflow::{actors, invoice, spawn, submit};

/// Page `path` as the person of `session`: its status and HTML.
async fn open(app: &TestApp, session: &str, path: &str) -> (StatusCode, String) {
    let response = client()
        .get(app.url(path))
        .header(COOKIE, session)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

/// The form token of `session`, read from its home page.
async fn csrf_of(app: &TestApp, session: &str) -> String {
    let (_, html) = open(app, session, "/home").await;
    hidden(&html, "csrf")
}

/// Posts `fields` (with the form token) to `path`: the status, the `Location` and the HTML.
async fn send(
    app: &TestApp,
    session: &str,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(fields);
    let response = post_form(app, path, session, form(&all)).await;
    let status = response.status();
    let location = response
        .headers()
        .get(LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

#[rstest]
#[tokio::test]
async fn the_archive_finds_a_received_invoice_by_date_amount_and_counterparty_and_downloads_it(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let id = submit(&app, &city.supplier_a, invoice("ARC-1")).await;
    let staff = web_login(&app, &city.tenant, "staff", PASSWORD).await;
    let link = format!("<a href=\"/documents/{id}\">ARC-1</a>");

    for query in [
        "date_from=2023-10-01&date_to=2023-10-31",
        "amount_min=289%2C000&amount_max=290000",
        "counterparty=%E3%80%87%E3%80%87%E5%95%86%E4%BA%8B", // 〇〇商事
        &format!("counterparty={EXAMPLE_REGISTRATION_NUMBER}&kind=invoice"),
    ] {
        let (status, html) = open(&app, &staff, &format!("/archive?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {html}");
        assert!(html.contains(&link), "{query}: {html}");
        assert!(html.contains("1 件見つかりました。"), "{query}: {html}");
    }
    let (_, none) = open(&app, &staff, "/archive?date_from=2024-01-01").await;
    assert!(
        none.contains("条件に合う書類はありません") && !none.contains(&link),
        "{none}"
    );

    let (_, html) = open(&app, &staff, "/archive?amount_min=289000&kind=invoice").await;
    assert!(
        html.contains("href=\"/archive.csv?amount_min=289000&amp;kind=invoice\""),
        "{html}"
    );
    let csv = client()
        .get(app.url("/archive.csv?amount_min=289000&kind=invoice"))
        .header(COOKIE, &staff)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for spreadsheets");
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.contains("ARC-1") && text.contains("289490"), "{text}");

    // What cannot be a date or an amount is named beside its field, with what was typed kept.
    let (status, html) = open(&app, &staff, "/archive?date_from=2026-02-30&amount_min=abc").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(
            "<a href=\"#date_from\">日付を YYYY-MM-DD の形で、実在する日付で入力してください。</a>"
        ),
        "{html}"
    );
    assert!(html.contains("id=\"date_from-error\""), "{html}");
    assert!(html.contains("value=\"2026-02-30\""), "{html}");
    assert!(html.contains("<a href=\"#amount_min\">"), "{html}");
    let (status, html) = open(
        &app,
        &staff,
        "/archive.csv?date_from=2026-04-02&date_to=2026-04-01",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<a href=\"#date_from\">date_from is after date_to</a>"),
        "the use case's own refusal, beside its field: {html}"
    );

    // The city's archive is the city's: a supplier gets the use case's refusal.
    let supplier = web_login(&app, &city.tenant, "supplier-a", PASSWORD).await;
    for path in ["/archive", "/archive.csv", "/exports", "/issue/order"] {
        let (status, html) = open(&app, &supplier, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(html.contains("この操作は許可されていません"), "{html}");
    }
}

/// The fields of a valid order of two lines to `org`, addressed by `buyer`.
fn order_fields<'a>(org: &'a str, buyer: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("rows", "5"),
        ("supplier_org_id", org),
        ("buyer", buyer),
        ("number", "PO-WEB-1"),
        ("issue_date", "2026-04-01"),
        ("commitment_number", "R8-0042"),
        ("response_requested", "1"),
        ("delivery_city", "テスト市"),
        ("delivery_street", "本町1-1"),
        ("delivery_to", "2026-04-20"),
        ("l0_name", "コピー用紙 A4"),
        ("l0_quantity", "10"),
        ("l0_unit", "SET"),
        ("l0_price", "2,500"),
        ("l2_name", "トナー"),
        ("l2_quantity", "2"),
        ("l2_unit", "H87"),
        ("l2_price", "8000"),
    ]
}

/// `fields` with `key` set to `value`.
fn with<'a>(fields: &[(&'a str, &'a str)], key: &str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    fields
        .iter()
        .map(|(k, v)| if *k == key { (*k, value) } else { (*k, *v) })
        .collect()
}

#[rstest]
#[tokio::test]
async fn staff_issue_an_order_from_the_form_and_the_supplier_sees_it(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let buyer: Value = app
        .post_json(
            &city.admin,
            "/api/v1/admin/buyers",
            &json!({ "name": "テスト市 会計課", "endpoint_id": "7000012050002", "city_name": "テスト市" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let buyer = buyer["id"].as_i64().unwrap().to_string();
    let org_a = city.org_a.to_string();
    let staff = web_login(&app, &city.tenant, "staff", PASSWORD).await;

    let (status, html) = open(&app, &staff, "/issue/order").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(
            "<option value=\"{org_a}\">株式会社 〇〇商事 (T9234567890123)</option>"
        )),
        "{html}"
    );
    assert!(html.contains("id=\"l4_name\"") && !html.contains("id=\"l5_name\""));
    let csrf = hidden(&html, "csrf");
    let org_b = city.org_b.to_string();
    let order = order_fields(&org_a, &buyer);

    // One more row, keeping what was typed.
    let mut more = order.clone();
    more.push(("add_line", "1"));
    let (status, _, html) = send(&app, &staff, &csrf, "/issue/order", &more).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"l5_name\""), "{html}");
    assert!(html.contains("name=\"rows\" value=\"6\""), "{html}");
    assert!(html.contains("value=\"コピー用紙 A4\""), "{html}");

    // A line the order cannot carry is named beside its field (row 3 of the form is the order's second line).
    let zero = with(&order, "l2_quantity", "0");
    let (status, _, html) = send(&app, &staff, &csrf, "/issue/order", &zero).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<a href=\"#l2_quantity\">0 より大きい数を入力してください。</a>"),
        "{html}"
    );
    assert!(html.contains("id=\"l2_quantity-error\""), "{html}");
    assert!(html.contains("value=\"トナー\""), "{html}");
    let typo = with(&order, "l0_price", "abc");
    let (status, _, html) = send(&app, &staff, &csrf, "/issue/order", &typo).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<a href=\"#l0_price\">数字で入力してください"),
        "{html}"
    );
    let unregistered = with(&order, "supplier_org_id", &org_b);
    let (status, _, html) = send(&app, &staff, &csrf, "/issue/order", &unregistered).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<a href=\"#supplier_org_id\">"), "{html}");
    let (forged, _, _) = send(&app, &staff, "not the token", "/issue/order", &order).await;
    assert_eq!(forged, StatusCode::FORBIDDEN);

    let (status, location, _) = send(&app, &staff, &csrf, "/issue/order", &order).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id: i64 = location
        .strip_prefix("/documents/")
        .unwrap_or_else(|| panic!("{location}"))
        .parse()
        .unwrap();
    let (status, html) = open(&app, &staff, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("発注書 PO-WEB-1"), "{html}");

    // The supplier finds it among its documents, with what the form said.
    let mine: Value = app
        .get_json(&city.supplier_a, "/api/v1/documents?kind=order")
        .await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["items"][0]["id"], id);
    let xml = app
        .get(
            &city.supplier_a,
            &format!("/api/v1/documents/{id}/original"),
        )
        .await
        .text()
        .await
        .unwrap();
    for part in [
        "<cbc:CustomerReference>R8-0042</cbc:CustomerReference>",
        "コピー用紙 A4",
        "unitCode=\"SET\"",
        "テスト市 会計課",
        "urn:fdc:peppol.eu:poacc:bis:ordering:3",
    ] {
        assert!(xml.contains(part), "{part}: {xml}");
    }
    let theirs: Value = app
        .get_json(&city.supplier_b, "/api/v1/documents?kind=order")
        .await;
    assert_eq!(theirs["total"], 0);
    let supplier = web_login(&app, &city.tenant, "supplier-a", PASSWORD).await;
    let (_, html) = open(&app, &supplier, "/documents?kind=order").await;
    assert!(html.contains(">PO-WEB-1</a>"), "{html}");

    // A request for quotation, the same way.
    let rfq = [
        ("rows", "5"),
        ("supplier_org_id", &*org_a),
        ("buyer", &*buyer),
        ("number", "RFQ-WEB-1"),
        ("issue_date", "2026-04-01"),
        ("due_date", "2026-04-10"),
        ("l0_name", "防災用品一式"),
        ("l0_quantity", "1"),
        ("l0_unit", "C62"),
    ];
    let (status, location, html) = send(&app, &staff, &csrf, "/issue/rfq", &rfq).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, html) = open(&app, &staff, &location).await;
    assert!(html.contains("見積依頼 RFQ-WEB-1"), "{html}");
}

#[rstest]
#[tokio::test]
async fn the_export_page_shows_a_payment_pending_held_back_and_acknowledged(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let id = approved_for_export(&app, &city, &people, "EXP-1").await;
    let staff = web_login(&app, &city.tenant, "staff", PASSWORD).await;
    let row = format!("<a href=\"/documents/{id}\">EXP-1</a>");

    let (status, html) = open(&app, &staff, "/exports").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&row) && html.contains("取得待ち"), "{html}");
    assert!(html.contains("連携済みのデータはまだありません"), "{html}");

    // Pulled before the creditor is registered: held back, with why.
    let first = pull(&app, &people.finance, "").await;
    assert_eq!(first["held_back"].as_array().unwrap().len(), 1, "{first}");
    let (_, html) = open(&app, &staff, "/exports").await;
    assert!(html.contains("保留中のデータ"), "{html}");
    assert!(
        html.contains("<strong>債権者番号</strong>")
            && html.contains("<strong>振込先口座</strong>"),
        "{html}"
    );

    // Registered, pulled again and acknowledged: exported.
    register_creditor_a(&app, &city, "3242394").await;
    let second = pull(&app, &people.finance, "").await;
    assert!(
        second["held_back"].as_array().unwrap().is_empty(),
        "{second}"
    );
    let (_, html) = open(&app, &staff, "/exports").await;
    assert!(html.contains("取得済み（"), "{html}");
    let acknowledged = app
        .post_json(
            &people.finance,
            "/api/v1/exports/payments/ack",
            &json!({ "cursor": second["cursor"] }),
        )
        .await;
    assert_eq!(acknowledged.status(), StatusCode::OK);
    let (_, html) = open(&app, &staff, "/exports").await;
    assert!(html.contains("未連携のデータはありません"), "{html}");
    assert!(html.contains("連携済み（2026-04-01"), "{html}");
    assert!(html.contains(&row), "{html}");
    assert!(!html.contains("保留中のデータ"), "{html}");
}

#[rstest]
#[tokio::test]
async fn an_administrator_manages_suppliers_users_addressees_and_settings(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let admin = web_login(&app, &city.tenant, "admin", PASSWORD).await;
    let csrf = csrf_of(&app, &admin).await;

    // Suppliers: a wrong 登録番号 is named beside its field; a good registration opens the supplier's page.
    let (status, html) = open(&app, &admin, "/admin/organisations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("株式会社 〇〇商事") && html.contains("href=\"/admin/buyers\""));
    let (status, _, html) = send(
        &app,
        &admin,
        &csrf,
        "/admin/organisations",
        &[
            ("name", "合同会社 テスト商店"),
            ("registration_number", "T1234"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<a href=\"#registration_number\">登録番号が正しくありません"),
        "{html}"
    );
    assert!(html.contains("value=\"合同会社 テスト商店\""), "{html}");
    let (status, location, _) = send(
        &app,
        &admin,
        &csrf,
        "/admin/organisations",
        &[
            ("name", "合同会社 テスト商店"),
            ("creditor_number", "C-0100"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.ends_with("?done=created"), "{location}");
    let org: i64 = location
        .trim_start_matches("/admin/organisations/")
        .trim_end_matches("?done=created")
        .parse()
        .unwrap();
    let (_, html) = open(&app, &admin, &location).await;
    assert!(
        html.contains("取引先を登録しました") && html.contains("C-0100"),
        "{html}"
    );

    // Its bank account: a wrong branch code beside its field, then registered.
    let creditor = format!("/admin/organisations/{org}/creditor");
    let account = |branch: &'static str| {
        vec![
            ("creditor_number", "C-0100"),
            ("address", "東京都テスト市本町1-1"),
            ("bank_code", "0001"),
            ("branch_code", branch),
            ("account_type", "普通"),
            ("account_number", "1234567"),
            ("account_name_kana", "ｺﾞｳﾄﾞｳｶﾞｲｼﾔ ﾃｽﾄｼﾖｳﾃﾝ"),
        ]
    };
    let (status, _, html) = send(&app, &admin, &csrf, &creditor, &account("12")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<a href=\"#branch_code\">支店コードは 3 桁の数字で入力してください。</a>"),
        "{html}"
    );
    assert!(html.contains("value=\"1234567\""), "{html}");
    let (status, location, _) = send(&app, &admin, &csrf, &creditor, &account("123")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        format!("/admin/organisations/{org}?done=creditor")
    );
    let orgs: Vec<Value> = app
        .get_json(&city.admin, "/api/v1/admin/supplier-orgs")
        .await;
    let registered = orgs.iter().find(|o| o["id"] == org).unwrap();
    assert_eq!(
        registered["bank_account"]["branch_code"], "123",
        "{registered}"
    );
    assert_eq!(registered["address"], "東京都テスト市本町1-1");

    // A person of the supplier, invited: the link works once.
    let invitations = format!("/admin/organisations/{org}/invitations");
    let (status, _, html) = send(
        &app,
        &admin,
        &csrf,
        &invitations,
        &[("invite_username", "staff")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<a href=\"#invite_username\">このユーザー名は既に使われています。</a>"),
        "{html}"
    );
    let (status, _, html) = send(
        &app,
        &admin,
        &csrf,
        &invitations,
        &[
            ("invite_username", "sato"),
            ("invite_display_name", "佐藤 一郎"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{html}");
    let start = html.find("<code>").unwrap() + "<code>".len();
    let link = &html[start..start + html[start..].find('<').unwrap()];
    let path = &link[link.find("/invite/").unwrap_or_else(|| panic!("{link}"))..];
    let opened = client().get(app.url(path)).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    assert!(opened.text().await.unwrap().contains("「sato」"));

    // Users: a mismatched password, then a new approver who can log in; an invited member of staff.
    let (status, _, html) = send(
        &app,
        &admin,
        &csrf,
        "/admin/users",
        &[
            ("new_username", "kaikei2"),
            ("new_role", "approver"),
            ("new_password", "a good long password"),
            ("new_password_again", "another"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("href=\"#new_password_again\""), "{html}");
    assert!(html.contains("value=\"kaikei2\""), "{html}");
    let (status, location, _) = send(
        &app,
        &admin,
        &csrf,
        "/admin/users",
        &[
            ("new_username", "kaikei2"),
            ("new_role", "approver"),
            ("new_password", "a good long password"),
            ("new_password_again", "a good long password"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = open(&app, &admin, &location).await;
    assert!(
        html.contains("利用者を登録しました") && html.contains("<th scope=\"row\">kaikei2</th>"),
        "{html}"
    );
    assert_eq!(
        app.login(&city.tenant, "kaikei2", "a good long password")
            .await
            .status(),
        StatusCode::OK
    );
    let (status, _, html) = send(
        &app,
        &admin,
        &csrf,
        "/admin/users/invitations",
        &[("invite_username", "suzuki"), ("invite_role", "staff")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{html}");
    assert!(html.contains("/invite/city-a."), "{html}");

    // Addressees: a wrong corporate number beside its field, then added, then no longer in use.
    let (status, _, html) = send(
        &app,
        &admin,
        &csrf,
        "/admin/buyers",
        &[
            ("name", "テスト市 会計課"),
            ("endpoint_id", "123"),
            ("city_name", "テスト市"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<a href=\"#endpoint_id\">"), "{html}");
    let (status, location, _) = send(
        &app,
        &admin,
        &csrf,
        "/admin/buyers",
        &[
            ("name", "テスト市 会計課"),
            ("endpoint_id", "7000012050002"),
            ("endpoint_scheme", "0188"),
            ("city_name", "テスト市"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = open(&app, &admin, &location).await;
    assert!(
        html.contains("宛先部署を追加しました") && html.contains("使用中"),
        "{html}"
    );
    let listed: Vec<Value> = app.get_json(&city.supplier_a, "/api/v1/buyers").await;
    assert_eq!(listed.len(), 1);
    let buyer = listed[0]["id"].as_i64().unwrap();
    let (status, location, _) = send(
        &app,
        &admin,
        &csrf,
        &format!("/admin/buyers/{buyer}/active"),
        &[("active", "0")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = open(&app, &admin, &location).await;
    assert!(html.contains("停止中"), "{html}");
    let listed: Vec<Value> = app.get_json(&city.supplier_a, "/api/v1/buyers").await;
    assert!(listed.is_empty(), "suppliers no longer see it: {listed:?}");

    // Settings: the rules file shown read-only, and a workflow setting changed.
    let (status, html) = open(&app, &admin, "/admin/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("city-a.toml") && html.contains("規則ファイルはありません"),
        "{html}"
    );
    assert!(
        html.contains("name=\"separate_approver\" value=\"1\" checked"),
        "{html}"
    );
    let (status, location, _) = send(
        &app,
        &admin,
        &csrf,
        "/admin/settings",
        &[("default_contract_kind", "works")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = open(&app, &admin, &location).await;
    assert!(html.contains("設定を保存しました"), "{html}");
    let settings: Value = app
        .get_json(&city.admin, "/api/v1/admin/workflow-settings")
        .await;
    assert_eq!(settings["separate_approver"], false, "{settings}");
    assert_eq!(settings["default_contract_kind"], "works", "{settings}");

    // The administration is the administrators': staff get the use cases' refusal.
    let staff = web_login(&app, &city.tenant, "staff", PASSWORD).await;
    for path in ["/admin/organisations", "/admin/users", "/admin/settings"] {
        let (status, _) = open(&app, &staff, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let staff_csrf = csrf_of(&app, &staff).await;
    let (status, _, _) = send(
        &app,
        &staff,
        &staff_csrf,
        "/admin/buyers",
        &[
            ("name", "x"),
            ("endpoint_id", "7000012050002"),
            ("city_name", "x"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
