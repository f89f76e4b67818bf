//! The suppliers' answer forms over HTTP on both databases: staff issue a request for quotation and an order
//! to supplier A over the API; supplier A opens each form from the document page, finds the lines
//! pre-filled, is told of a bad price or quantity beside its field, and sends a quotation, an order
//! response and a delivery note, each archived as its kind and linked to what it answers. Supplier B opens
//! no form for A's order, and a rejection without a reason is refused beside the note.

use cie_tests::{Backend, City, TestApp};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use rstest::rstest;
use serde_json::{Value, json};

use crate::web::{form, hidden, post_form, web_login};
use crate::web_forms::page;

fn city_party() -> Value {
    json!({
        "name": "テスト市",
        "endpoint": { "id": "7000012050002", "scheme": "0188" },
        "address": { "city_name": "テスト市", "street_name": "本町3-3-1", "country": "JP" },
        "contact": { "name": "会計課", "telephone": "042-000-0000" }
    })
}

fn supplier_party() -> Value {
    json!({
        "name": "株式会社 〇〇商事",
        "endpoint": { "id": "4011001098993", "scheme": "0188" }
    })
}

/// Issues `body` to supplier A at `path` as staff; the new document's id.
async fn issue(app: &TestApp, city: &City, path: &str, body: Value) -> i64 {
    let response = app.post_json(&city.staff, path, &body).await;
    let status = response.status();
    let issued: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued["id"].as_i64().unwrap()
}

async fn issue_rfq(app: &TestApp, city: &City) -> i64 {
    let body = json!({
        "supplier_org_id": city.org_a,
        "request": {
            "id": "RFQ-2026-007",
            "issue_date": "2026-04-01",
            "issue_time": "10:00:00",
            "submission_due_date": "2026-04-10",
            "buyer": city_party(),
            "seller": supplier_party(),
            "lines": [
                { "id": "1", "item_name": "防災用品一式", "quantity": "1", "unit_code": "SET" },
                { "id": "2", "item_name": "保存水 2L", "quantity": "24", "unit_code": "H87" }
            ]
        }
    });
    issue(app, city, "/api/v1/issued/requests-for-quotation", body).await
}

pub(crate) async fn issue_order(app: &TestApp, city: &City) -> i64 {
    let body = json!({
        "supplier_org_id": city.org_a,
        "order": {
            "id": "PO-2026-001",
            "issue_date": "2026-04-01",
            "response_requested": true,
            "buyer_reference": "R8-000123",
            "buyer": city_party(),
            "seller": supplier_party(),
            "lines": [
                { "id": "1", "item_name": "コピー用紙 A4", "quantity": "10", "unit_code": "H87", "unit_price": "500" },
                { "id": "2", "item_name": "トナー", "quantity": 2, "unit_code": "H87", "unit_price": "8000" }
            ]
        }
    });
    issue(app, city, "/api/v1/issued/orders", body).await
}

/// Posts an answer form as a browser does.
async fn post(
    app: &TestApp,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    post_form(app, path, cookie, form(fields)).await
}

/// The id of the document a sent form redirects to, checking it says the answer was sent.
fn sent_document(response: &reqwest::Response) -> i64 {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[LOCATION].to_str().unwrap();
    let (path, query) = location.split_once('?').unwrap();
    assert_eq!(query, "done=answered");
    path.trim_start_matches("/documents/").parse().unwrap()
}

