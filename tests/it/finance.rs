//! The finance system's side over HTTP: the creditor registration, payment orders and payments reported in
//! bulk, the withdrawal of an approval.

use chrono::Duration;
use cie_tests::{Backend, City, TestApp};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::workflow::{
    Actors, actors, checklist, finance_client, invoice, ok_step, spawn, step, submit,
};

/// An invoice of supplier A taken through inspection and approval under commitment `commitment`, to be paid
/// on 2026-04-20, with `extra` fields added to the checklist.
async fn approved_with(
    app: &TestApp,
    city: &City,
    people: &Actors,
    number: &str,
    extra: Value,
) -> i64 {
    let id = submit(app, &city.supplier_a, invoice(number)).await;
    ok_step(app, &city.staff, id, "start-inspection", json!({})).await;
    ok_step(app, &city.staff, id, "inspection", json!({})).await;
    let mut body = checklist("2026-04-20");
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    ok_step(app, &people.approver, id, "approval", body).await;
    id
}

async fn approved(
    app: &TestApp,
    city: &City,
    people: &Actors,
    number: &str,
    commitment: &str,
) -> i64 {
    approved_with(
        app,
        city,
        people,
        number,
        json!({ "commitment_number": commitment }),
    )
    .await
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

/// Registers supplier A as a creditor with the account the JP PINT example asks payment into.
pub(crate) async fn register_creditor_a(app: &TestApp, city: &City, account_number: &str) {
    let response = app
        .put_json(
            &city.admin,
            &format!("/api/v1/admin/supplier-orgs/{}/creditor", city.org_a),
            &json!({
                "creditor_number": "C-0001",
                "address": "東京都千代田区霞が関1-1",
                "bank_account": {
                    "bank_code": "1234", "branch_code": "567", "account_type": "普通",
                    "account_number": account_number, "account_name_kana": "カ）マルマルシヨウジ"
                }
            }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// An invoice approved with everything a finance import needs.
pub(crate) async fn approved_for_export(
    app: &TestApp,
    city: &City,
    people: &Actors,
    number: &str,
) -> i64 {
    let city_data = json!({ "accounting_unit": "一般会計", "department": "総務課" });
    approved_with(app, city, people, number, city_data).await
}

pub(crate) async fn pull(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app
        .get(
            token,
            &format!("/api/v1/exports/payments?format=json{query}"),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn documents(page: &Value) -> Vec<i64> {
    page["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["held_back"] == false)
        .map(|r| r["document_id"].as_i64().unwrap())
        .collect()
}

/// The finance system pulls approved payments: a repeated pull (after a crash) returns the same records, a
/// second client pulling at once gets none of them, an acknowledged record never comes again, a record with
/// missing city data or another bank account is held back naming the field, a withdrawn approval comes as a
/// cancellation, and a lapsed lease lets another client take the records.
#[rstest]
#[tokio::test]
async fn the_finance_system_pulls_each_approved_payment_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let second = finance_client(&app, &city, "zaimu-2").await;
    register_creditor_a(&app, &city, "3242394").await;
    let first = approved_for_export(&app, &city, &people, "EXP-1").await;
    let other = approved_for_export(&app, &city, &people, "EXP-2").await;

    let page = pull(&app, &people.finance, "").await;
    assert_eq!(documents(&page), [first, other], "{page}");
    let record = &page["records"][0];
    assert_eq!(record["creditor_number"], "C-0001", "{record}");
    assert_eq!(record["bank"]["account_number"], "3242394");
    assert_eq!(record["commitment_number"], "R8-000123");
    assert_eq!(record["payment_due"], "2026-05-01");
    assert_eq!(record["payable_amount"], "289490");
    assert_eq!(record["kind"], "payment");
    let cursor = page["cursor"].as_i64().unwrap();
    // The finance system crashed before importing: the same records again; the other client gets none.
    assert_eq!(
        documents(&pull(&app, &people.finance, "").await),
        [first, other]
    );
    assert!(documents(&pull(&app, &second, "").await).is_empty());
    let acked: Value = app
        .post_json(
            &people.finance,
            "/api/v1/exports/payments/ack",
            &json!({ "cursor": cursor }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(acked["acknowledged"], 2);
    assert!(documents(&pull(&app, &people.finance, "").await).is_empty());

    // Missing city data holds a record back naming the field; the rest flows.
    let id = submit(&app, &city.supplier_a, invoice("EXP-3")).await;
    ok_step(&app, &city.staff, id, "start-inspection", json!({})).await;
    ok_step(&app, &city.staff, id, "inspection", json!({})).await;
    ok_step(
        &app,
        &people.approver,
        id,
        "approval",
        checklist("2026-04-20"),
    )
    .await;
    let page = pull(&app, &people.finance, "").await;
    assert!(documents(&page).is_empty(), "{page}");
    let fields: Vec<&str> = page["held_back"][0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"department"), "{page}");
    let held: Vec<Value> = app
        .get_json(&people.finance, "/api/v1/exports/payments/held-back")
        .await;
    assert_eq!(held[0]["document_id"], id, "{held:?}");
    let acked: Value = app
        .post_json(
            &people.finance,
            "/api/v1/exports/payments/ack",
            &json!({ "cursor": page["cursor"] }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        acked["acknowledged"], 0,
        "a held-back record is not acknowledged"
    );

    // Another bank account on the invoice than the registered one: held back (the classic fraud).
    register_creditor_a(&app, &city, "7654321").await;
    let changed = approved_for_export(&app, &city, &people, "EXP-4").await;
    let page = pull(&app, &people.finance, "").await;
    let bank_problem = page["held_back"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["document_id"] == changed)
        .unwrap_or_else(|| panic!("{page}"));
    assert!(
        bank_problem["problems"].to_string().contains("3242394"),
        "{bank_problem}"
    );
    register_creditor_a(&app, &city, "3242394").await;

    // A withdrawn approval of an exported payment comes as a cancellation.
    let withdrawn = approved_for_export(&app, &city, &people, "EXP-5").await;
    let page = pull(&app, &people.finance, "").await;
    assert!(documents(&page).contains(&withdrawn), "{page}");
    app.post_json(
        &people.finance,
        "/api/v1/exports/payments/ack",
        &json!({ "cursor": page["cursor"] }),
    )
    .await;
    ok_step(
        &app,
        &people.approver,
        withdrawn,
        "approval-withdrawal",
        json!({ "reason": "金額の再確認" }),
    )
    .await;
    let page = pull(&app, &people.finance, "").await;
    let cancellation = page["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["document_id"] == withdrawn)
        .unwrap_or_else(|| panic!("{page}"));
    assert_eq!(cancellation["kind"], "cancellation", "{cancellation}");

    // Unacknowledged records go to another client once the lease has lapsed.
    app.clock.advance(Duration::minutes(11));
    assert!(
        documents(&pull(&app, &second, "").await).contains(&withdrawn),
        "the lapsed lease passes on"
    );
}

/// The CP932 CSV of the export: strictly encoded, a character CP932 cannot hold holds its record back naming
/// record, field and character, and the others are written whole.
#[rstest]
#[tokio::test]
async fn an_unencodable_character_holds_its_record_back_in_the_cp932_export(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    register_creditor_a(&app, &city, "3242394").await;
    let plain = approved_for_export(&app, &city, &people, "SJIS-1").await;
    let unencodable = json!({ "accounting_unit": "一般会計", "department": "𠮷田出張所" });
    approved_with(&app, &city, &people, "SJIS-2", unencodable).await;

    let response = app
        .get(
            &people.finance,
            "/api/v1/exports/payments?format=csv&encoding=cp932",
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let held = response.headers()["cie-held-back"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("Shift_JIS"),
        "{:?}",
        response.headers()
    );
    let bytes = response.bytes().await.unwrap();
    let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!malformed, "the file is CP932 throughout");
    assert!(text.contains("一般会計"), "{text}");
    assert!(text.contains("\r\n"), "CRLF");
    assert!(!text.contains('?'), "nothing replaced");
    assert_eq!(text.lines().count(), 2, "header and the one record: {text}");
    assert!(text.contains(&format!("{plain}")), "{text}");
    let details: Vec<Value> = app
        .get_json(&people.finance, "/api/v1/exports/payments/held-back")
        .await;
    assert_eq!(details.len(), 1, "{details:?}");
    assert_eq!(held, details[0]["sequence"].to_string());
    let problem = details[0]["problems"].to_string();
    assert!(problem.contains("department"), "{problem}");
    assert!(problem.contains("𠮷"), "{problem}");
}

/// The export's format follows `Accept` when the query names none, and a bank account name the kana of
/// bank transfers cannot hold is refused at registration naming the character.
#[rstest]
#[tokio::test]
async fn the_export_follows_accept_and_account_names_are_bank_kana(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let response = app
        .put_json(
            &city.admin,
            &format!("/api/v1/admin/supplier-orgs/{}/creditor", city.org_a),
            &json!({ "bank_account": {
                "bank_code": "1234", "branch_code": "567", "account_type": "普通",
                "account_number": "3242394", "account_name_kana": "丸丸商事"
            }}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains('丸'), "{body}");
    register_creditor_a(&app, &city, "3242394").await;
    approved_for_export(&app, &city, &people, "ACC-1").await;
    let csv = reqwest::Client::new()
        .get(app.url("/api/v1/exports/payments"))
        .bearer_auth(&people.finance)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"),
        "{:?}",
        csv.headers()
    );
    let json = reqwest::Client::new()
        .get(app.url("/api/v1/exports/payments"))
        .bearer_auth(&people.finance)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let page: Value = json.json().await.unwrap();
    assert_eq!(page["records"][0]["invoice_number"], "ACC-1", "{page}");
}
