//! The web pages in a real browser (headless Chromium through chromedriver) on both databases: what a
//! person does, click by click, with axe-core's WCAG 2.1 A/AA checks on every page and a screenshot of each
//! (`target/browser-screenshots/<backend>/`).

use cie_tests::browser::{Browser, axe_violations, wait_for_path};
use cie_tests::{Backend, PASSWORD, SUPPLIER_A_REGISTRATION_NUMBER, TestApp};
use fantoccini::Locator;
use reqwest::StatusCode;
use rstest::rstest;

pub(crate) async fn fill(browser: &Browser, fields: &[(&str, &str)]) {
    for (id, value) in fields {
        let field = browser
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("field #{id}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
}

pub(crate) async fn click(browser: &Browser, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// The text of the element `css`, waiting for it to appear (a form posted back to its own address
/// changes no URL to wait for).
pub(crate) async fn text(browser: &Browser, css: &str) -> String {
    for _ in 0..50 {
        let element = browser
            .wait()
            .at_most(std::time::Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        match element.text().await {
            Ok(text) => return text,
            // The page was replaced between finding the element and reading it: read the new one.
            Err(fantoccini::error::CmdError::Standard(e))
                if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("the text of {css}: {e}"),
        }
    }
    panic!("{css} kept going stale")
}

/// Clicks `css` and waits until the page it was on has been replaced by the answer.
pub(crate) async fn submit(browser: &Browser, css: &str) {
    let before = browser.find(Locator::Css("html")).await.unwrap();
    click(browser, css).await;
    for _ in 0..200 {
        match before.tag_name().await {
            Err(fantoccini::error::CmdError::Standard(e))
                if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
            {
                return;
            }
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    panic!("clicking {css} did not load a new page");
}

#[rstest]
#[tokio::test]
async fn an_invited_supplier_finds_its_way_through_the_pages_in_a_browser(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    // The browser talks plain HTTP to 127.0.0.1: it would not send back cookies marked Secure.
    let app = TestApp::spawn_with(backend, |config| config.web.secure_cookies = false).await;
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
    let made = app
        .post_json(
            &admin,
            "/api/v1/admin/invitations",
            &serde_json::json!({ "username": "yamada", "role": "supplier", "supplier_org_id": org }),
        )
        .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let link: serde_json::Value = made.json().await.unwrap();
    let invitation = link["path"].as_str().unwrap().to_owned();

    let browser = Browser::open(backend, "invited-supplier").await;
    browser.goto(&app.url(&invitation)).await.unwrap();
    assert!(text(&browser, "main").await.contains("「yamada」"));
    browser.check_page("01-invitation").await;

    // A password too short: the error summary and the field's own message.
    fill(
        &browser,
        &[("password", "short"), ("password_again", "short")],
    )
    .await;
    click(&browser, "main form button[type=submit]").await;
    assert!(
        text(&browser, "[role=alert]")
            .await
            .contains("10 文字以上にしてください。")
    );
    browser.check_page("02-invitation-error").await;

    let first = "a good long password";
    fill(&browser, &[("password", first), ("password_again", first)]).await;
    click(&browser, "main form button[type=submit]").await;
    wait_for_path(&browser, &app, "/home").await;
    assert!(text(&browser, "main").await.contains("yamada さん"));
    browser.check_page("03-home").await;

    // A document of the supplier's, so that the list has a row.
    let token = app.token("city-a", "yamada", first).await;
    assert_eq!(
        app.submit(&token, cie_tests::fixture("jp-pint/jp-pint-example.xml"))
            .await
            .status(),
        StatusCode::CREATED
    );
    click(&browser, "main a[href='/documents']").await;
    wait_for_path(&browser, &app, "/documents").await;
    assert!(text(&browser, "table").await.contains("156"));
    browser.check_page("04-documents").await;

    click(&browser, "header a[hreflang=en]").await;
    wait_for_path(&browser, &app, "/documents?lang=en").await;
    assert_eq!(text(&browser, "h1").await, "Documents");
    assert!(text(&browser, "table").await.contains("Invoice"));
    browser.check_page("05-documents-en").await;

    // English is remembered: the home page needs no `?lang=`.
    browser.goto(&app.url("/home")).await.unwrap();
    assert_eq!(text(&browser, "h1").await, "Home");
    click(&browser, "header a[href='/password']").await;
    wait_for_path(&browser, &app, "/password").await;
    browser.check_page("06-password").await;

    let second = "the second long password";
    fill(
        &browser,
        &[
            ("current_password", first),
            ("new_password", second),
            ("new_password_again", second),
        ],
    )
    .await;
    click(&browser, "main form button[type=submit]").await;
    wait_for_path(&browser, &app, "/home?changed=1").await;
    assert!(
        text(&browser, "[role=status]")
            .await
            .contains("Your password has been changed")
    );
    browser.check_page("07-password-changed").await;

    click(&browser, "header form[action='/logout'] button").await;
    wait_for_path(&browser, &app, "/login?out=1").await;
    assert!(
        text(&browser, "[role=status]")
            .await
            .contains("You have logged out.")
    );
    browser.check_page("08-logged-out").await;

    fill(
        &browser,
        &[
            ("tenant", "city-a"),
            ("username", "yamada"),
            ("password", second),
        ],
    )
    .await;
    click(&browser, "main form button[type=submit]").await;
    wait_for_path(&browser, &app, "/home").await;
    assert!(text(&browser, "main").await.contains("Welcome, yamada."));
    browser.check_page("09-home-again").await;

    browser.close().await;
}

/// The harness itself: axe-core does run, and a page with the usual mistakes fails the check.
#[tokio::test]
async fn axe_finds_what_a_careless_page_gets_wrong() {
    let browser = Browser::open(Backend::Sqlite, "careless-page").await;
    browser
        .goto(
            "data:text/html,<!DOCTYPE html><html><head><title>x</title></head><body>\
             <img src='x.png'><input type='text'><a href='/x'></a></body></html>",
        )
        .await
        .unwrap();
    let found = axe_violations(&browser).await;
    let blocking: Vec<&str> = found
        .iter()
        .filter(|v| v.is_blocking())
        .map(|v| v.id.as_str())
        .collect();
    for rule in ["html-has-lang", "image-alt", "label", "link-name"] {
        assert!(blocking.contains(&rule), "{rule} in {found:#?}");
    }
    browser.close().await;
}

/// A supplier sends its delivery note (納品書) for the city's order in the browser: a delivered line without
/// the supplier's item number is told beside the field (Peppol identifies every item delivered), and once
/// given the note is sent and shown.
#[rstest]
#[tokio::test]
async fn a_supplier_sends_a_delivery_note_in_a_browser(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| config.web.secure_cookies = false).await;
    let city = app.city("city-a").await;
    let order = crate::web_answers::issue_order(&app, &city).await;

    let browser = Browser::open(backend, "delivery-note").await;
    crate::browser_story::log_in(&browser, &app, "supplier-a", PASSWORD).await;

    browser
        .goto(&app.url(&format!("/despatch-advices/new?order={order}")))
        .await
        .unwrap();
    assert!(text(&browser, "main").await.contains("コピー用紙 A4"));
    browser.check_page("01-form").await;
    fill(&browser, &[("number", "D-2026-01"), ("l1_quantity", "0")]).await;
    crate::browser_story::set_date(&browser, "issue_date", "2026-04-08").await;
    crate::browser_story::set_date(&browser, "despatch_date", "2026-04-08").await;
    submit(&browser, "button[name=action][value=send]").await;
    let error = text(&browser, "#l0_item-error").await;
    assert!(
        error.contains("1 行目の貴社品番を入力してください"),
        "{error}"
    );
    browser.check_page("02-item-number-missing").await;

    fill(&browser, &[("l0_item", "CP-A4-500")]).await;
    submit(&browser, "button[name=action][value=send]").await;
    let path = crate::browser_story::wait_for_prefix(&browser, "/documents/").await;
    let shown = text(&browser, "main").await;
    assert!(shown.contains("D-2026-01"), "{path}: {shown}");
    browser.check_page("03-sent").await;
    browser.close().await;
}

/// A supplier uploads an invoice its software wrote with a control character in it: the page says beside the
/// file where (line, column, the elements open there) and why, in Japanese.
#[rstest]
#[tokio::test]
async fn a_supplier_uploading_xml_that_is_not_well_formed_is_told_where_and_why(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| config.web.secure_cookies = false).await;
    app.city("city-a").await;
    let example = String::from_utf8(cie_tests::fixture("jp-pint/jp-pint-example.xml")).unwrap();
    let broken = app.data_dir.join("invoice-with-a-bell.xml");
    std::fs::write(
        &broken,
        example.replacen("<cbc:ID>2</cbc:ID>", "<cbc:ID>2\u{7}</cbc:ID>", 1),
    )
    .unwrap();

    let browser = Browser::open(backend, "not-well-formed").await;
    crate::browser_story::log_in(&browser, &app, "supplier-a", PASSWORD).await;

    browser.goto(&app.url("/upload")).await.unwrap();
    crate::browser_story::choose_file(&browser, "file", &broken).await;
    submit(&browser, "main form button[type=submit]").await;
    let error = text(&browser, "#file-error").await;
    assert!(
        error.contains("379 行 12 文字目（/Invoice/cac:InvoiceLine[2]/cbc:ID[1] の中）")
            && error.contains("U+0007")
            && !error.contains("not allowed"),
        "{error}"
    );
    browser.check_page("01-refused").await;
    browser.close().await;
}
