//! Search as 電子帳簿保存法 requires: transaction date, amount and counterparty, as ranges, in any
//! combination, with kind and status; paginated and sorted.

use cie_tests::{Backend, City, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

fn with_seller(file: &str, seller: &str) -> Vec<u8> {
    String::from_utf8(fixture(file))
        .unwrap()
        .replacen(
            "<cbc:RegistrationName>株式会社 〇〇商事",
            &format!("<cbc:RegistrationName>{seller}"),
            1,
        )
        .into_bytes()
}

/// Six documents: four invoices of supplier A, one of supplier B, and an order filed for B.
async fn ledger(app: &TestApp, city: &City) -> Vec<i64> {
    let uploads: Vec<(&String, Option<i64>, Vec<u8>)> = vec![
        (
            &city.supplier_a,
            None,
            fixture("jp-pint/jp-pint-example.xml"),
        ),
        (
            &city.supplier_a,
            None,
            with_seller("jp-pint/jp-pint-example3-suminv1.xml", "北多摩文具株式会社"),
        ),
        (
            &city.supplier_a,
            None,
            fixture("jp-pint/jp-pint-example7-return-quan-itpr.xml"),
        ),
        (
            &city.supplier_a,
            None,
            fixture("jp-pint/jp-pint-example9-suminv1-and-o.xml"),
        ),
        (
            &city.supplier_b,
            None,
            with_seller("jp-pint-ntr/jp-pint-ntr-example1-minimum.xml", "△△工務店"),
        ),
        (
            &city.staff,
            Some(city.org_b),
            fixture("order/order-example.xml"),
        ),
    ];
    let mut ids = Vec::new();
    for (token, org, bytes) in uploads {
        let response = match org {
            Some(org) => app.submit_for(token, org, bytes).await,
            None => app.submit(token, bytes).await,
        };
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        ids.push(body["id"].as_i64().unwrap());
    }
    ids
}

async fn found(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    let page: Value = app
        .get_json(token, &format!("/api/v1/documents?{query}"))
        .await;
    let items: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(page["total"], items.len(), "{query}: one page holds all");
    assert_eq!(
        page["total_exact"], true,
        "{query}: few matches are counted exactly"
    );
    items
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort();
    ids
}

#[rstest]
#[tokio::test]
async fn date_amount_and_counterparty_combine_in_any_way(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let d = ledger(&app, &city).await;
    let token = &city.staff;
    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("", d.clone()),
        (
            "date_from=2023-10-25&date_to=2023-11-01",
            vec![d[1], d[2], d[3]],
        ),
        ("date_to=2020-12-31", vec![d[5]]),
        (
            "amount_min=250000&amount_max=300000",
            vec![d[0], d[1], d[4]],
        ),
        ("amount_min=-200000&amount_max=0", vec![d[2]]),
        // the order is in Norwegian kroner: the amount range is typed in yen and does not find it
        ("amount_min=6363&amount_max=6363.00", vec![]),
        ("counterparty=%E5%8C%97%E5%A4%9A%E6%91%A9", vec![d[1]]),
        ("counterparty=T1234567890123", vec![d[0], d[1], d[2], d[3]]),
        ("counterparty=medical", vec![d[5]]),
        (
            "date_from=2023-10-24&date_to=2023-10-24&amount_min=280000",
            vec![d[0]],
        ),
        // 商事: d[1] names another seller, but belongs to supplier A, registered as 株式会社 〇〇商事
        (
            "counterparty=%E5%95%86%E4%BA%8B&date_from=2023-11-01",
            vec![d[1], d[3]],
        ),
        (
            "counterparty=%E5%B7%A5%E5%8B%99%E5%BA%97&amount_max=300000&date_from=2023-01-01",
            vec![d[4]],
        ),
        ("kind=order", vec![d[5]]),
        ("kind=invoice&status=received&amount_min=300000", vec![d[3]]),
        ("status=rejected", vec![]),
        ("number=103", vec![d[1], d[3]]),
        ("supplier_org=ORG_B", vec![d[4], d[5]]),
    ];
    for (query, expected) in cases {
        let query = query.replace("ORG_B", &city.org_b.to_string());
        assert_eq!(
            sorted(found(&app, token, &query).await),
            sorted(expected),
            "{query}"
        );
    }
    let as_supplier_b = found(&app, &city.supplier_b, "date_from=2000-01-01").await;
    assert_eq!(
        sorted(as_supplier_b),
        vec![d[4], d[5]],
        "a supplier finds only its own"
    );
}

