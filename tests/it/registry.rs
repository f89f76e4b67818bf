//! The NTA registry: bulk files imported with the subcommand, numbers judged as of a date over HTTP.

use cie_tests::{Backend, TestApp, run_server_command};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

fn import(app: &TestApp, file: &str, data_date: &str, full: bool) {
    let output = app.import_registry(file, data_date, full);
    assert!(output.status.success(), "{output:?}");
}

#[rstest]
#[tokio::test]
async fn imported_registry_answers_as_of_a_date_with_its_evidence(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let before: Value = app
        .get_json(&city.staff, "/api/v1/registry/T1234567890123?on=2024-01-01")
        .await;
    assert_eq!(
        before["status"], "no_registry_data",
        "without data nothing is known, not even that a number is missing"
    );
    assert_eq!(before["data_date"], Value::Null, "no registry data yet");

    import(&app, "registry/full-sample.csv", "2026-03-01", true);

    let cases = [
        ("T1234567890123?on=2023-09-30", "not_yet_registered"),
        ("T1234567890123?on=2023-10-01", "registered"),
        ("T3000020132225?on=2025-03-31", "registered"),
        ("T3000020132225?on=2025-04-01", "cancelled"),
        ("T7000012050002?on=2025-07-01", "expired"),
        ("T4011001098993?on=2025-07-01", "not_found"),
    ];
    for (query, status) in cases {
        let answer: Value = app
            .get_json(&city.staff, &format!("/api/v1/registry/{query}"))
            .await;
        assert_eq!(answer["status"], status, "{query}: {answer}");
        assert_eq!(answer["data_date"], "2026-03-01", "{query}");
    }
    let named: Value = app
        .get_json(
            &city.staff,
            "/api/v1/registry/T1234567890123?on=2024-01-01&name=%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE%E3%80%87%E3%80%87%E5%95%86%E4%BA%8B",
        )
        .await;
    assert_eq!(named["name_matches"], true, "{named}");
    assert_eq!(named["registered_name"], "株式会社 〇〇商事");
    let other: Value = app
        .get_json(
            &city.staff,
            "/api/v1/registry/T1234567890123?on=2024-01-01&name=other",
        )
        .await;
    assert_eq!(other["name_matches"], false);
    let history: Value = app
        .get_json(&city.staff, "/api/v1/registry/T7000012050002?on=2024-01-01")
        .await;
    assert_eq!(
        history["registered_name"], "国税庁",
        "history records do not replace the latest"
    );

    import(&app, "registry/diff-sample.csv", "2026-04-02", false);
    let after: Value = app
        .get_json(&city.staff, "/api/v1/registry/T1234567890123?on=2026-04-01")
        .await;
    assert_eq!(after["status"], "cancelled");
    assert_eq!(after["data_date"], "2026-04-02");

    let bad = app.get(&city.staff, "/api/v1/registry/1234567890123").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[rstest]
#[tokio::test]
async fn a_broken_registry_file_is_refused_naming_the_record(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let broken = app.data_dir.join("broken.csv");
    std::fs::create_dir_all(&app.data_dir).unwrap();
    std::fs::write(&broken, "1,T12,01,0,2,1,1,2023-10-01,,,,,,,,,,,x\n").unwrap();
    let output = run_server_command(
        &app.store_url(),
        &app.data_dir,
        &[
            "registry",
            "import",
            broken.to_str().unwrap(),
            "--data-date",
            "2026-03-01",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("record 1") && stderr.contains("T12"),
        "{stderr}"
    );
}

/// An invoice received before the registry data arrived is checked again when it does: the new answer is
/// recorded beside the old one, a number the registry does not list raises its finding, and sending the same
/// bytes again shows the new answer.
#[rstest]
#[tokio::test]
async fn open_invoices_are_checked_again_when_registry_data_arrives(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let listed = cie_tests::fixture("jp-pint/jp-pint-example.xml");
    let unlisted = String::from_utf8(cie_tests::fixture("jp-pint/jp-pint-example1-minimum.xml"))
        .unwrap()
        .replace(
            cie_tests::EXAMPLE_REGISTRATION_NUMBER,
            cie_tests::SUPPLIER_A_REGISTRATION_NUMBER,
        )
        .into_bytes();
    let mut ids = Vec::new();
    for bytes in [&listed, &unlisted] {
        let received: Value = app
            .submit(&city.supplier_a, bytes.clone())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            received["validation"]["registry"]["status"], "no_registry_data",
            "{received}"
        );
        ids.push(received["id"].as_i64().unwrap());
    }

    let waiting: Vec<Value> = app
        .get_json(
            &city.staff,
            "/api/v1/inbox?registry_status=no_registry_data",
        )
        .await;
    assert_eq!(waiting.len(), 2, "{waiting:?}");

    import(&app, "registry/full-sample.csv", "2026-03-01", true);

    // The inbox shows the new answers and filters by them.
    let unregistered: Vec<Value> = app
        .get_json(&city.staff, "/api/v1/inbox?registry_status=not_found")
        .await;
    let unregistered_ids: Vec<i64> = unregistered
        .iter()
        .map(|c| c["document_id"].as_i64().unwrap())
        .collect();
    assert_eq!(unregistered_ids, [ids[1]], "{unregistered:?}");
    assert_eq!(unregistered[0]["problems"]["registry_status"], "not_found");
    let case: Value = app
        .get_json(&city.staff, &format!("/api/v1/invoices/{}", ids[0]))
        .await;
    assert_eq!(case["problems"]["registry_status"], "registered", "{case}");

    let shown: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{}", ids[0]))
        .await;
    assert_eq!(
        shown["validation"]["registry"]["status"], "registered",
        "{shown}"
    );
    assert_eq!(shown["validation"]["registry"]["data_date"], "2026-03-01");
    let shown: Value = app
        .get_json(&city.staff, &format!("/api/v1/documents/{}", ids[1]))
        .await;
    assert_eq!(
        shown["validation"]["registry"]["status"], "not_found",
        "{shown}"
    );
    let ids_found: Vec<&str> = shown["validation"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(ids_found.contains(&"cie-jp-10"), "{ids_found:?}");

    let again = app.submit(&city.supplier_a, unlisted).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(
        again["validation"]["registry"]["data_date"], "2026-03-01",
        "{again}"
    );

    // Imported again with the same data: nothing is stale, nothing is checked again.
    let output = app.import_registry("registry/full-sample.csv", "2026-03-01", true);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("0 open invoices checked again"),
        "{output:?}"
    );
}