/// The ids of the documents referring to document `id`, and each one's kind.
async fn referring(app: &TestApp, token: &str, id: i64) -> Vec<(i64, String)> {
    let links: Value = app
        .get_json(token, &format!("/api/v1/documents/{id}/links"))
        .await;
    links["referenced_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_i64().unwrap(),
                d["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn original(app: &TestApp, token: &str, id: i64) -> String {
    app.get(token, &format!("/api/v1/documents/{id}/original"))
        .await
        .text()
        .await
        .unwrap()
}

#[rstest]
#[tokio::test]
async fn a_supplier_quotes_for_a_request_for_quotation_from_its_page(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let rfq = issue_rfq(&app, &city).await;
    let supplier = web_login(&app, &city.tenant, "supplier-a", cie_tests::PASSWORD).await;

    let (_, rfq_page) = page(&app, &supplier, &format!("/documents/{rfq}")).await;
    let link = format!("/quotations/new?rfq={rfq}");
    assert!(rfq_page.contains(&link), "{rfq_page}");
    let (status, html) = page(&app, &supplier, &link).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for prefilled in [
        "value=\"防災用品一式\"",
        "value=\"保存水 2L\"",
        "value=\"24\"",
        "RFQ-2026-007",
        "テスト市",
    ] {
        assert!(html.contains(prefilled), "{prefilled} in {html}");
    }
    let csrf = hidden(&html, "csrf");
    let rfq_field = rfq.to_string();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("rfq", rfq_field.as_str()),
        ("number", "Q-2026-01"),
        ("issue_date", "2026-04-05"),
        ("validity_end", "2026-05-31"),
        ("line_count", "2"),
        ("l0_name", "防災用品一式"),
        ("l0_quantity", "1"),
        ("l0_unit", "SET"),
        ("l0_price", "五万"),
        ("l0_tax", "S"),
        ("l1_name", "保存水 2L"),
        ("l1_quantity", "24"),
        ("l1_unit", "H87"),
        ("l1_price", "98"),
        ("l1_tax", "AA"),
        ("action", "check"),
    ];

    // A price that is no number: told beside its field, what was typed kept, the draft saved.
    let response = post(&app, &supplier, "/quotations/new", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"l0_price-error\"") && html.contains("数字で入力してください"),
        "the price's error is beside it: {html}"
    );
    assert!(html.contains("value=\"五万\""), "{html}");
    let draft = hidden(&html, "draft_id");
    let (_, drafts) = page(&app, &supplier, "/drafts").await;
    assert!(
        drafts.contains(&format!("/quotations/new?draft={draft}")),
        "{drafts}"
    );
    let (status, reopened) = page(&app, &supplier, &format!("/quotations/new?draft={draft}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(reopened.contains("value=\"五万\""), "{reopened}");

    // Fixed: the check shows the tax once per rate and the quoted total.
    for field in fields.iter_mut().filter(|(k, _)| *k == "l0_price") {
        field.1 = "50,000";
    }
    fields.push(("draft_id", draft.as_str()));
    let response = post(&app, &supplier, "/quotations/new", &fields).await;
    let status = response.status();
    let html = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{html}");
    // 50,000 at 10 % → 5,000; 24 × 98 = 2,352 at 8 % → 188; total 57,540.
    for expected in ["50,000 円", "5,000 円", "2,352 円", "188 円", "57,540 円"] {
        assert!(html.contains(expected), "{expected} in {html}");
    }

    for field in fields.iter_mut().filter(|(k, _)| *k == "action") {
        field.1 = "send";
    }
    let response = post(&app, &supplier, "/quotations/new", &fields).await;
    let quotation = sent_document(&response);
    let document: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{quotation}"))
        .await;
    assert_eq!(document["summary"]["kind"], "quotation", "{document}");
    assert_eq!(document["validation"]["passed"], true, "{document}");
    let xml = original(&app, &city.supplier_a, quotation).await;
    assert!(
        xml.contains("<cbc:RequestForQuotationLineID>2</cbc:RequestForQuotationLineID>"),
        "{xml}"
    );
    assert!(
        xml.contains("<cbc:EndDate>2026-05-31</cbc:EndDate>"),
        "{xml}"
    );
    assert_eq!(
        referring(&app, &city.staff, rfq).await,
        [(quotation, "quotation".to_owned())]
    );
    let (_, rfq_page) = page(&app, &supplier, &format!("/documents/{rfq}")).await;
    assert!(
        rfq_page.contains(&format!("/documents/{quotation}\"")),
        "the request links to its quotation: {rfq_page}"
    );
    let (_, drafts) = page(&app, &supplier, "/drafts").await;
    assert!(!drafts.contains("Q-2026-01"), "the draft is gone: {drafts}");
}