#[rstest]
#[tokio::test]
async fn results_are_sorted_and_paginated(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let d = ledger(&app, &city).await;

    let by_amount = found(&app, &city.staff, "sort=-amount&kind=invoice").await;
    assert_eq!(
        by_amount,
        vec![d[3], d[1], d[0], d[4], d[2]],
        "ties broken by id, same direction"
    );
    let by_date = found(&app, &city.staff, "sort=issue_date").await;
    assert_eq!(by_date, vec![d[5], d[0], d[4], d[2], d[1], d[3]]);

    let first: Value = app
        .get_json(&city.staff, "/api/v1/documents?sort=-amount&per_page=4")
        .await;
    let second: Value = app
        .get_json(
            &city.staff,
            "/api/v1/documents?sort=-amount&per_page=4&page=2",
        )
        .await;
    assert_eq!(first["total"], 6);
    assert_eq!(first["items"].as_array().unwrap().len(), 4);
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert_eq!(second["page"], 2);
    assert_eq!(
        second["items"][0]["id"], d[2],
        "the credit (negative amount) comes last of the amounts in yen"
    );
    assert_eq!(
        second["items"][1]["id"], d[5],
        "the order in kroner, not searched by amount, after every amount"
    );
}

#[rstest]
#[tokio::test]
async fn malformed_searches_name_the_problem(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    for query in [
        "date_from=2023-13-01",
        "date_from=2023-12-01&date_to=2023-01-01",
        "amount_min=abc",
        "sort=colour",
        "per_page=0",
        "page=0",
        "kind=poem",
        "status=lost",
        "colour=blue",
    ] {
        let response = app
            .get(&city.staff, &format!("/api/v1/documents?{query}"))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "invalid_query", "{query}");
    }
}

#[rstest]
#[tokio::test]
async fn counterparty_search_finds_what_a_person_types(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let d = ledger(&app, &city).await;
    let cases: Vec<(&str, Vec<i64>)> = vec![
        // a space typed inside a name, and the ideographic space
        (
            "counterparty=%E5%8C%97%E5%A4%9A%E6%91%A9%20%E6%96%87%E5%85%B7",
            vec![d[1]],
        ),
        (
            "counterparty=%E5%8C%97%E5%A4%9A%E6%91%A9%E3%80%80%E6%96%87%E5%85%B7",
            vec![d[1]],
        ),
        // the 登録番号 without its T, and in full-width digits
        ("counterparty=1234567890123", vec![d[0], d[1], d[2], d[3]]),
        (
            "counterparty=%EF%BC%B4%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96%EF%BC%97%EF%BC%98%EF%BC%99%EF%BC%90%EF%BC%91%EF%BC%92%EF%BC%93",
            vec![d[0], d[1], d[2], d[3]],
        ),
        // the organisation's registered name (有限会社 △△工務店), which its documents do not carry whole
        (
            "counterparty=%E6%9C%89%E9%99%90%E4%BC%9A%E7%A4%BE%E2%96%B3%E2%96%B3%E5%B7%A5%E5%8B%99%E5%BA%97",
            vec![d[4], d[5]],
        ),
        // nothing matches
        (
            "counterparty=%E5%AD%98%E5%9C%A8%E3%81%97%E3%81%AA%E3%81%84",
            vec![],
        ),
    ];
    for (query, expected) in cases {
        let mut got = found(&app, &city.staff, &format!("{query}&sort=received_at")).await;
        got.sort_unstable();
        let mut expected = expected;
        expected.sort_unstable();
        assert_eq!(got, expected, "{query}");
    }
}

