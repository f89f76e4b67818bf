//! Deadlines stored on each invoice's case: the inbox's order and its overdue and due-soon filters, read
//! from the stored columns, agree with the clock every invoice shows through every step that moves it
//! (return, correction, late inspection, payment), cases recorded before the columns existed get them
//! when the server starts, and the inbox page lists the nearest deadlines first with more on request.

use chrono::Duration;
use cie_tests::{Backend, TestApp, start_of_tests};
use rstest::rstest;
use serde_json::{Value, json};

use crate::web::web_login;
use crate::web_forms::page;
use crate::workflow::{actors, checklist, invoice, ok_step, return_body, spawn, submit};

fn ids(cases: &[Value]) -> Vec<i64> {
    cases
        .iter()
        .map(|c| c["document_id"].as_i64().unwrap())
        .collect()
}

/// Checks that the inbox is sorted by the deadline each invoice shows (running clocks first, returned
/// invoices after them) and that its filters and the invoice list's pick exactly the invoices whose
/// clock says so; returns the inbox's order.
async fn inbox_agrees_with_the_clocks(app: &TestApp, staff: &str) -> Vec<i64> {
    let inbox: Vec<Value> = app.get_json(staff, "/api/v1/inbox").await;
    let key = |c: &Value| {
        (
            c["clock"]["paused"].as_bool().unwrap(),
            c["clock"]["payment_deadline"].as_str().unwrap().to_owned(),
            c["document_id"].as_i64().unwrap(),
        )
    };
    let keys: Vec<_> = inbox.iter().map(key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "the inbox is in deadline order");

    let overdue: Vec<Value> = app.get_json(staff, "/api/v1/inbox?overdue=true").await;
    let expected: Vec<Value> = inbox
        .iter()
        .filter(|c| c["clock"]["overdue"] == true)
        .cloned()
        .collect();
    assert_eq!(ids(&overdue), ids(&expected), "overdue as the clocks say");
    for within in [0, 7, 10, 30] {
        let due: Vec<Value> = app
            .get_json(staff, &format!("/api/v1/inbox?due_within_days={within}"))
            .await;
        let expected: Vec<Value> = inbox
            .iter()
            .filter(|c| c["clock"]["days_left"].as_i64().unwrap() <= within)
            .cloned()
            .collect();
        assert_eq!(ids(&due), ids(&expected), "due within {within} days");
    }

    let all: Vec<Value> = app.get_json(staff, "/api/v1/invoices").await;
    let late: Vec<Value> = app.get_json(staff, "/api/v1/invoices?overdue=true").await;
    let expected: Vec<Value> = all
        .iter()
        .filter(|c| c["clock"]["overdue"] == true)
        .cloned()
        .collect();
    assert_eq!(ids(&late), ids(&expected), "invoices overdue or paid late");
    ids(&inbox)
}

#[rstest]
#[tokio::test]
async fn the_inbox_order_and_filters_follow_the_clock_through_every_step(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let people = actors(&app, &city).await;
    let staff = city.staff.clone();

    // 04-01: A and P (due 05-01); P is approved for 04-20.
    let a = submit(&app, &city.supplier_a, invoice("D-A")).await;
    let p = submit(&app, &city.supplier_a, invoice("D-P")).await;
    ok_step(&app, &staff, p, "start-inspection", json!({})).await;
    ok_step(&app, &staff, p, "inspection", json!({})).await;
    ok_step(
        &app,
        &people.approver,
        p,
        "approval",
        checklist("2026-04-20"),
    )
    .await;
    // 04-03: B (due 05-03). 04-04: C (due 05-04); A is returned with 27 days left.
    app.clock.advance(Duration::days(2));
    let b = submit(&app, &city.supplier_b, invoice("D-B")).await;
    app.clock.advance(Duration::days(1));
    let c = submit(&app, &city.supplier_a, invoice("D-C")).await;
    ok_step(&app, &staff, c, "start-inspection", json!({})).await;
    ok_step(&app, &staff, a, "start-inspection", json!({})).await;
    ok_step(&app, &staff, a, "return", return_body()).await;
    assert_eq!(
        inbox_agrees_with_the_clocks(&app, &staff).await,
        [p, b, c, a]
    );

    // 04-20: C's inspection, due by 04-11 (ten days from the delivery date it states), is nine days late:
    // its payment deadline moves from 05-04 to 04-25.
    app.clock.set(start_of_tests() + Duration::days(19));
    let inspected = ok_step(&app, &staff, c, "inspection", json!({})).await;
    assert_eq!(inspected["clock"]["payment_deadline"], "2026-04-25");
    let paused: Value = app.get_json(&staff, &format!("/api/v1/invoices/{a}")).await;
    assert_eq!(
        paused["clock"]["days_left"], 27,
        "a returned invoice's days stand still"
    );
    assert_eq!(
        inbox_agrees_with_the_clocks(&app, &staff).await,
        [c, p, b, a]
    );
    let soon: Vec<Value> = app
        .get_json(&staff, "/api/v1/inbox?due_within_days=10")
        .await;
    assert_eq!(ids(&soon), [c]);

    // The correction of A arrives on 04-20: sixteen days paused, due 05-17.
    let corrected =
        String::from_utf8(invoice("D-A"))
            .unwrap()
            .replacen("Ordered at trade show", "訂正版", 1);
    let a2 = submit(&app, &city.supplier_a, corrected.into_bytes()).await;
    let case: Value = app
        .get_json(&staff, &format!("/api/v1/invoices/{a2}"))
        .await;
    assert_eq!(case["clock"]["payment_deadline"], "2026-05-17");
    assert_eq!(
        inbox_agrees_with_the_clocks(&app, &staff).await,
        [c, p, b, a2]
    );

    // 05-05: P, ordered for 04-20, is paid four days late; C and B are overdue.
    ok_step(&app, &people.approver, p, "payment-order", json!({})).await;
    app.clock.set(start_of_tests() + Duration::days(34));
    ok_step(&app, &people.finance, p, "payment", json!({})).await;
    assert_eq!(inbox_agrees_with_the_clocks(&app, &staff).await, [c, b, a2]);
    let overdue: Vec<Value> = app.get_json(&staff, "/api/v1/inbox?overdue=true").await;
    assert_eq!(ids(&overdue), [c, b]);
    let late: Vec<Value> = app.get_json(&staff, "/api/v1/invoices?overdue=true").await;
    assert_eq!(
        ids(&late),
        [c, b, p],
        "newest first, the late payment included"
    );
    let paid: Vec<Value> = app.get_json(&staff, "/api/v1/inbox?state=paid").await;
    assert_eq!(ids(&paid), [p]);
    let mine: Vec<Value> = app
        .get_json(&city.supplier_a, "/api/v1/invoices?overdue=true")
        .await;
    assert_eq!(ids(&mine), [c, p], "a supplier's own only");
}