#[rstest]
#[tokio::test]
async fn a_supplier_answers_an_order_and_sends_its_delivery_note(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let order = issue_order(&app, &city).await;
    let order_field = order.to_string();
    let supplier = web_login(&app, &city.tenant, "supplier-a", cie_tests::PASSWORD).await;
    let (_, order_page) = page(&app, &supplier, &format!("/documents/{order}")).await;
    let respond = format!("/order-responses/new?order={order}");
    let deliver = format!("/despatch-advices/new?order={order}");
    assert!(
        order_page.contains(&respond) && order_page.contains(&deliver),
        "{order_page}"
    );

    // The order response: the order's lines, each accepted until said otherwise.
    let (status, html) = page(&app, &supplier, &respond).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("コピー用紙 A4") && html.contains("トナー") && html.contains("PO-2026-001"),
        "{html}"
    );
    let csrf = hidden(&html, "csrf");
    let base = [
        ("csrf", csrf.as_str()),
        ("order", order_field.as_str()),
        ("number", "OR-2026-01"),
        ("issue_date", "2026-04-02"),
    ];
    let with = |more: &[(&'static str, &'static str)]| {
        let mut fields = base.to_vec();
        fields.extend_from_slice(more);
        fields
    };

    // A rejection says why.
    let response = post(
        &app,
        &supplier,
        "/order-responses/new",
        &with(&[("status", "RE"), ("action", "send")]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"note-error\"")
            && html.contains("受注しない理由を備考に入力してください"),
        "{html}"
    );
    assert!(html.contains("href=\"#note\""), "{html}");

    // Accepted with changes: a changed quantity that is no number is told beside it.
    let changed = [
        ("status", "CA"),
        ("l0_status", "3"),
        ("l0_quantity", "八"),
        ("l1_status", "5"),
        ("delivery_end", "2026-04-20"),
        ("action", "check"),
    ];
    let response = post(&app, &supplier, "/order-responses/new", &with(&changed)).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"l0_quantity-error\""), "{html}");
    let mut fields = with(&changed);
    for field in fields.iter_mut() {
        match field.0 {
            "l0_quantity" => field.1 = "8",
            "action" => field.1 = "send",
            _ => {}
        }
    }
    let response = post(&app, &supplier, "/order-responses/new", &fields).await;
    let answer = sent_document(&response);
    let document: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{answer}"))
        .await;
    assert_eq!(document["summary"]["kind"], "order_response", "{document}");
    let xml = original(&app, &city.supplier_a, answer).await;
    for expected in [
        "<cbc:OrderResponseCode>CA</cbc:OrderResponseCode>",
        "<cbc:LineStatusCode>3</cbc:LineStatusCode>",
        "<cbc:Quantity unitCode=\"H87\">8</cbc:Quantity>",
        "<cbc:CustomerReference>R8-000123</cbc:CustomerReference>",
        "<cbc:EndDate>2026-04-20</cbc:EndDate>",
    ] {
        assert!(xml.contains(expected), "{expected} in {xml}");
    }

    // The delivery note: the ordered quantities filled in; a line with 0 is left off.
    let (status, html) = page(&app, &supplier, &deliver).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("id=\"l0_quantity\" name=\"l0_quantity\" type=\"text\" value=\"10\""),
        "{html}"
    );
    let csrf = hidden(&html, "csrf");
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("order", order_field.as_str()),
        ("number", "D-2026-01"),
        ("issue_date", "2026-04-08"),
        ("despatch_date", "2026-04-08"),
        ("delivery_end", "2026-04-09"),
        ("l0_quantity", "十"),
        ("l0_item", ""),
        ("l1_quantity", "0"),
        ("action", "check"),
    ];
    let response = post(&app, &supplier, "/despatch-advices/new", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"l0_quantity-error\""), "{html}");
    let draft = hidden(&html, "draft_id");
    // A delivered line without the supplier's item number is told beside it (Peppol identifies every item).
    for field in fields.iter_mut() {
        if field.0 == "l0_quantity" {
            field.1 = "１０";
        }
    }
    let response = post(&app, &supplier, "/despatch-advices/new", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"l0_item-error\"")
            && html.contains("1 行目の貴社品番を入力してください"),
        "{html}"
    );
    for field in fields.iter_mut() {
        match field.0 {
            "l0_item" => field.1 = "CP-A4-500",
            "action" => field.1 = "send",
            _ => {}
        }
    }
    fields.push(("draft_id", draft.as_str()));
    let response = post(&app, &supplier, "/despatch-advices/new", &fields).await;
    let note = sent_document(&response);
    let document: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{note}"))
        .await;
    assert_eq!(document["summary"]["kind"], "despatch_advice", "{document}");
    assert_eq!(document["validation"]["passed"], true, "{document}");
    let xml = original(&app, &city.supplier_a, note).await;
    assert_eq!(xml.matches("<cac:DespatchLine>").count(), 1, "{xml}");
    assert!(
        xml.contains("<cbc:DeliveredQuantity unitCode=\"H87\">10</cbc:DeliveredQuantity>")
            && xml.contains("<cbc:ID>CP-A4-500</cbc:ID>"),
        "{xml}"
    );

    // The order links to both answers, on its page too.
    let mut answers = referring(&app, &city.staff, order).await;
    answers.sort();
    assert_eq!(
        answers,
        [
            (answer, "order_response".to_owned()),
            (note, "despatch_advice".to_owned())
        ]
    );
    let (_, order_page) = page(&app, &supplier, &format!("/documents/{order}")).await;
    for id in [answer, note] {
        assert!(
            order_page.contains(&format!("/documents/{id}\"")),
            "{order_page}"
        );
    }
}