#[rstest]
#[tokio::test]
async fn search_results_and_the_csv_show_where_an_invoice_stands(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let d = ledger(&app, &city).await;
    let started = app
        .post_json(
            &city.staff,
            &format!("/api/v1/invoices/{}/start-inspection", d[0]),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(started.status(), StatusCode::OK);

    let page: Value = app
        .get_json(
            &city.staff,
            "/api/v1/documents?sort=received_at&per_page=10",
        )
        .await;
    let items = page["items"].as_array().unwrap();
    let of = |id: i64| items.iter().find(|i| i["id"] == id).unwrap();
    assert_eq!(of(d[0])["workflow_state"], "under_inspection");
    assert_eq!(of(d[0])["status"], "received", "the intake status is kept");
    assert_eq!(of(d[1])["workflow_state"], "received");
    assert!(
        of(d[5]).get("workflow_state").is_none(),
        "an order has no invoice workflow"
    );

    let csv = app
        .get(&city.staff, "/api/v1/documents/export.csv?sort=received_at")
        .await
        .text()
        .await
        .unwrap();
    let line_of = |id: i64| {
        csv.lines()
            .find(|line| line.starts_with(&format!("{id},")))
            .unwrap()
            .to_owned()
    };
    assert!(line_of(d[0]).contains(",under_inspection,"), "{csv}");
    assert!(line_of(d[5]).contains(",received,"), "{csv}");
}

#[rstest]
#[tokio::test]
async fn the_amount_range_searches_yen_only(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let in_euros = app
        .submit(
            &city.supplier_a,
            fixture("jp-pint/jp-pint-example2-taxacctcur.xml"),
        )
        .await;
    assert_eq!(in_euros.status(), StatusCode::CREATED);
    let euros: Value = in_euros.json().await.unwrap();
    assert_eq!(euros["summary"]["currency"], "EUR");
    assert_eq!(euros["searched_by_amount"], false, "{euros}");

    assert_eq!(
        found(&app, &city.staff, "amount_min=2750&amount_max=2750").await,
        Vec::<i64>::new(),
        "2,750 euros are not 2,750 yen"
    );
    let id = euros["id"].as_i64().unwrap();
    assert_eq!(
        found(&app, &city.staff, "counterparty=T1234567890123").await,
        vec![id],
        "it is found by its other criteria"
    );
    let in_yen: Value = app
        .submit(
            &city.supplier_a,
            fixture("jp-pint/jp-pint-example1-minimum.xml"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(in_yen["searched_by_amount"], true);
}

#[rstest]
#[tokio::test]
async fn csv_cells_cannot_run_formulas(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let name = "=HYPERLINK(\"http://evil.example\",\"請求書\")";
    let sent = String::from_utf8(with_seller("jp-pint/jp-pint-example.xml", name))
        .unwrap()
        .replacen("<cbc:ID>156</cbc:ID>", "<cbc:ID>@SUM(1+1)</cbc:ID>", 1)
        .into_bytes();
    let response = app.submit(&city.supplier_a, sent.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let refund =
        String::from_utf8(fixture("jp-pint/jp-pint-example7-return-quan-itpr.xml")).unwrap();
    assert_eq!(
        app.submit(&city.supplier_a, refund).await.status(),
        StatusCode::CREATED
    );

    let csv = app
        .get(&city.staff, "/api/v1/documents/export.csv?sort=amount")
        .await
        .text()
        .await
        .unwrap();

    assert!(
        csv.contains(",'@SUM(1+1),"),
        "the number is neutralised: {csv}"
    );
    assert!(
        csv.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"請求書\"\")\","),
        "the name is neutralised: {csv}"
    );
    assert!(
        csv.contains(",-110000,"),
        "a negative amount is written as a number: {csv}"
    );
    let original = app
        .get(&city.staff, &format!("/api/v1/documents/{id}/original"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        original.as_ref(),
        sent.as_slice(),
        "the archive keeps what was sent"
    );
    let shown: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{id}"))
        .await;
    assert_eq!(shown["summary"]["supplier"]["name"], name);
}

#[rstest]
#[tokio::test]
async fn every_match_downloads_as_csv_for_a_tax_office_request(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    ledger(&app, &city).await;

    let response = app
        .get(
            &city.staff,
            "/api/v1/documents/export.csv?kind=invoice&sort=amount",
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("\u{feff}id,kind,number,issue_date"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + 5, "{csv}");
    assert!(
        lines[1].contains(",-110000,"),
        "sorted by amount: {}",
        lines[1]
    );
    assert!(csv.contains("北多摩文具株式会社"));
    let own = app
        .get(&city.supplier_b, "/api/v1/documents/export.csv")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        own.lines().count(),
        1 + 2,
        "a supplier downloads only its own: {own}"
    );
}