#[rstest]
#[tokio::test]
async fn cases_recorded_before_deadlines_were_stored_get_them_at_start(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let first = submit(&app, &city.supplier_a, invoice("OLD-1")).await;
    app.clock.advance(Duration::days(3));
    let second = submit(&app, &city.supplier_b, invoice("OLD-2")).await;
    ok_step(&app, &city.staff, second, "start-inspection", json!({})).await;
    ok_step(&app, &city.staff, second, "return", return_body()).await;
    let before = inbox_agrees_with_the_clocks(&app, &city.staff).await;
    assert_eq!(before, [first, second]);

    // As a database migrated from before: no stored deadlines, and one case without recorded terms.
    sqlx::raw_sql(
        "UPDATE invoice_cases SET payment_deadline = NULL, open_deadline = NULL, paused_days_left = NULL;
         UPDATE invoice_cases SET contract_kind = NULL, inspection_days = NULL, payment_days = NULL,
             terms_source = NULL
         WHERE document_id = (SELECT MIN(document_id) FROM invoice_cases)",
    )
    .execute(app.store.raw_pool())
    .await
    .unwrap();
    let unsorted: Vec<Value> = app.get_json(&city.staff, "/api/v1/inbox").await;
    assert!(
        !ids(&unsorted).contains(&first),
        "the inbox reads stored deadlines"
    );

    let output = app.run_command(&["migrate"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        inbox_agrees_with_the_clocks(&app, &city.staff).await,
        before
    );
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{first}"))
        .await;
    assert_eq!(case["clock"]["payment_deadline"], "2026-05-01");
    assert_eq!(case["clock"]["terms_source"], "statutory");
}

#[rstest]
#[tokio::test]
async fn the_inbox_page_lists_the_nearest_deadlines_first_and_more_on_request(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = spawn(backend).await;
    let city = app.city("city-a").await;
    let mut numbers = Vec::new();
    for day in 0..3 {
        let number = format!("PAGE-{day}");
        submit(&app, &city.supplier_a, invoice(&number)).await;
        numbers.push(number);
        app.clock.advance(Duration::days(1));
    }
    let staff = web_login(&app, &city.tenant, "staff", cie_tests::PASSWORD).await;
    let (status, first_two) = page(&app, &staff, "/inbox?rows=2").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(
        first_two.contains("支払期限の近い 2 件（続きがあります）"),
        "{first_two}"
    );
    let first = first_two
        .find("PAGE-0")
        .expect("the nearest deadline is listed");
    let second = first_two.find("PAGE-1").expect("the next one too");
    assert!(first < second, "nearest first");
    assert!(!first_two.contains("PAGE-2"));
    assert!(
        first_two.contains("href=\"/inbox?rows=202\""),
        "{first_two}"
    );

    let (_, all) = page(&app, &staff, "/inbox?rows=202").await;
    assert!(numbers.iter().all(|n| all.contains(n.as_str())));
    assert!(all.contains("処理中の請求書 3 件"), "{all}");
    assert!(!all.contains("rows="), "no more to show");

    // 05-03: the first two are overdue; the filter keeps itself in the "more" link, and an unknown one shows all.
    app.clock.set(start_of_tests() + Duration::days(32));
    let staff = web_login(&app, &city.tenant, "staff", cie_tests::PASSWORD).await;
    let (_, overdue) = page(&app, &staff, "/inbox?show=overdue&rows=1").await;
    assert!(
        overdue.contains("PAGE-0") && !overdue.contains("PAGE-1"),
        "{overdue}"
    );
    assert!(
        overdue.contains("href=\"/inbox?show=overdue&amp;rows=201\""),
        "{overdue}"
    );
    let (_, unknown) = page(&app, &staff, "/inbox?show=%22%3E%3Cscript%3E&rows=1").await;
    assert!(unknown.contains("href=\"/inbox?rows=201\""), "{unknown}");
}