#[rstest]
#[tokio::test]
async fn only_the_supplier_the_city_asked_answers(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let order = issue_order(&app, &city).await;
    let rfq = issue_rfq(&app, &city).await;

    // Supplier B finds no form for A's order, neither to open nor to post to.
    let supplier_b = web_login(&app, &city.tenant, "supplier-b", cie_tests::PASSWORD).await;
    for path in [
        format!("/order-responses/new?order={order}"),
        format!("/despatch-advices/new?order={order}"),
        format!("/quotations/new?rfq={rfq}"),
    ] {
        let (status, _) = page(&app, &supplier_b, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, home) = page(&app, &supplier_b, "/home").await;
    let csrf = hidden(&home, "csrf");
    let order_field = order.to_string();
    let response = post(
        &app,
        &supplier_b,
        "/order-responses/new",
        &[
            ("csrf", csrf.as_str()),
            ("order", order_field.as_str()),
            ("number", "OR-B"),
            ("issue_date", "2026-04-02"),
            ("status", "AP"),
            ("action", "send"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(referring(&app, &city.staff, order).await.is_empty());

    // Supplier A answers an order with an order form only, and staff answer nothing.
    let supplier_a = web_login(&app, &city.tenant, "supplier-a", cie_tests::PASSWORD).await;
    let (status, _) = page(&app, &supplier_a, &format!("/quotations/new?rfq={order}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(
        &app,
        &supplier_a,
        &format!("/order-responses/new?order={rfq}"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let staff = web_login(&app, &city.tenant, "staff", cie_tests::PASSWORD).await;
    let (status, _) = page(&app, &staff, &format!("/order-responses/new?order={order}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
