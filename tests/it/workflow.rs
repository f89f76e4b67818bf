//! The invoice workflow over HTTP: every transition and every refused one, roles and separation of duties,
//! invoice responses the supplier can fetch, the audit log, the payment clock with a return and a corrected
//! resubmission, contract terms, the inbox by deadline and late interest.

use chrono::Duration;
use cie_tests::{Backend, City, PASSWORD, TestApp, fixture, start_of_tests};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

/// The JP PINT example (payable ¥289,490) numbered `number`, delivered on the day the tests' clock starts (the example's own
/// delivery date is in 2023, which would start every inspection period years ago).
pub(crate) fn invoice(number: &str) -> Vec<u8> {
    let xml = String::from_utf8(fixture("jp-pint/jp-pint-example.xml")).unwrap();
    xml.replacen(
        "<cbc:ID>156</cbc:ID>",
        &format!("<cbc:ID>{number}</cbc:ID>"),
        1,
    )
    .replacen(
        "<cbc:ActualDeliveryDate>2023-10-18</cbc:ActualDeliveryDate>",
        "<cbc:ActualDeliveryDate>2026-04-01</cbc:ActualDeliveryDate>",
        1,
    )
    .into_bytes()
}

/// A server whose tokens outlive the months these tests move the clock on.
pub(crate) async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| {
        config.auth.token_ttl_minutes = 24 * 60 * 365;
    })
    .await
}

pub(crate) struct Actors {
    pub(crate) approver: String,
    pub(crate) approver2: String,
    pub(crate) finance: String,
}

pub(crate) async fn actors(app: &TestApp, city: &City) -> Actors {
    app.create_user(&city.admin, "approver", "approver", None)
        .await;
    app.create_user(&city.admin, "approver2", "approver", None)
        .await;
    Actors {
        approver: app.token(&city.tenant, "approver", PASSWORD).await,
        approver2: app.token(&city.tenant, "approver2", PASSWORD).await,
        finance: finance_client(app, city, "zaimu").await,
    }
}

/// A new finance-system client of `city` named `name`, logged in: its token.
pub(crate) async fn finance_client(app: &TestApp, city: &City, name: &str) -> String {
    let credentials: Value = app
        .post_json(
            &city.admin,
            "/api/v1/admin/finance-clients",
            &json!({ "name": name }),
        )
        .await
        .json()
        .await
        .unwrap();
    let session: Value = app
        .login(
            &city.tenant,
            credentials["client_id"].as_str().unwrap(),
            credentials["client_secret"].as_str().unwrap(),
        )
        .await
        .json()
        .await
        .unwrap();
    session["token"].as_str().unwrap().to_owned()
}

