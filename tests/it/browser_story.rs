//! The whole story of issue 14 in a real browser, on both databases: an invited supplier sets a password,
//! builds an invoice on the form with a reduced-rate line and an attachment, sees a problem beside its field
//! and fixes it, sends; staff return it with a reason; the supplier reads the reason and sends the corrected
//! invoice pre-filled from the returned one; staff inspect, an approver approves with the checklist; the
//! finance system pulls the export and reports the payment; the supplier sees it paid. axe-core checks every
//! page; screenshots go to `target/browser-screenshots/<backend>/story-*.png`.

use std::time::Duration;

use cie_tests::browser::{Browser, wait_for_path};
use cie_tests::{Backend, PASSWORD, SUPPLIER_A_REGISTRATION_NUMBER, TestApp};
use fantoccini::Locator;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::browser::{click, fill, submit, text};

/// Waits until the browser's path starts with `prefix`; the path it reached.
pub(crate) async fn wait_for_prefix(browser: &Browser, prefix: &str) -> String {
    for _ in 0..200 {
        if let Ok(url) = browser.current_url().await
            && url.path().starts_with(prefix)
        {
            return url.path().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let at = browser.current_url().await.map(|u| u.to_string());
    panic!("the browser did not reach {prefix}… (it is at {at:?})");
}

async fn choose(browser: &Browser, id: &str, value: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("choosing {value} in #{id}: {e}"));
}

/// Sets a date input (typing into one depends on the browser's locale).
pub(crate) async fn set_date(browser: &Browser, id: &str, value: &str) {
    browser
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![json!(id), json!(value)],
        )
        .await
        .unwrap_or_else(|e| panic!("setting #{id}: {e}"));
}

async fn tick(browser: &Browser, id: &str) {
    click(browser, &format!("#{id}")).await;
}

/// Chooses `path` in the file input `input_id`.
pub(crate) async fn choose_file(browser: &Browser, input_id: &str, path: &std::path::Path) {
    browser
        .find(Locator::Id(input_id))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
}

/// Logs in to city-a on the login page and waits for the home page.
pub(crate) async fn log_in(browser: &Browser, app: &TestApp, username: &str, password: &str) {
    browser.goto(&app.url("/login")).await.unwrap();
    fill(
        browser,
        &[
            ("tenant", "city-a"),
            ("username", username),
            ("password", password),
        ],
    )
    .await;
    click(browser, "main form button[type=submit]").await;
    wait_for_path(browser, app, "/home").await;
}

async fn log_out(browser: &Browser, app: &TestApp) {
    click(browser, "header form[action='/logout'] button").await;
    wait_for_path(browser, app, "/login?out=1").await;
}

/// Posts the form of step `step` on the document page (its submit button inside `form[action$=step]`).
async fn take_step(browser: &Browser, step: &str) -> String {
    submit(
        browser,
        &format!("form[action$='/steps/{step}'] button[type=submit]"),
    )
    .await;
    wait_for_prefix(browser, "/documents/").await;
    text(browser, "[role=status]").await
}

