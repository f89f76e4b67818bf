//! The finance system's side over HTTP: the creditor registration, payment orders and payments reported in
//! bulk, the withdrawal of an approval.

use chrono::Duration;
use cie_tests::{Backend, City, TestApp};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::workflow::{Actors, actors, checklist, invoice, ok_step, spawn, step, submit};

/// An invoice of supplier A taken through inspection and approval under commitment `commitment`, paid on
/// 2026-04-20 as planned.
async fn approved(
    app: &TestApp,
    city: &City,
    people: &Actors,
    number: &str,
    commitment: &str,
) -> i64 {
    let id = submit(app, &city.supplier_a, invoice(number)).await;
    ok_step(app, &city.staff, id, "start-inspection", json!({})).await;
    ok_step(app, &city.staff, id, "inspection", json!({})).await;
    let mut body = checklist("2026-04-20");
    body["commitment_number"] = json!(commitment);
    ok_step(app, &people.approver, id, "approval", body).await;
    id
}

#[rstest]
#[tokio::test]
async fn payments_reported_in_bulk_move_each_invoice_and_report_each_failure(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let first = approved(&app, &city, &people, "BULK-1", "R8-001").await;
    let second = approved(&app, &city, &people, "BULK-2", "R8-002").await;
    let received = submit(&app, &city.supplier_a, invoice("BULK-3")).await;

    let batch = json!({ "items": [
        { "document_id": first, "action": "payment_order", "amount": "289490" },
        { "commitment_number": "R8-002", "action": "payment_order", "amount": "289490" },
        { "document_id": received, "action": "payment_order", "amount": "289490" },
        { "document_id": 999_999, "action": "payment_order", "amount": "289490" },
        { "commitment_number": "R8-001", "action": "payment_order", "amount": "1" },
    ]});
    let report: Value = app
        .post_json(&people.finance, "/api/v1/exports/payments/results", &batch)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&report["done"], &report["failed"]),
        (&json!(2), &json!(3)),
        "{report}"
    );
    let items = report["items"].as_array().unwrap();
    assert_eq!(items[0]["state"], "payment_ordered", "{report}");
    assert_eq!(items[1]["document_id"], second);
    assert_eq!(items[2]["code"], "invalid_transition", "{report}");
    assert_eq!(items[3]["code"], "not_found", "{report}");
    assert_eq!(items[4]["code"], "amount_mismatch", "{report}");
    assert!(
        items[4]["message"].as_str().unwrap().contains("289490"),
        "{report}"
    );

    // The same batch again: what was done is unchanged, nothing moves twice.
    let again: Value = app
        .post_json(&people.finance, "/api/v1/exports/payments/results", &batch)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&again["done"], &again["unchanged"]),
        (&json!(0), &json!(2)),
        "{again}"
    );

    // Then the payments, twice.
    app.clock.advance(Duration::days(19));
    let paid = json!({ "items": [
        { "document_id": first, "paid_on": "2026-04-20", "amount": "289490" },
        { "commitment_number": "R8-002", "paid_on": "2026-04-20", "amount": "289490" },
    ]});
    for expected in [("done", 2), ("unchanged", 2)] {
        let report: Value = app
            .post_json(&people.finance, "/api/v1/exports/payments/results", &paid)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(report[expected.0], expected.1, "{report}");
    }
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{first}"))
        .await;
    assert_eq!(case["state"], "paid");
    let codes: Vec<&str> = case["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["IP", "IP", "AP", "PD", "PD"],
        "one response per step"
    );

    // Staff may not report payments.
    let refused = app
        .post_json(&city.staff, "/api/v1/exports/payments/results", &paid)
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[rstest]
#[tokio::test]
async fn the_creditor_registration_is_checked_field_by_field(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let path = format!("/api/v1/admin/supplier-orgs/{}/creditor", city.org_a);
    let account = json!({
        "bank_code": "1234", "branch_code": "567", "account_type": "普通",
        "account_number": "3242394", "account_name_kana": "ｶ)ﾏﾙﾏﾙｼﾖｳｼﾞ"
    });
    let mut wrong = account.clone();
    wrong["branch_code"] = json!("56");
    let response = app
        .put_json(
            &city.admin,
            &path,
            &json!({ "address": "東京都千代田区1-1", "bank_account": wrong }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "invalid_bank_account");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("bank_account.branch_code"),
        "{body}"
    );
    let response = app
        .put_json(
            &city.admin,
            &path,
            &json!({ "address": "東京都千代田区1-1", "bank_account": account }),
        )
        .await;
    let status = response.status();
    let org: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org["bank_account"]["account_number"], "3242394");
    let listed: Vec<Value> = app
        .get_json(&city.staff, "/api/v1/admin/supplier-orgs")
        .await;
    let a = listed.iter().find(|o| o["id"] == city.org_a).unwrap();
    assert_eq!(a["address"], "東京都千代田区1-1");
    let refused = app
        .put_json(&city.staff, &path, &json!({ "bank_account": null }))
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[rstest]
#[tokio::test]
async fn an_approval_can_be_withdrawn_before_payment_is_ordered(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let id = approved(&app, &city, &people, "WD-1", "R8-010").await;
    let (status, body) = step(
        &app,
        &people.approver,
        id,
        "approval-withdrawal",
        json!({ "reason": " " }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let withdrawn = ok_step(
        &app,
        &people.approver,
        id,
        "approval-withdrawal",
        json!({ "reason": "支出負担行為番号の誤り" }),
    )
    .await;
    assert_eq!(withdrawn["state"], "inspected");
    assert_eq!(withdrawn["approval"], Value::Null);
    assert_eq!(withdrawn["payment_date"], Value::Null);
    // Approved again under the right commitment.
    let mut body = checklist("2026-04-20");
    body["commitment_number"] = json!("R8-011");
    let again = ok_step(&app, &people.approver2, id, "approval", body).await;
    assert_eq!(
        again["approval"]["checklist"]["commitment_number"],
        "R8-011"
    );
    let audit: Vec<Value> = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}/audit"))
        .await;
    let withdrawal = audit
        .iter()
        .find(|e| e["action"] == "withdraw_approval")
        .unwrap();
    assert_eq!(
        withdrawal["detail"]["change"]["reason"],
        "支出負担行為番号の誤り"
    );
}