pub(crate) async fn submit(app: &TestApp, token: &str, bytes: Vec<u8>) -> i64 {
    let response = app.submit(token, bytes).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

pub(crate) async fn step(
    app: &TestApp,
    token: &str,
    id: i64,
    step: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = app
        .post_json(token, &format!("/api/v1/invoices/{id}/{step}"), &body)
        .await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

pub(crate) async fn ok_step(app: &TestApp, token: &str, id: i64, name: &str, body: Value) -> Value {
    let (status, body) = step(app, token, id, name, body).await;
    assert_eq!(status, StatusCode::OK, "{name}: {body}");
    body
}

pub(crate) fn checklist(payment_date: &str) -> Value {
    json!({
        "rightful_creditor": true,
        "amount_correct": true,
        "performance_confirmed": true,
        "debt_fixed": true,
        "fiscal_year": 2026,
        "budget_item": "01-02-03 需用費 消耗品費",
        "commitment_number": "R8-000123",
        "payment_method": "口座振替",
        "payment_date": payment_date,
        "note": null,
    })
}

pub(crate) fn return_body() -> Value {
    json!({
        "reasons": [
            { "code": "PRI", "text": "単価が契約単価と異なります" },
            { "code": "REF", "text": "支出負担行為番号を記載してください" }
        ],
        "note": "訂正した請求書を再提出してください"
    })
}

#[rstest]
#[tokio::test]
async fn an_invoice_runs_from_receipt_to_payment_with_a_response_and_an_audit_entry_per_step(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let id = submit(&app, &city.supplier_a, invoice("156")).await;

    let received: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(received["state"], "received");
    assert_eq!(
        received["allowed_actions"],
        json!(["start_inspection", "return"])
    );
    assert_eq!(received["clock"]["received_on"], "2026-04-01");
    assert_eq!(received["clock"]["inspection_deadline"], "2026-04-11");
    assert_eq!(received["clock"]["payment_deadline"], "2026-05-01");
    assert_eq!(received["clock"]["days_left"], 30);

    let taken = ok_step(&app, &city.staff, id, "start-inspection", json!({})).await;
    assert_eq!(taken["state"], "under_inspection");
    app.clock.advance(Duration::days(3));
    let inspected = ok_step(
        &app,
        &city.staff,
        id,
        "inspection",
        json!({ "inspected_on": "2026-04-03" }),
    )
    .await;
    assert_eq!(inspected["state"], "inspected");
    assert_eq!(inspected["inspected_on"], "2026-04-03");
    let approved = ok_step(
        &app,
        &people.approver,
        id,
        "approval",
        checklist("2026-04-20"),
    )
    .await;
    assert_eq!(approved["state"], "approved");
    assert_eq!(
        approved["approval"]["checklist"]["commitment_number"],
        "R8-000123"
    );
    let ordered = ok_step(&app, &people.approver, id, "payment-order", json!({})).await;
    assert_eq!(ordered["state"], "payment_ordered");
    assert_eq!(ordered["payment_date"], "2026-04-20");
    app.clock.advance(Duration::days(16));
    let paid = ok_step(
        &app,
        &people.finance,
        id,
        "payment",
        json!({ "paid_on": "2026-04-20" }),
    )
    .await;
    assert_eq!(paid["state"], "paid");
    assert_eq!(paid["clock"]["overdue"], false);
    assert_eq!(paid["clock"]["interest_due"], "0");
    assert_eq!(paid["allowed_actions"], json!([]));

    let codes: Vec<&str> = paid["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["IP", "IP", "AP", "PD", "PD"]);

    let audit: Vec<Value> = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}/audit"))
        .await;
    let moves: Vec<(String, String, String)> = audit
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["before_state"].as_str().unwrap().to_owned(),
                e["after_state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("start_inspection", "received", "under_inspection"),
        ("complete_inspection", "under_inspection", "inspected"),
        ("approve", "inspected", "approved"),
        ("order_payment", "approved", "payment_ordered"),
        ("mark_paid", "payment_ordered", "paid"),
    ];
    assert_eq!(
        moves,
        expected.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    );
    assert_eq!(audit[2]["actor_role"], "approver");
    assert_eq!(audit[4]["actor_role"], "finance");
    assert_eq!(audit[1]["detail"]["change"]["inspected_on"], "2026-04-03");

    // The supplier sees its invoice paid and fetches each response as UBL.
    let mine: Vec<Value> = app.get_json(&city.supplier_a, "/api/v1/invoices").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["state"], "paid");
    let last = paid["responses"][4]["response_document_id"]
        .as_i64()
        .unwrap();
    let xml = app
        .get(
            &city.supplier_a,
            &format!("/api/v1/documents/{last}/original"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains("ApplicationResponse"), "{xml}");
    let checked: Value = app
        .get_json(&city.supplier_a, &format!("/api/v1/documents/{last}"))
        .await;
    assert_eq!(checked["kind"], "invoice_response", "{checked}");
    assert_eq!(checked["validation"]["passed"], true, "{checked}");
    assert!(
        checked["validation"]["rule_sets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("t111")),
        "{checked}"
    );
    assert!(xml.contains(">PD<"), "{xml}");
    assert!(xml.contains(">156<"), "{xml}");
    let other: Vec<Value> = app.get_json(&city.supplier_b, "/api/v1/invoices").await;
    assert!(other.is_empty(), "supplier B sees nothing of A's");
    let hidden = app
        .get(&city.supplier_b, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
}

#[rstest]
#[tokio::test]
async fn moves_the_lifecycle_or_the_roles_do_not_allow_are_refused_with_a_clear_error(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let id = submit(&app, &city.supplier_a, invoice("200")).await;

    let (status, body) = step(
        &app,
        &people.approver,
        id,
        "approval",
        checklist("2026-04-20"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "invalid_transition");
    assert!(
        body["message"].as_str().unwrap().contains("received"),
        "{body}"
    );
    let (status, body) = step(&app, &people.finance, id, "payment", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = step(&app, &city.supplier_a, id, "start-inspection", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = step(&app, &people.finance, id, "start-inspection", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = step(&app, &city.staff, id, "return", json!({ "reasons": [] })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "reasons_required");
    let (status, body) = step(
        &app,
        &city.staff,
        id,
        "return",
        json!({ "reasons": [{ "code": "XYZ", "text": "?" }] }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_reason_code");

    ok_step(&app, &people.approver, id, "start-inspection", json!({})).await;
    let (status, _) = step(&app, &city.staff, id, "start-inspection", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "taken up twice");
    let (status, body) = step(
        &app,
        &city.staff,
        id,
        "inspection",
        json!({ "inspected_on": "2026-03-01" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "before receipt: {body}");
    ok_step(&app, &people.approver, id, "inspection", json!({})).await;

    let (status, _) = step(&app, &city.staff, id, "approval", checklist("2026-04-20")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "staff do not approve");
    let (status, body) = step(
        &app,
        &people.approver,
        id,
        "approval",
        checklist("2026-04-20"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "separation_of_duties");
    let mut incomplete = checklist("2026-04-20");
    incomplete["debt_fixed"] = json!(false);
    let (status, body) = step(&app, &people.approver2, id, "approval", incomplete).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "checklist_incomplete");
    assert!(body["message"].as_str().unwrap().contains("debt_fixed"));
    let mut cash = checklist("2026-04-20");
    cash["payment_method"] = json!("現金書留");
    let (status, body) = step(&app, &people.approver2, id, "approval", cash).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_payment_method");
    ok_step(
        &app,
        &people.approver2,
        id,
        "approval",
        checklist("2026-04-20"),
    )
    .await;
    let (status, _) = step(&app, &city.staff, id, "return", return_body()).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "an approved invoice is not returned"
    );

    // A city that lets one person inspect and approve.
    let settings = app
        .put_json(
            &city.admin,
            "/api/v1/admin/workflow-settings",
            &json!({ "separate_approver": false, "default_contract_kind": "goods" }),
        )
        .await;
    assert_eq!(settings.status(), StatusCode::OK);
    let second = submit(&app, &city.supplier_a, invoice("201")).await;
    ok_step(
        &app,
        &people.approver,
        second,
        "start-inspection",
        json!({}),
    )
    .await;
    ok_step(&app, &people.approver, second, "inspection", json!({})).await;
    ok_step(
        &app,
        &people.approver,
        second,
        "approval",
        checklist("2026-04-20"),
    )
    .await;

    let refusals: Vec<Value> = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}/audit"))
        .await;
    assert_eq!(refusals.len(), 3, "refused moves leave no audit entry");
}

#[rstest]
#[tokio::test]
async fn a_return_pauses_the_clock_until_the_corrected_invoice_arrives_and_links_both(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let first = submit(&app, &city.supplier_a, invoice("300")).await;
    ok_step(&app, &city.staff, first, "start-inspection", json!({})).await;
    app.clock.advance(Duration::days(4));
    let returned = ok_step(&app, &city.staff, first, "return", return_body()).await;
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["returns"][0]["returned_on"], "2026-04-05");
    assert_eq!(returned["returns"][0]["reasons"][0]["code"], "PRI");
    assert_eq!(returned["responses"][1]["status_code"], "RE");

    app.clock.advance(Duration::days(6));
    let waiting: Value = app
        .get_json(&city.supplier_a, &format!("/api/v1/invoices/{first}"))
        .await;
    assert_eq!(waiting["clock"]["paused"], true);
    assert_eq!(waiting["clock"]["paused_days"], 6);
    assert_eq!(waiting["clock"]["payment_deadline"], "2026-05-07");
    assert_eq!(
        waiting["returns"][0]["reasons"][0]["text"],
        "単価が契約単価と異なります"
    );
    let response_id = waiting["responses"][1]["response_document_id"]
        .as_i64()
        .unwrap();
    let response = app
        .get(
            &city.supplier_a,
            &format!("/api/v1/documents/{response_id}/original"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(response.contains(">RE<"), "{response}");
    assert!(
        response.contains("単価が契約単価と異なります"),
        "{response}"
    );

    // The corrected invoice, same number, arrives on 04-15: the clock ran 4 days, stood 10, runs again.
    app.clock.advance(Duration::days(4));
    let corrected_xml =
        String::from_utf8(invoice("300"))
            .unwrap()
            .replacen("Ordered at trade show", "訂正版", 1);
    let corrected = submit(&app, &city.supplier_a, corrected_xml.into_bytes()).await;
    let old: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{first}"))
        .await;
    assert_eq!(old["state"], "superseded");
    assert_eq!(old["superseded_by_document_id"], corrected);
    assert!(old["clock"].is_null());
    let new: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{corrected}"))
        .await;
    assert_eq!(new["state"], "received");
    assert_eq!(new["corrects_document_id"], first);
    assert_eq!(new["chain_root_id"], first);
    assert_eq!(new["returns"][0]["resubmitted_on"], "2026-04-15");
    assert_eq!(new["returns"][0]["resubmitted_document_id"], corrected);
    assert_eq!(new["clock"]["received_on"], "2026-04-01");
    assert_eq!(new["clock"]["paused"], false);
    assert_eq!(new["clock"]["paused_days"], 10);
    assert_eq!(new["clock"]["payment_deadline"], "2026-05-11");
    assert_eq!(new["clock"]["days_left"], 26);

    let audit: Vec<Value> = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{first}/audit"))
        .await;
    let last = audit.last().unwrap();
    assert_eq!(last["action"], "supersede");
    assert_eq!(last["actor_role"], "supplier");
    assert_eq!(last["detail"]["corrected_document_id"], corrected);
}

#[rstest]
#[tokio::test]
async fn the_inbox_lists_by_deadline_and_names_what_is_overdue_with_its_interest(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    // Supplier B works under a works contract (14/40 days); A under the statute for goods (10/30).
    let terms = app
        .put_json(
            &city.admin,
            &format!("/api/v1/admin/supplier-orgs/{}/payment-terms", city.org_b),
            &json!({ "contract_kind": "works" }),
        )
        .await;
    assert_eq!(terms.status(), StatusCode::OK);
    let too_long = app
        .put_json(
            &city.admin,
            &format!("/api/v1/admin/supplier-orgs/{}/payment-terms", city.org_a),
            &json!({ "contract_kind": "goods", "payment_days": 45 }),
        )
        .await;
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    let body: Value = too_long.json().await.unwrap();
    assert_eq!(body["code"], "invalid_terms");

    let works = submit(&app, &city.supplier_b, invoice("W-1")).await;
    app.clock.advance(Duration::days(2));
    let goods = submit(&app, &city.supplier_a, invoice("G-1")).await;

    let inbox: Vec<Value> = app.get_json(&city.staff, "/api/v1/inbox").await;
    let order: Vec<i64> = inbox
        .iter()
        .map(|c| c["document_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        order,
        [goods, works],
        "goods due 05-03 before works due 05-11"
    );
    assert_eq!(inbox[1]["clock"]["contract_kind"], "works");
    assert_eq!(inbox[1]["clock"]["terms_source"], "supplier");
    assert_eq!(inbox[1]["clock"]["payment_deadline"], "2026-05-11");
    assert_eq!(inbox[0]["clock"]["terms_source"], "statutory");

    app.clock.set(start_of_tests() + Duration::days(37));
    let due: Vec<Value> = app
        .get_json(&city.staff, "/api/v1/inbox?due_within_days=2")
        .await;
    let due_ids: Vec<i64> = due
        .iter()
        .map(|c| c["document_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        due_ids,
        [goods],
        "on 05-08 goods is overdue, works due in 3 days"
    );
    let due: Vec<Value> = app
        .get_json(&city.staff, "/api/v1/inbox?due_within_days=3")
        .await;
    assert_eq!(due.len(), 2);
    let refused = app.get(&city.supplier_a, "/api/v1/inbox").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // 05-31: goods (deadline 05-03) is 28 days late: ¥289,490 × 2.5 % × 28 / 365 = ¥555.
    app.clock.set(start_of_tests() + Duration::days(60));
    let overdue: Vec<Value> = app
        .get_json(&city.staff, "/api/v1/inbox?overdue=true")
        .await;
    assert_eq!(overdue.len(), 2);
    let goods_case = overdue.iter().find(|c| c["document_id"] == goods).unwrap();
    assert_eq!(goods_case["clock"]["late_days"], 28);
    assert_eq!(goods_case["clock"]["interest_due"], "555");
    let works_case = overdue.iter().find(|c| c["document_id"] == works).unwrap();
    assert_eq!(works_case["clock"]["late_days"], 20);
    // ¥289,490 × 2.5 % × 20 / 365 = ¥396.5… → ¥396.
    assert_eq!(works_case["clock"]["interest_due"], "396");
}

/// Drives a fresh invoice into `state` over HTTP (a separate invoice number per state).
async fn invoice_in(app: &TestApp, city: &City, people: &Actors, state: &str, tag: &str) -> i64 {
    if state == "rejected" {
        let mut bytes = fixture("jp-pint-mutants/payable-mismatch.xml");
        bytes.extend_from_slice(format!("<!-- {tag} -->").as_bytes());
        let response = app.submit(&city.supplier_a, bytes).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        return body["document_id"].as_i64().unwrap();
    }
    let id = submit(app, &city.supplier_a, invoice(&format!("S-{state}-{tag}"))).await;
    let path: &[(&str, &str)] = match state {
        "received" => &[],
        "under_inspection" => &[("staff", "start-inspection")],
        "returned" | "superseded" => &[("staff", "return")],
        "inspected" => &[("staff", "start-inspection"), ("staff", "inspection")],
        "approved" => &[
            ("staff", "start-inspection"),
            ("staff", "inspection"),
            ("approver", "approval"),
        ],
        "payment_ordered" | "paid" => &[
            ("staff", "start-inspection"),
            ("staff", "inspection"),
            ("approver", "approval"),
            ("approver", "payment-order"),
        ],
        other => panic!("no path to {other}"),
    };
    for (who, name) in path {
        let token = if *who == "staff" {
            &city.staff
        } else {
            &people.approver
        };
        ok_step(app, token, id, name, body_for(name)).await;
    }
    if state == "paid" {
        ok_step(app, &people.finance, id, "payment", json!({})).await;
    }
    if state == "superseded" {
        let corrected = String::from_utf8(invoice(&format!("S-{state}-{tag}")))
            .unwrap()
            .replacen("Ordered at trade show", "corrected", 1);
        submit(app, &city.supplier_a, corrected.into_bytes()).await;
    }
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(case["state"], state);
    id
}

fn body_for(step: &str) -> Value {
    match step {
        "return" => return_body(),
        "approval" => checklist("2026-04-20"),
        "approval-withdrawal" => json!({ "reason": "支出負担行為番号の誤り" }),
        _ => json!({}),
    }
}

#[rstest]
#[tokio::test]
async fn every_step_in_every_state_is_taken_or_refused_as_the_lifecycle_says(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let allowed: &[(&str, &str)] = &[
        ("received", "start-inspection"),
        ("received", "return"),
        ("under_inspection", "return"),
        ("under_inspection", "inspection"),
        ("inspected", "return"),
        ("inspected", "approval"),
        ("approved", "payment-order"),
        ("approved", "approval-withdrawal"),
        ("payment_ordered", "payment"),
    ];
    let states = [
        "received",
        "rejected",
        "under_inspection",
        "returned",
        "superseded",
        "inspected",
        "approved",
        "payment_ordered",
        "paid",
    ];
    let steps = [
        "start-inspection",
        "return",
        "inspection",
        "approval",
        "payment-order",
        "approval-withdrawal",
        "payment",
    ];
    for state in states {
        for name in steps {
            let id = invoice_in(&app, &city, &people, state, name).await;
            // The role that may take the step, so that only the lifecycle decides.
            let token = match name {
                "approval" | "payment-order" | "approval-withdrawal" => &people.approver2,
                "payment" => &people.finance,
                _ => &city.staff,
            };
            let (status, body) = step(&app, token, id, name, body_for(name)).await;
            if allowed.contains(&(state, name)) {
                assert_eq!(status, StatusCode::OK, "{state} {name}: {body}");
            } else {
                assert_eq!(status, StatusCode::CONFLICT, "{state} {name}: {body}");
                assert_eq!(body["code"], "invalid_transition", "{state} {name}");
                let after: Value = app
                    .get_json(&city.staff, &format!("/api/v1/invoices/{id}"))
                    .await;
                assert_eq!(after["state"], state, "a refused step changes nothing");
            }
        }
    }
}

#[rstest]
#[tokio::test]
async fn the_database_refuses_to_change_or_delete_the_audit_log(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let id = submit(&app, &city.supplier_a, invoice("A-1")).await;
    ok_step(&app, &city.staff, id, "start-inspection", json!({})).await;
    for sql in [
        "UPDATE audit_log SET after_state = 'paid'",
        "DELETE FROM audit_log",
    ] {
        let error = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(app.store.raw_pool())
            .await
            .expect_err(sql)
            .to_string();
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    let audit: Vec<Value> = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}/audit"))
        .await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["after_state"], "under_inspection");
}

#[rstest]
#[tokio::test]
async fn terms_for_an_order_override_the_suppliers_terms(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let path = format!("/api/v1/admin/supplier-orgs/{}/payment-terms", city.org_a);
    for body in [
        json!({ "contract_kind": "goods", "inspection_days": 7, "payment_days": 20 }),
        // The JP PINT example names order O-998877.
        json!({ "order_number": "O-998877", "contract_kind": "works" }),
    ] {
        let response = app.put_json(&city.admin, &path, &body).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = app
        .put_json(&city.staff, &path, &json!({ "contract_kind": "goods" }))
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "only admins set terms"
    );
    let terms: Vec<Value> = app.get_json(&city.staff, &path).await;
    assert_eq!(terms.len(), 2);

    let ordered = submit(&app, &city.supplier_a, invoice("T-1")).await;
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{ordered}"))
        .await;
    assert_eq!(case["clock"]["terms_source"], "order");
    assert_eq!(case["clock"]["inspection_deadline"], "2026-04-15");
    assert_eq!(case["clock"]["payment_deadline"], "2026-05-11");

    let other_order = String::from_utf8(invoice("T-2")).unwrap().replacen(
        "<cbc:ID>O-998877</cbc:ID>",
        "<cbc:ID>O-1</cbc:ID>",
        1,
    );
    let unordered = submit(&app, &city.supplier_a, other_order.into_bytes()).await;
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{unordered}"))
        .await;
    assert_eq!(case["clock"]["terms_source"], "supplier");
    assert_eq!(case["clock"]["inspection_deadline"], "2026-04-08");
    assert_eq!(case["clock"]["payment_deadline"], "2026-04-21");
}

/// An invoice staff file without naming its supplier reaches the supplier registered with its 登録番号; one
/// whose number no organisation has is said to belong to none, and staff attach it later, audited, with its
/// invoice responses.
#[rstest]
#[tokio::test]
async fn an_invoice_filed_on_a_suppliers_behalf_reaches_that_supplier(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let of_a = String::from_utf8(invoice("ON-BEHALF-1"))
        .unwrap()
        .replace(
            cie_tests::EXAMPLE_REGISTRATION_NUMBER,
            cie_tests::SUPPLIER_A_REGISTRATION_NUMBER,
        )
        .into_bytes();
    let filed: Value = app.submit(&city.staff, of_a).await.json().await.unwrap();
    assert_eq!(filed["supplier_org_id"], city.org_a, "{filed}");
    let id = filed["id"].as_i64().unwrap();
    let seen = app
        .get(&city.supplier_a, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(seen.status(), StatusCode::OK, "supplier A sees it");

    // The examples' number is registered for no organisation of the city.
    let response = app.submit(&city.staff, invoice("ON-BEHALF-2")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let orphan: Value = response.json().await.unwrap();
    assert_eq!(orphan["supplier_org_id"], Value::Null);
    let finding = orphan["validation"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "cie-intake-01")
        .unwrap_or_else(|| panic!("the response says it belongs to none: {orphan}"));
    assert!(
        finding["message_en"]
            .as_str()
            .unwrap()
            .contains("supplier-org")
    );
    let id = orphan["id"].as_i64().unwrap();
    ok_step(&app, &city.staff, id, "start-inspection", json!({})).await;
    let hidden = app
        .get(&city.supplier_a, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);

    let assigned = app
        .post_json(
            &city.staff,
            &format!("/api/v1/documents/{id}/supplier-org"),
            &json!({ "supplier_org_id": city.org_a }),
        )
        .await;
    assert_eq!(assigned.status(), StatusCode::OK);
    let case: Value = app
        .get_json(&city.supplier_a, &format!("/api/v1/invoices/{id}"))
        .await;
    let response_id = case["responses"][0]["response_document_id"]
        .as_i64()
        .unwrap();
    let response = app
        .get(
            &city.supplier_a,
            &format!("/api/v1/documents/{response_id}/original"),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "its invoice response too"
    );
    let audit: Vec<Value> = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}/audit"))
        .await;
    assert!(
        audit.iter().any(|e| e["action"] == "assign_supplier_org"),
        "{audit:?}"
    );

    let again = app
        .post_json(
            &city.staff,
            &format!("/api/v1/documents/{id}/supplier-org"),
            &json!({ "supplier_org_id": city.org_b }),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "attached once");
    let by_supplier = app
        .post_json(
            &city.supplier_b,
            &format!("/api/v1/documents/{}/supplier-org", filed["id"]),
            &json!({ "supplier_org_id": city.org_b }),
        )
        .await;
    assert_eq!(by_supplier.status(), StatusCode::FORBIDDEN);
}

/// Terms are those in force when an invoice's clock started: changing a supplier's terms later leaves the
/// invoices already received (paid ones included) as they were, and governs the next ones.
#[rstest]
#[tokio::test]
async fn the_terms_in_force_when_an_invoice_arrived_govern_it(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let path = format!("/api/v1/admin/supplier-orgs/{}/payment-terms", city.org_a);
    let set = |body: Value| {
        let app = &app;
        let path = path.clone();
        let admin = city.admin.clone();
        async move {
            let response = app.put_json(&admin, &path, &body).await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    };
    // The example names an order; no terms are agreed for it, so the supplier's apply.
    set(json!({ "contract_kind": "goods", "inspection_days": 7, "payment_days": 20 })).await;
    let earlier = submit(&app, &city.supplier_a, invoice("TERMS-1")).await;

    set(json!({ "contract_kind": "goods", "inspection_days": 10, "payment_days": 30 })).await;
    let later = submit(&app, &city.supplier_a, invoice("TERMS-2")).await;

    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{earlier}"))
        .await;
    assert_eq!(case["clock"]["terms_source"], "supplier");
    assert_eq!(case["clock"]["terms"]["inspection_days"], 7, "{case}");
    assert_eq!(case["clock"]["terms"]["payment_days"], 20);
    assert_eq!(case["clock"]["payment_deadline"], "2026-04-21");
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{later}"))
        .await;
    assert_eq!(case["clock"]["terms"]["payment_days"], 30, "{case}");
    assert_eq!(case["clock"]["payment_deadline"], "2026-05-01");
}

/// The inspection period runs from the notice of delivery (art. 5): the delivery note the invoice refers
/// to, else the delivery date it states; a return pauses the payment period only (art. 6(2)). Both clocks
/// are shown.
#[rstest]
#[tokio::test]
async fn inspection_runs_from_the_delivery_note_and_a_return_pauses_only_payment(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    // The example invoice refers to delivery note despadv-3; supplier A sent it dated 2026-03-28.
    let note = String::from_utf8(fixture("despatch/despatch-advice-example.xml"))
        .unwrap()
        .replacen("<cbc:ID>565899</cbc:ID>", "<cbc:ID>despadv-3</cbc:ID>", 1)
        .replacen(
            "<cbc:IssueDate>2018-09-20</cbc:IssueDate>",
            "<cbc:IssueDate>2026-03-28</cbc:IssueDate>",
            1,
        );
    submit(&app, &city.supplier_a, note.into_bytes()).await;
    let id = submit(&app, &city.supplier_a, invoice("INSP-1")).await;

    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(case["clock"]["inspection_basis"], "delivery_note", "{case}");
    assert_eq!(case["clock"]["inspection_from"], "2026-03-28");
    assert_eq!(case["clock"]["inspection_deadline"], "2026-04-07");
    assert_eq!(case["clock"]["received_on"], "2026-04-01");
    assert_eq!(case["clock"]["payment_deadline"], "2026-05-01");

    // Returned on 04-03, corrected on 04-06: the payment period stands 3 days, the inspection period not.
    ok_step(&app, &city.staff, id, "start-inspection", json!({})).await;
    app.clock.advance(Duration::days(2));
    ok_step(&app, &city.staff, id, "return", return_body()).await;
    app.clock.advance(Duration::days(3));
    let corrected = String::from_utf8(invoice("INSP-1")).unwrap().replacen(
        "Ordered at trade show",
        "訂正版",
        1,
    );
    let corrected = submit(&app, &city.supplier_a, corrected.into_bytes()).await;
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{corrected}"))
        .await;
    assert_eq!(case["clock"]["paused_days"], 3, "{case}");
    assert_eq!(
        case["clock"]["inspection_deadline"], "2026-04-07",
        "not paused"
    );
    assert_eq!(case["clock"]["payment_deadline"], "2026-05-04", "paused");
    assert_eq!(
        case["clock"]["inspection_basis"], "delivery_note",
        "the chain's delivery"
    );

    // Without a delivery note, the delivery date the invoice states.
    let stated = String::from_utf8(invoice("INSP-2"))
        .unwrap()
        .replacen("despadv-3", "despadv-none", 1)
        .replacen(
            "<cbc:ActualDeliveryDate>2026-04-01</cbc:ActualDeliveryDate>",
            "<cbc:ActualDeliveryDate>2026-04-04</cbc:ActualDeliveryDate>",
            1,
        );
    let id = submit(&app, &city.supplier_a, stated.into_bytes()).await;
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(case["clock"]["inspection_basis"], "delivery_date", "{case}");
    assert_eq!(case["clock"]["inspection_from"], "2026-04-04");
}

/// Payment dates are controlled: one before receipt or in the past is refused; one past the legal deadline
/// only with an acknowledgement and a reason, which the audit log keeps; the late interest it costs is shown
/// on the approval, recorded on the payment order and told to the supplier in the invoice responses; a
/// payment order's new date is not a silent change; a payment cannot precede its order.
#[rstest]
#[tokio::test]
async fn a_late_payment_date_needs_a_reason_and_its_interest_is_owed_and_told(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    // ¥289,490 received 2026-04-01: pay by 2026-05-01.
    let id = submit(&app, &city.supplier_a, invoice("LATE-1")).await;
    ok_step(&app, &city.staff, id, "start-inspection", json!({})).await;
    app.clock.advance(Duration::days(3));
    ok_step(&app, &city.staff, id, "inspection", json!({})).await;

    for (date, code, words) in [
        (
            "2026-03-31",
            "invalid_date",
            "before the invoice was received",
        ),
        ("2026-04-02", "invalid_date", "in the past"),
        ("2031-04-01", "invalid_date", "more than a year ahead"),
        ("2026-05-31", "late_payment_unacknowledged", "2026-05-01"),
    ] {
        let (status, body) = step(&app, &people.approver, id, "approval", checklist(date)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{date}: {body}");
        assert_eq!(body["code"], code, "{date}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(words),
            "{date}: {body}"
        );
    }
    // 289,490 × 2.5 % × 30 / 365 = 594.8 → ¥594.
    let (_, unacknowledged) = step(
        &app,
        &people.approver,
        id,
        "approval",
        checklist("2026-05-31"),
    )
    .await;
    assert!(
        unacknowledged["message"].as_str().unwrap().contains("¥594"),
        "{unacknowledged}"
    );
    let mut without_reason = checklist("2026-05-31");
    without_reason["acknowledge_late_payment"] = json!(true);
    let (status, body) = step(&app, &people.approver, id, "approval", without_reason).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "late_payment_reason_required");
    let still: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}"))
        .await;
    assert_eq!(still["state"], "inspected", "refusals change nothing");

    let mut acknowledged = checklist("2026-05-31");
    acknowledged["acknowledge_late_payment"] = json!(true);
    acknowledged["late_payment_reason"] = json!("補正予算の議決待ち");
    let approved = ok_step(&app, &people.approver, id, "approval", acknowledged).await;
    assert_eq!(
        approved["clock"]["planned"],
        json!({ "payment_date": "2026-05-31", "late_days": 30, "interest": "594" })
    );
    let audit: Vec<Value> = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}/audit"))
        .await;
    let approval = audit.iter().find(|e| e["action"] == "approve").unwrap();
    assert_eq!(
        approval["detail"]["late_payment"]["late_reason"],
        "補正予算の議決待ち"
    );
    assert_eq!(approval["detail"]["late_payment"]["interest"], "594");
    let response_text = |body: &Value, index: usize| {
        let id = body["responses"][index]["response_document_id"]
            .as_i64()
            .unwrap();
        let app = &app;
        let token = city.supplier_a.clone();
        async move {
            app.get(&token, &format!("/api/v1/documents/{id}/original"))
                .await
                .text()
                .await
                .unwrap()
        }
    };
    let ap = response_text(&approved, 2).await;
    assert!(ap.contains("遅延利息 594 円"), "{ap}");

    // The payment order: not before receipt; a new date is late too, so acknowledged again.
    let (status, body) = step(
        &app,
        &people.approver,
        id,
        "payment-order",
        json!({ "payment_date": "2026-03-30" }),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_date")),
        "{body}"
    );
    let (status, body) = step(
        &app,
        &people.approver,
        id,
        "payment-order",
        json!({ "payment_date": "2026-05-20" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "late_payment_unacknowledged");
    let ordered = ok_step(
        &app,
        &people.approver,
        id,
        "payment-order",
        json!({
            "payment_date": "2026-05-20",
            "acknowledge_late_payment": true,
            "late_payment_reason": "議決後の最初の支払日",
        }),
    )
    .await;
    // 289,490 × 2.5 % × 19 / 365 = 376.7 → ¥376.
    assert_eq!(ordered["payment_date"], "2026-05-20");
    assert_eq!(ordered["interest_owed"], "376", "{ordered}");
    assert_eq!(ordered["clock"]["planned"]["interest"], "376");
    let audit: Vec<Value> = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{id}/audit"))
        .await;
    let order = audit
        .iter()
        .find(|e| e["action"] == "order_payment")
        .unwrap();
    assert_eq!(
        order["detail"]["approved_payment_date"], "2026-05-31",
        "{order}"
    );
    assert_eq!(order["detail"]["change"]["interest_yen"], 376);
    let pd = response_text(&ordered, 3).await;
    assert!(pd.contains("遅延利息 376 円"), "{pd}");
    assert!(pd.contains("2026-05-20"), "{pd}");

    // Paid: not before the order (made 2026-04-04), not in the future; the interest as paid.
    app.clock.advance(Duration::days(46));
    for paid_on in ["2026-04-03", "2026-05-21"] {
        let (status, body) = step(
            &app,
            &people.finance,
            id,
            "payment",
            json!({ "paid_on": paid_on }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{paid_on}: {body}");
        assert_eq!(body["code"], "invalid_date");
    }
    let paid = ok_step(
        &app,
        &people.finance,
        id,
        "payment",
        json!({ "paid_on": "2026-05-20" }),
    )
    .await;
    assert_eq!(paid["interest_owed"], "376");
    assert_eq!(paid["clock"]["interest_due"], "376");
    assert_eq!(paid["clock"]["planned"], Value::Null);
    let settled = response_text(&paid, 4).await;
    assert!(settled.contains("遅延利息 376 円"), "{settled}");
    assert!(settled.contains("お支払いしました"), "{settled}");
}
