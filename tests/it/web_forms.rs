//! The supplier's invoice form over HTTP on both databases: a reduced-rate line and an attachment, input
//! errors beside their fields with the draft kept, the check's totals, sending through intake, the staff
//! returning it from the document page, and the correction pre-filled from the returned invoice.

use cie_tests::{Backend, City, TestApp};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use rstest::rstest;
use serde_json::{Value, json};

use crate::web::{client, form, hidden, post_form, web_login};

/// The city's buyer every invoice of these tests is addressed to.
pub(crate) async fn add_buyer(app: &TestApp, city: &City) -> i64 {
    add_buyer_for(app, &city.admin).await
}

/// Adds the city's buyer with administrator token `admin`; its id.
pub(crate) async fn add_buyer_for(app: &TestApp, admin: &str) -> i64 {
    let response = app
        .post_json(
            admin,
            "/api/v1/admin/buyers",
            &json!({ "name": "テスト市 総務課", "endpoint_id": "7000012050002",
                     "postal_zone": "203-8555", "city_name": "テスト市", "street_name": "本町3-3-1" }),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// The fields of a complete invoice of supplier A: a 10 % line and a reduced-rate (8 %) line.
pub(crate) fn invoice_fields(buyer: i64, number: &str) -> Vec<(String, String)> {
    [
        ("buyer", buyer.to_string()),
        ("number", number.to_owned()),
        ("issue_date", "2026-04-10".to_owned()),
        ("delivery_date", "2026-04-08".to_owned()),
        ("commitment_number", "R8-000123".to_owned()),
        ("seller_postal_zone", "203-0053".to_owned()),
        ("seller_prefecture", "東京都".to_owned()),
        ("seller_city", "テスト市".to_owned()),
        ("seller_street", "本町1-2-3".to_owned()),
        ("line_count", "3".to_owned()),
        ("l0_name", "コピー用紙 A4".to_owned()),
        ("l0_quantity", "10".to_owned()),
        ("l0_unit", "H87".to_owned()),
        ("l0_price", "500".to_owned()),
        ("l0_tax", "S".to_owned()),
        ("l1_name", "お茶（ペットボトル）".to_owned()),
        ("l1_quantity", "２４".to_owned()),
        ("l1_unit", "H87".to_owned()),
        ("l1_price", "98".to_owned()),
        ("l1_tax", "AA".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Posts the invoice form as a browser does (multipart), with `action` and an optional PDF attachment.
pub(crate) async fn post_invoice(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    fields: &[(String, String)],
    action: &str,
    attachment: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let mut parts = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("action", action.to_owned());
    for (name, value) in fields {
        parts = parts.text(name.clone(), value.clone());
    }
    if let Some((name, bytes)) = attachment {
        parts = parts.part(
            "attachment_file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    client()
        .post(app.url("/invoices/new"))
        .header(COOKIE, cookie)
        .multipart(parts)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn page(app: &TestApp, cookie: &str, path: &str) -> (StatusCode, String) {
    let response = client()
        .get(app.url(path))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

#[rstest]
#[tokio::test]
async fn a_supplier_builds_an_invoice_on_the_form_and_corrects_it_after_a_return(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let buyer = add_buyer(&app, &city).await;
    let supplier = web_login(&app, &city.tenant, "supplier-a", cie_tests::PASSWORD).await;

    let (status, html) = page(&app, &supplier, "/invoices/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("株式会社 〇〇商事") && html.contains("テスト市 総務課"),
        "{html}"
    );
    let csrf = hidden(&html, "csrf");

    // A price that is not a number and no city in the address: both told beside their fields, the draft kept.
    let mut fields = invoice_fields(buyer, "INV-F-1");
    fields.retain(|(k, _)| k != "seller_city");
    for field in fields.iter_mut().filter(|(k, _)| k == "l0_price") {
        field.1 = "五百".into();
    }
    let response = post_invoice(
        &app,
        &supplier,
        &csrf,
        &fields,
        "check",
        Some(("納品書.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"l0_price-error\"") && html.contains("数字で入力してください"),
        "the price's error is beside it: {html}"
    );
    assert!(
        html.contains("href=\"#l0_price\""),
        "the summary links to the field"
    );
    assert!(html.contains("value=\"五百\""), "what was typed is kept");
    assert!(html.contains("納品書.pdf"), "the attachment is kept");
    let draft = hidden(&html, "draft_id");
    let (_, drafts) = page(&app, &supplier, "/drafts").await;
    assert!(drafts.contains("INV-F-1"), "{drafts}");

    // Price fixed; the city still missing: cie-compose names the seller's address.
    for field in fields.iter_mut().filter(|(k, _)| k == "l0_price") {
        field.1 = "500".into();
    }
    fields.push(("draft_id".into(), draft.clone()));
    let response = post_invoice(&app, &supplier, &csrf, &fields, "check", None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"seller_city-error\""), "{html}");

    // Complete: the check shows the tax per rate, computed once per rate.
    fields.push(("seller_city".into(), "テスト市".into()));
    let response = post_invoice(&app, &supplier, &csrf, &fields, "check", None).await;
    let status = response.status();
    let html = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("問題はありません"), "{html}");
    // 10 × 500 = 5,000 at 10 % → 500; 24 × 98 = 2,352 at 8 % → 188.16 → 188; payable 8,040.
    for expected in ["5,000 円", "500 円", "2,352 円", "188 円", "8,040 円"] {
        assert!(html.contains(expected), "{expected} in {html}");
    }

    let response = post_invoice(&app, &supplier, &csrf, &fields, "send", None).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{}",
        response.text().await.unwrap()
    );
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let id: i64 = location
        .trim_start_matches("/documents/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, drafts) = page(&app, &supplier, "/drafts").await;
    assert!(
        !drafts.contains("INV-F-1"),
        "the draft is gone once sent: {drafts}"
    );

    // What was sent is a JP PINT invoice with the attachment embedded and the tax once per rate.
    let xml = app
        .get(
            &city.supplier_a,
            &format!("/api/v1/documents/{id}/original"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("urn:peppol:pint:billing-1@jp-1"), "{xml}");
    assert!(xml.contains("filename=\"納品書.pdf\""), "{xml}");
    assert!(
        xml.contains("<cbc:PayableAmount currencyID=\"JPY\">8040</cbc:PayableAmount>"),
        "{xml}"
    );
    let document: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{id}"))
        .await;
    assert_eq!(document["validation"]["passed"], true, "{document}");

    // The document page lists the attachment; it downloads as sent, never shown inline.
    let (_, document_page) = page(&app, &supplier, &format!("/documents/{id}")).await;
    assert!(
        document_page.contains(&format!("/documents/{id}/attachments/1")),
        "{document_page}"
    );
    let file = client()
        .get(app.url(&format!("/documents/{id}/attachments/1")))
        .header(COOKIE, &supplier)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(file.bytes().await.unwrap().as_ref(), PDF);
    let other = web_login(&app, &city.tenant, "supplier-b", cie_tests::PASSWORD).await;
    let (status, _) = page(&app, &other, &format!("/documents/{id}/attachments/1")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another supplier gets nothing"
    );

    // Staff return it from the document page with a reason from the list and a note.
    let staff = web_login(&app, &city.tenant, "staff", cie_tests::PASSWORD).await;
    let (_, inbox) = page(&app, &staff, "/inbox").await;
    assert!(inbox.contains("INV-F-1"), "{inbox}");
    let (_, document_page) = page(&app, &staff, &format!("/documents/{id}")).await;
    let staff_csrf = hidden(&document_page, "csrf");
    let started = post_form(
        &app,
        &format!("/documents/{id}/steps/start-inspection"),
        &staff,
        form(&[("csrf", &staff_csrf)]),
    )
    .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let nothing_chosen = post_form(
        &app,
        &format!("/documents/{id}/steps/return"),
        &staff,
        form(&[("csrf", &staff_csrf)]),
    )
    .await;
    assert_eq!(nothing_chosen.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        nothing_chosen
            .text()
            .await
            .unwrap()
            .contains("差し戻しの理由を 1 つ以上選ぶ")
    );
    let returned = post_form(
        &app,
        &format!("/documents/{id}/steps/return"),
        &staff,
        form(&[
            ("csrf", &staff_csrf),
            ("reason", "attachment"),
            ("return_note", "内訳書を添付してください"),
        ]),
    )
    .await;
    assert_eq!(returned.status(), StatusCode::SEE_OTHER);

    // The supplier sees the reason and corrects from the returned invoice.
    let (_, mine) = page(&app, &supplier, &format!("/documents/{id}")).await;
    assert!(
        mine.contains("添付書類（納品書・内訳書）の不足")
            && mine.contains("内訳書を添付してください"),
        "{mine}"
    );
    assert!(
        mine.contains(&format!("/invoices/new?corrects={id}")),
        "{mine}"
    );
    let (_, correction) = page(&app, &supplier, &format!("/invoices/new?corrects={id}")).await;
    for kept in [
        "value=\"INV-F-1\"",
        "value=\"コピー用紙 A4\"",
        "value=\"R8-000123\"",
        "value=\"テスト市\"",
    ] {
        assert!(correction.contains(kept), "{kept} pre-filled: {correction}");
    }
    let mut corrected: Vec<(String, String)> = invoice_fields(buyer, "INV-F-1");
    corrected.push(("attachment_description".into(), "内訳書".into()));
    let response = post_invoice(
        &app,
        &supplier,
        &hidden(&correction, "csrf"),
        &corrected,
        "send",
        Some(("内訳書.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(case["state"], "superseded", "{case}");
}

#[rstest]
#[tokio::test]
async fn the_form_refuses_what_a_supplier_cannot_send(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let buyer = add_buyer(&app, &city).await;

    // Supplier B has no 登録番号: without a 法人番号 there is nothing to identify it by.
    let supplier_b = web_login(&app, &city.tenant, "supplier-b", cie_tests::PASSWORD).await;
    let (_, html) = page(&app, &supplier_b, "/invoices/new").await;
    let csrf = hidden(&html, "csrf");
    let fields = invoice_fields(buyer, "B-1");
    let response = post_invoice(&app, &supplier_b, &csrf, &fields, "check", None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("id=\"corporate_number-error\"")
    );
    // With its 法人番号 it gets a non-tax-registered invoice (type 480).
    let mut fields = fields;
    fields.push(("corporate_number".into(), "4011001098993".into()));
    let response = post_invoice(&app, &supplier_b, &csrf, &fields, "send", None).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{}",
        response.text().await.unwrap()
    );

    // An impossible date, a file that is not an accepted kind, a form from elsewhere, another's draft.
    let supplier_a = web_login(&app, &city.tenant, "supplier-a", cie_tests::PASSWORD).await;
    let (_, html) = page(&app, &supplier_a, "/invoices/new").await;
    let csrf = hidden(&html, "csrf");
    let mut fields = invoice_fields(buyer, "A-1");
    for field in fields.iter_mut().filter(|(k, _)| k == "issue_date") {
        field.1 = "2026-02-30".into();
    }
    let response = post_invoice(
        &app,
        &supplier_a,
        &csrf,
        &fields,
        "check",
        Some(("virus.exe", b"MZ\x90\x00".to_vec())),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"issue_date-error\""), "{html}");
    assert!(html.contains("virus.exe は添付できない形式です"), "{html}");
    let draft = hidden(&html, "draft_id");
    let forged = post_invoice(&app, &supplier_a, "not-the-token", &fields, "send", None).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (status, _) = page(&app, &supplier_b, &format!("/invoices/new?draft={draft}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another supplier's draft stays hidden"
    );
    // Staff have no invoice form.
    let staff = web_login(&app, &city.tenant, "staff", cie_tests::PASSWORD).await;
    let (status, _) = page(&app, &staff, "/invoices/new").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
