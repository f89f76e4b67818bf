//! The tax-office package (`GET /api/v1/exports/audit`): every original of a receipt date range byte for
//! byte, its PDF, `index.csv` and the chain segment, checked offline by `cie-server verify-export`.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use cie_tests::{Backend, PASSWORD, TestApp, fixture, run_server_command};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

const INVOICE: &str = "jp-pint/jp-pint-example.xml";
const MINIMUM: &str = "jp-pint/jp-pint-example1-minimum.xml";
const BROKEN_XML: &[u8] = b"<Invoice><not closed>";

/// Every file of a ZIP, by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().into_owned(), content)
        })
        .collect()
}

/// A ZIP of `files`.
fn rezip(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in files {
        writer
            .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

async fn package(app: &TestApp, token: &str, query: &str) -> BTreeMap<String, Vec<u8>> {
    let response = app
        .get(token, &format!("/api/v1/exports/audit?{query}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    assert_eq!(response.headers()["content-type"], "application/zip");
    unzip(&response.bytes().await.unwrap())
}

/// Runs `cie-server verify-export` on `zip` and returns (success, stdout).
fn verify_export(app: &TestApp, zip: &[u8]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("package.zip");
    std::fs::write(&path, zip).unwrap();
    let output = run_server_command(
        &app.store_url(),
        &app.data_dir,
        &["verify-export", path.to_str().unwrap()],
    );
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn originals(files: &BTreeMap<String, Vec<u8>>) -> Vec<&String> {
    files
        .keys()
        .filter(|name| name.starts_with("originals/"))
        .collect()
}

#[rstest]
#[tokio::test]
async fn the_package_holds_every_original_and_verifies_offline_until_one_byte_changes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let sent = [fixture(INVOICE), fixture(MINIMUM)];
    for bytes in &sent {
        let response = app.submit(&city.supplier_a, bytes.clone()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let rejected = app.submit(&city.supplier_a, BROKEN_XML).await;
    assert!(rejected.status().is_client_error());

    let files = package(&app, &city.admin, "date_from=2026-04-01&date_to=2026-04-01").await;

    let names = originals(&files);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names[0].starts_with("originals/000001-invoice-"),
        "{names:?}"
    );
    assert!(
        names[1].starts_with("originals/000002-invoice-"),
        "{names:?}"
    );
    assert_eq!(names[2], "originals/000003-rejected.bin");
    assert_eq!(files[names[0]], sent[0], "byte for byte");
    assert_eq!(files[names[1]], sent[1], "byte for byte");
    assert_eq!(files[names[2]], BROKEN_XML, "byte for byte");
    let index = String::from_utf8(files["index.csv"].clone()).unwrap();
    let rows: Vec<&str> = index.lines().collect();
    assert_eq!(rows.len(), 4, "{index}");
    assert!(rows[0].starts_with("\u{feff}取引年月日,"), "{index}");
    for name in &names {
        assert!(index.contains(name.as_str()), "{name} in {index}");
    }
    assert!(rows[3].contains("rejected"), "{index}");
    let pdfs: Vec<&String> = files
        .keys()
        .filter(|name| name.starts_with("pdf/") && name.ends_with(".pdf"))
        .collect();
    assert_eq!(pdfs.len(), 2, "{:?}", files.keys());
    for pdf in pdfs {
        assert!(files[pdf].starts_with(b"%PDF"), "{pdf}");
        assert!(index.contains(pdf.as_str()), "{pdf} in {index}");
    }
    let chain: Value = serde_json::from_slice(&files["chain.json"]).unwrap();
    assert_eq!(chain["head"]["seq"], 3);
    assert_eq!(chain["entries"].as_array().unwrap().len(), 3);
    assert_eq!(chain["entries"][2]["outcome"], "rejected");

    let zip = rezip(&files);
    let (ok, out) = verify_export(&app, &zip);
    assert!(ok, "{out}");
    assert!(out.contains("3 originals match"), "{out}");
    assert!(out.contains("chain head at export time (seq 3)"), "{out}");

    let mut tampered = files.clone();
    let target = names[1].clone();
    tampered.get_mut(&target).unwrap()[100] ^= 0x01;
    let (ok, out) = verify_export(&app, &rezip(&tampered));
    assert!(!ok, "{out}");
    assert!(out.contains(&format!("{target} (seq 2)")), "{out}");

    for token in [&city.supplier_a, &city.staff] {
        let refused = app
            .get(
                token,
                "/api/v1/exports/audit?date_from=2026-04-01&date_to=2026-04-01",
            )
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}

#[rstest]
#[tokio::test]
async fn the_range_and_filters_leave_out_what_is_outside_them(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    // 2026-04-01 18:00 JST, then two days later.
    assert_eq!(
        app.submit(&city.supplier_a, fixture(INVOICE))
            .await
            .status(),
        StatusCode::CREATED
    );
    app.submit(&city.supplier_a, BROKEN_XML).await;
    app.clock.advance(chrono::Duration::days(2));
    let supplier = app.token("city-a", "supplier-a", PASSWORD).await;
    let admin = app.token("city-a", "admin", PASSWORD).await;
    assert_eq!(
        app.submit(&supplier, fixture(MINIMUM)).await.status(),
        StatusCode::CREATED
    );

    let first_day = package(&app, &admin, "date_from=2026-04-01&date_to=2026-04-02").await;
    let later = package(&app, &admin, "date_from=2026-04-03&date_to=2026-04-30").await;
    let none = package(&app, &admin, "date_from=2026-03-01&date_to=2026-03-31").await;
    let documents_only = package(
        &app,
        &admin,
        "date_from=2026-04-01&date_to=2026-04-30&amount_min=1",
    )
    .await;

    let first_names = originals(&first_day);
    assert_eq!(first_names.len(), 2, "{first_names:?}");
    assert!(first_names[0].starts_with("originals/000001-"));
    assert_eq!(first_names[1], "originals/000002-rejected.bin");
    let later_names = originals(&later);
    assert_eq!(later_names.len(), 1, "{later_names:?}");
    assert!(later_names[0].starts_with("originals/000003-invoice-"));
    assert!(originals(&none).is_empty());
    let filtered = originals(&documents_only);
    assert_eq!(filtered.len(), 2, "{filtered:?}");
    assert!(
        filtered.iter().all(|name| name.ends_with(".xml")),
        "{filtered:?}"
    );
    for files in [&first_day, &later, &none, &documents_only] {
        let (ok, out) = verify_export(&app, &rezip(files));
        assert!(ok, "{out}");
    }
    let (_, out) = verify_export(&app, &rezip(&later));
    assert!(out.contains("chain head at export time (seq 3)"), "{out}");
    let (_, out) = verify_export(&app, &rezip(&documents_only));
    assert!(
        out.contains("entries 2..=2 are not in the package"),
        "{out}"
    );

    let missing = app.get(&admin, "/api/v1/exports/audit").await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
}