/// Everything the city sets up over the API: the supplier's organisation with its registered account, a
/// buyer, staff, an approver, a finance client, and the supplier's invitation link.
async fn city(app: &TestApp) -> (String, Value) {
    assert_eq!(
        app.create_tenant("city-a", "テスト市").await.status(),
        StatusCode::CREATED
    );
    let admin = app.token("city-a", "admin", PASSWORD).await;
    let org = app
        .create_org(
            &admin,
            "株式会社 〇〇商事",
            Some(SUPPLIER_A_REGISTRATION_NUMBER),
        )
        .await;
    let registered = app
        .put_json(
            &admin,
            &format!("/api/v1/admin/supplier-orgs/{org}/creditor"),
            &json!({
                "creditor_number": "C-0001",
                "address": "東京都テスト市本町1-2-3",
                "bank_account": { "bank_code": "0009", "branch_code": "123", "account_type": "普通",
                                  "account_number": "1234567", "account_name_kana": "カ）マルマルシヨウジ" }
            }),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::OK);
    crate::web_forms::add_buyer_for(app, &admin).await;
    app.create_user(&admin, "staff", "staff", None).await;
    app.create_user(&admin, "approver", "approver", None).await;
    let credentials: Value = app
        .post_json(
            &admin,
            "/api/v1/admin/finance-clients",
            &json!({ "name": "zaimu" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let invited: Value = app
        .post_json(
            &admin,
            "/api/v1/admin/invitations",
            &json!({ "username": "yamada", "role": "supplier", "supplier_org_id": org }),
        )
        .await
        .json()
        .await
        .unwrap();
    (invited["path"].as_str().unwrap().to_owned(), credentials)
}

/// A fresh token of the finance client with `credentials`.
async fn finance_token(app: &TestApp, credentials: &Value) -> String {
    let session: Value = app
        .login(
            "city-a",
            credentials["client_id"].as_str().unwrap(),
            credentials["client_secret"].as_str().unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    session["token"].as_str().unwrap().to_owned()
}

#[rstest]
#[tokio::test]
async fn the_whole_story_runs_in_a_browser(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| config.web.secure_cookies = false).await;
    let (invitation, finance_client) = city(&app).await;
    let files = tempfile::tempdir().unwrap();
    let delivery_note = files.path().join("納品書.pdf");
    let breakdown = files.path().join("内訳書.pdf");
    for path in [&delivery_note, &breakdown] {
        std::fs::write(path, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").unwrap();
    }

    // The invited supplier sets a password and lands on the home page.
    let browser = Browser::open(backend, "story").await;
    browser.goto(&app.url(&invitation)).await.unwrap();
    let password = "a good long password";
    fill(
        &browser,
        &[("password", password), ("password_again", password)],
    )
    .await;
    click(&browser, "main form button[type=submit]").await;
    wait_for_path(&browser, &app, "/home").await;
    browser.check_page("01-home").await;

    // The invoice form: a 10 % line, a reduced-rate line, a delivery note attached; the city forgotten.
    click(&browser, "nav a[href='/invoices/new']").await;
    wait_for_path(&browser, &app, "/invoices/new").await;
    browser.check_page("02-invoice-form").await;
    fill(
        &browser,
        &[
            ("number", "INV-2026-001"),
            ("commitment_number", "R8-000123"),
            ("seller_postal_zone", "203-0053"),
            ("seller_prefecture", "東京都"),
            ("seller_street", "本町1-2-3"),
            ("l0_name", "コピー用紙 A4"),
            ("l0_quantity", "10"),
            ("l0_price", "500"),
            ("l1_name", "お茶（ペットボトル）"),
            ("l1_quantity", "24"),
            ("l1_price", "98"),
            ("attachment_description", "納品書"),
        ],
    )
    .await;
    set_date(&browser, "delivery_date", "2026-03-31").await;
    choose(&browser, "l1_tax", "AA").await;
    // The live totals, before anything is sent: 5,000 + 500 at 10 %, 2,352 + 188 at 8 %.
    assert!(
        text(&browser, "#totals").await.contains("8,040"),
        "live totals"
    );
    choose_file(&browser, "attachment", &delivery_note).await;
    submit(&browser, "button[value=check]").await;
    let summary = text(&browser, "main").await;
    assert!(
        text(&browser, "#seller_city-error")
            .await
            .contains("入力してください"),
        "{summary}"
    );
    browser.check_page("03-invoice-finding").await;

    fill(&browser, &[("seller_city", "テスト市")]).await;
    submit(&browser, "button[value=check]").await;
    assert!(
        text(&browser, "[role=status]")
            .await
            .contains("問題はありません")
    );
    assert!(text(&browser, "#totals").await.contains("8,040 円"));
    assert!(
        text(&browser, "main").await.contains("納品書.pdf"),
        "the attachment is kept"
    );
    browser.check_page("04-invoice-checked").await;
    browser
        .execute("document.getElementById('lines').scrollIntoView();", vec![])
        .await
        .unwrap();
    browser.screenshot("04-invoice-lines").await;
    submit(&browser, "button[value=send]").await;
    let document = wait_for_prefix(&browser, "/documents/").await;
    assert!(
        text(&browser, "[role=status]")
            .await
            .contains("提出しました")
    );
    browser.check_page("05-invoice-sent").await;
    log_out(&browser, &app).await;

    // Staff find it in the inbox and return it for a missing breakdown.
    log_in(&browser, &app, "staff", PASSWORD).await;
    click(&browser, "nav a[href='/inbox']").await;
    wait_for_path(&browser, &app, "/inbox").await;
    assert!(text(&browser, "table").await.contains("INV-2026-001"));
    browser.check_page("06-inbox").await;
    click(&browser, &format!("a[href='{document}']")).await;
    wait_for_path(&browser, &app, &document).await;
    browser.check_page("07-document-staff").await;
    assert!(
        take_step(&browser, "start-inspection")
            .await
            .contains("検査を開始")
    );
    tick(&browser, "reason-attachment").await;
    fill(
        &browser,
        &[("return_note", "内訳書を添付して再提出してください")],
    )
    .await;
    assert!(
        take_step(&browser, "return")
            .await
            .contains("差し戻しました")
    );
    browser.check_page("08-returned").await;
    log_out(&browser, &app).await;

    // The supplier reads the reason and sends the correction, pre-filled from the returned invoice.
    log_in(&browser, &app, "yamada", password).await;
    click(&browser, "nav a[href='/documents']").await;
    wait_for_path(&browser, &app, "/documents").await;
    assert!(text(&browser, "table").await.contains("差し戻し"));
    browser.check_page("09-my-documents").await;
    click(&browser, &format!("a[href='{document}']")).await;
    wait_for_path(&browser, &app, &document).await;
    let page = text(&browser, "main").await;
    assert!(page.contains("添付書類（納品書・内訳書）の不足") && page.contains("内訳書を添付して"));
    browser.check_page("10-return-reason").await;
    click(&browser, "a[href^='/invoices/new?corrects=']").await;
    wait_for_prefix(&browser, "/invoices/new").await;
    assert_eq!(
        browser
            .find(Locator::Id("number"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("INV-2026-001")
    );
    fill(&browser, &[("attachment_description", "内訳書")]).await;
    choose_file(&browser, "attachment", &breakdown).await;
    submit(&browser, "button[value=check]").await;
    assert!(
        text(&browser, "[role=status]")
            .await
            .contains("問題はありません")
    );
    browser.check_page("11-correction").await;
    submit(&browser, "button[value=send]").await;
    let corrected = wait_for_prefix(&browser, "/documents/").await;
    assert_ne!(corrected, document);
    log_out(&browser, &app).await;

    // Staff inspect the correction; the approver approves it with the checklist.
    log_in(&browser, &app, "staff", PASSWORD).await;
    browser.goto(&app.url(&corrected)).await.unwrap();
    take_step(&browser, "start-inspection").await;
    assert!(take_step(&browser, "inspection").await.contains("検査完了"));
    log_out(&browser, &app).await;
    log_in(&browser, &app, "approver", PASSWORD).await;
    browser.goto(&app.url(&corrected)).await.unwrap();
    for check in [
        "rightful_creditor",
        "amount_correct",
        "performance_confirmed",
        "debt_fixed",
    ] {
        tick(&browser, check).await;
    }
    fill(
        &browser,
        &[
            ("department", "総務課"),
            ("budget_item", "01-02-03 需用費 消耗品費"),
            ("commitment_number", "R8-000123"),
        ],
    )
    .await;
    browser.check_page("12-approval-form").await;
    assert!(
        take_step(&browser, "approval")
            .await
            .contains("支出決定しました")
    );
    browser.check_page("13-approved").await;
    log_out(&browser, &app).await;

    // The finance system pulls the approved payment, acknowledges it, orders it and later reports it paid.
    let finance = finance_token(&app, &finance_client).await;
    let pulled: Value = app
        .get(&finance, "/api/v1/exports/payments?format=json")
        .await
        .json()
        .await
        .unwrap();
    let id: i64 = corrected.trim_start_matches("/documents/").parse().unwrap();
    let records = pulled["records"].as_array().expect("records");
    assert_eq!(records.len(), 1, "{pulled}");
    assert_eq!(records[0]["document_id"], id, "{pulled}");
    assert_eq!(records[0]["held_back"], false, "{pulled}");
    assert_eq!(records[0]["payable_amount"], "8040", "{pulled}");
    let acked = app
        .post_json(
            &finance,
            "/api/v1/exports/payments/ack",
            &json!({ "cursor": pulled["cursor"] }),
        )
        .await;
    assert_eq!(acked.status(), StatusCode::OK);
    let ordered: Value = app
        .post_json(
            &finance,
            "/api/v1/exports/payments/results",
            &json!({ "items": [{ "document_id": id, "action": "payment_order", "amount": "8040" }] }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ordered["failed"], 0, "{ordered}");
    app.clock.advance(chrono::Duration::days(20));
    let finance = finance_token(&app, &finance_client).await;
    let paid: Value = app
        .post_json(
            &finance,
            "/api/v1/exports/payments/results",
            &json!({ "items": [{ "document_id": id, "paid_on": "2026-04-20", "amount": "8040" }] }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(paid["failed"], 0, "{paid}");

    // The supplier sees it paid.
    log_in(&browser, &app, "yamada", password).await;
    browser.goto(&app.url(&corrected)).await.unwrap();
    let page = text(&browser, "main").await;
    assert!(
        page.contains("支払済み") && page.contains("2026-04-20"),
        "{page}"
    );
    browser.check_page("14-paid").await;
    browser.close().await;
}
