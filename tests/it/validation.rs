//! Validation at intake and as a pre-check: official JP PINT rules, our Japanese-law rules, the city's rules
//! from its file, and the registry, with findings the supplier can read in Japanese and English.

use cie_tests::{Backend, TestApp, fixture, fixture_path, run_server_command};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

// Only the generator of large invoices is used here; its fixture reader expects another crate's layout.
#[allow(dead_code)]
#[path = "../../shared/cie-rules/tests/rules/support/generated.rs"]
mod generated;

fn rule_ids(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_owned())
        .collect()
}

fn finding<'a>(findings: &'a Value, id: &str) -> &'a Value {
    findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == id)
        .unwrap_or_else(|| panic!("{id} in {findings}"))
}

#[rstest]
#[tokio::test]
async fn a_document_with_fatal_findings_is_archived_as_rejected_and_the_supplier_sees_why(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let bytes = fixture("jp-pint-mutants/payable-mismatch.xml");

    let response = app.submit(&city.supplier_a, bytes.clone()).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "document_rejected");
    let fired = finding(&body["findings"], "ibr-co-16");
    assert_eq!(fired["severity"], "fatal");
    assert_eq!(fired["rule_set"], "jp-pint 1.1.3");
    assert!(
        fired["message_ja"].as_str().unwrap().contains("支払"),
        "{fired}"
    );
    assert!(
        fired["message_en"].as_str().unwrap().contains("ibr-co-16"),
        "{fired}"
    );
    assert!(fired["location"]["line"].as_u64().unwrap() > 0, "{fired}");
    assert!(
        fired["location"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/Invoice"),
        "{fired}"
    );

    let seq = body["archive_seq"].as_i64().unwrap();
    let entry: Value = app
        .get_json(&city.supplier_a, &format!("/api/v1/submissions/{seq}"))
        .await;
    assert_eq!(entry["outcome"], "rejected");
    assert_eq!(entry["error_code"], "validation_failed");
    let document: Value = app
        .get_json(
            &city.supplier_a,
            &format!("/api/v1/documents/{}", body["document_id"]),
        )
        .await;
    assert_eq!(document["status"], "rejected");
    assert_eq!(document["validation"]["passed"], false);
    assert!(rule_ids(&document["validation"]["findings"]).contains(&"ibr-co-16".to_owned()));
    let rejected: Value = app
        .get_json(&city.staff, "/api/v1/documents?status=rejected")
        .await;
    assert_eq!(rejected["total"], 1);
    let original = app
        .get(
            &city.staff,
            &format!("/api/v1/documents/{}/original", body["document_id"]),
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(original.as_ref(), bytes.as_slice());
}

#[rstest]
#[tokio::test]
async fn japanese_law_rules_catch_what_the_official_set_misses(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let cases = [
        (
            "jp-pint-mutants/breakdown-not-matching-lines.xml",
            "cie-jp-01",
            "error",
        ),
        (
            "jp-pint-mutants/reduced-rate-aa-10.xml",
            "cie-jp-02",
            "error",
        ),
        ("jp-pint-mutants/tax-scheme-xvaty.xml", "cie-jp-03", "error"),
        ("jp-pint/jp-pint-example.xml", "cie-jp-04", "error"),
        (
            "jp-pint-mutants/tax-exact-half-yen.xml",
            "cie-jp-05",
            "error",
        ),
        (
            "jp-pint-mutants/tax-exact-half-yen.xml",
            "cie-jp-06",
            "error",
        ),
        ("jp-pint-ntr/jp-pint-ntr-example.xml", "cie-jp-07", "info"),
    ];
    for (file, rule, severity) in cases {
        let response = app.submit(&city.supplier_a, fixture(file)).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::OK,
            "{file}: {body}"
        );
        let id = body["id"].clone();
        let document: Value = app
            .get_json(&city.staff, &format!("/api/v1/documents/{id}"))
            .await;
        let fired = finding(&document["validation"]["findings"], rule);
        assert_eq!(fired["severity"], severity, "{file}: {fired}");
        assert_eq!(fired["rule_set"], "cie-jp 1");
        assert!(!fired["message_ja"].as_str().unwrap().is_empty());
    }
    let clean: Value = app
        .submit(
            &city.supplier_b,
            fixture("jp-pint-mutants/reduced-rate-aa-8.xml"),
        )
        .await
        .json()
        .await
        .unwrap();
    let ids = rule_ids(&clean["validation"]["findings"]);
    assert!(
        !ids.iter().any(|id| id == "cie-jp-01" || id == "cie-jp-02"),
        "{ids:?}"
    );
}

#[rstest]
#[tokio::test]
async fn the_precheck_validates_without_archiving(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let post = |bytes: Vec<u8>| app.pre_check(&city.supplier_a, bytes);

    let bad: Value = post(fixture("jp-pint-mutants/payable-mismatch.xml"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bad["accepted"], false);
    assert!(rule_ids(&bad["findings"]).contains(&"ibr-co-16".to_owned()));
    assert_eq!(bad["summary"]["number"], "156");
    let good: Value = post(fixture("jp-pint-ntr/jp-pint-ntr-example.xml"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(good["accepted"], true, "{good}");
    assert!(
        good["rule_sets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "jp-pint-ntr 1.1.3")
    );
    let garbage = post(b"not xml".to_vec()).await;
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    let error: Value = garbage.json().await.unwrap();
    assert_eq!(error["code"], "not_xml");

    let submissions: Value = app.get_json(&city.staff, "/api/v1/submissions").await;
    assert_eq!(submissions["total"], 0, "a pre-check archives nothing");
}

#[rstest]
#[tokio::test]
async fn a_citys_rules_file_applies_to_its_invoices_only(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let other = app.city("city-b").await;
    let rules_dir = app.data_dir.join("city-rules");
    std::fs::create_dir_all(&rules_dir).unwrap();
    std::fs::write(
        rules_dir.join("city-a.toml"),
        "require_buyer_reference = true\nrequire_contact_name = true\nrequire_contact_phone = true\n\
         allowed_payment_means = [\"42\"]\nregistration_number_must_match = true\n",
    )
    .unwrap();
    let invoice = fixture("jp-pint/jp-pint-example1-minimum.xml");
    let invoice_of_a = String::from_utf8(invoice.clone())
        .unwrap()
        .replace(
            cie_tests::EXAMPLE_REGISTRATION_NUMBER,
            cie_tests::SUPPLIER_A_REGISTRATION_NUMBER,
        )
        .into_bytes();

    let from_a: Value = app
        .submit(&city.supplier_a, invoice_of_a)
        .await
        .json()
        .await
        .unwrap();
    let ids = rule_ids(&from_a["validation"]["findings"]);
    for expected in ["cie-city-01", "cie-city-04", "cie-city-05", "cie-city-06"] {
        assert!(ids.contains(&expected.to_owned()), "{expected} in {ids:?}");
    }
    assert!(
        !ids.contains(&"cie-city-07".to_owned()),
        "A's registered number matches: {ids:?}"
    );
    assert_eq!(
        finding(&from_a["validation"]["findings"], "cie-city-01")["severity"],
        "error"
    );

    let from_b: Value = app
        .submit(&city.supplier_b, invoice.clone())
        .await
        .json()
        .await
        .unwrap();
    assert!(rule_ids(&from_b["validation"]["findings"]).contains(&"cie-city-07".to_owned()));

    let elsewhere: Value = app
        .submit(&other.supplier_a, invoice)
        .await
        .json()
        .await
        .unwrap();
    let ids = rule_ids(&elsewhere["validation"]["findings"]);
    assert!(
        !ids.iter().any(|id| id.starts_with("cie-city")),
        "city B has no rules file: {ids:?}"
    );
}

/// A city administrator's typo in the rules file does not stop intake: the invoice is received and checked
/// by every other rule set, with a warning that the city's own rules were not applied; once the file is
/// mended, the city's rules apply again.
#[rstest]
#[tokio::test]
async fn a_broken_city_rules_file_is_reported_and_does_not_stop_intake(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let rules_dir = app.data_dir.join("city-rules");
    std::fs::create_dir_all(&rules_dir).unwrap();
    let rules = rules_dir.join("city-a.toml");
    std::fs::write(&rules, "require_buyer_reference = tru\n").unwrap();
    let invoice = |number: &str| {
        String::from_utf8(fixture("jp-pint/jp-pint-example1-minimum.xml"))
            .unwrap()
            .replacen(
                "<cbc:ID>156</cbc:ID>",
                &format!("<cbc:ID>{number}</cbc:ID>"),
                1,
            )
    };

    let response = app.submit(&city.supplier_a, invoice("RULES-1")).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let warned = finding(&body["validation"]["findings"], "cie-city-00");
    assert_eq!(warned["severity"], "warning");
    assert!(
        warned["message_ja"]
            .as_str()
            .unwrap()
            .contains("独自ルール"),
        "{warned}"
    );
    assert!(
        !warned["message_en"]
            .as_str()
            .unwrap()
            .contains("city-a.toml"),
        "the server's paths are for the administrators: {warned}"
    );

    std::fs::write(&rules, "require_buyer_reference = true\n").unwrap();
    let mended: Value = app
        .submit(&city.supplier_a, invoice("RULES-2"))
        .await
        .json()
        .await
        .unwrap();
    let ids = rule_ids(&mended["validation"]["findings"]);
    assert!(ids.contains(&"cie-city-01".to_owned()), "{ids:?}");
    assert!(!ids.contains(&"cie-city-00".to_owned()), "{ids:?}");
    let submissions: Value = app.get_json(&city.staff, "/api/v1/submissions").await;
    assert_eq!(submissions["total"], 2, "{submissions}");
}

#[rstest]
#[tokio::test]
async fn the_registry_is_consulted_on_the_supply_date_and_recorded(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let file = fixture_path("registry/full-sample.csv");
    let imported = run_server_command(
        &app.store_url(),
        &app.data_dir,
        &[
            "registry",
            "import",
            file.to_str().unwrap(),
            "--data-date",
            "2026-03-01",
            "--full",
        ],
    );
    assert!(imported.status.success(), "{imported:?}");

    let registered: Value = app
        .submit(
            &city.supplier_a,
            fixture("jp-pint/jp-pint-example1-minimum.xml"),
        )
        .await
        .json()
        .await
        .unwrap();
    let validation = &registered["validation"];
    assert_eq!(
        validation["registry"]["status"], "registered",
        "{validation}"
    );
    assert_eq!(
        validation["registry"]["on"], "2023-10-18",
        "judged on the supply date"
    );
    assert_eq!(validation["registry"]["data_date"], "2026-03-01");
    assert_eq!(
        finding(&validation["findings"], "cie-jp-04")["severity"],
        "warning",
        "listed: downgraded"
    );
    let stored: Value = app
        .get_json(
            &city.staff,
            &format!("/api/v1/documents/{}", registered["id"]),
        )
        .await;
    assert_eq!(
        stored["validation"]["registry"]["data_date"], "2026-03-01",
        "the evidence is recorded"
    );

    let unknown = String::from_utf8(fixture("jp-pint/jp-pint-example1-minimum.xml"))
        .unwrap()
        .replace(
            "<cbc:CompanyID>T1234567890123</cbc:CompanyID>",
            "<cbc:CompanyID>T4011001098993</cbc:CompanyID>",
        );
    let response: Value = app
        .submit(&city.supplier_b, unknown)
        .await
        .json()
        .await
        .unwrap();
    let fired = finding(&response["validation"]["findings"], "cie-jp-10");
    assert_eq!(fired["severity"], "error");
    assert!(
        fired["message_ja"].as_str().unwrap().contains("2026-03-01"),
        "{fired}"
    );
}

/// `cie-server validate` on `files`, its findings as JSON lines or as text.
fn validate_files(app: &TestApp, files: &[&std::path::Path], json: bool) -> std::process::Output {
    let mut args = vec!["validate"];
    args.extend(files.iter().map(|file| file.to_str().unwrap()));
    if json {
        args.extend(["--format", "json"]);
    }
    run_server_command(&app.store_url(), &app.data_dir, &args)
}

#[rstest]
#[tokio::test]
async fn the_validate_subcommand_prints_findings_and_exits_1_on_fatal_ones(
    #[values(Backend::Sqlite)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let good = fixture_path("jp-pint-ntr/jp-pint-ntr-example.xml");
    let bad = fixture_path("jp-pint-mutants/payable-mismatch.xml");

    let json_run = validate_files(&app, &[&good, &bad], true);
    assert_eq!(json_run.status.code(), Some(1), "{json_run:?}");
    let stdout = String::from_utf8(json_run.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["accepted"], true);
    assert_eq!(lines[1]["accepted"], false);
    let fired = finding(&lines[1]["findings"], "ibr-co-16");
    for key in [
        "rule_id",
        "severity",
        "location",
        "message_ja",
        "message_en",
    ] {
        assert!(!fired[key].is_null(), "{key} in {fired}");
    }

    let text_run = validate_files(&app, &[&good], false);
    assert_eq!(text_run.status.code(), Some(0), "{text_run:?}");
    assert!(String::from_utf8_lossy(&text_run.stdout).contains("accepted"));

    // A file that is not well-formed: its place and its reason in both languages.
    let broken = app.data_dir.join("broken.xml");
    let example = String::from_utf8(fixture("jp-pint/jp-pint-example.xml")).unwrap();
    std::fs::write(
        &broken,
        example.replacen("2023-10-24</cbc:IssueDate>", "2023-10-24</cbc:IssueDat>", 1),
    )
    .unwrap();
    let broken_run = validate_files(&app, &[&broken], true);
    assert_eq!(broken_run.status.code(), Some(1), "{broken_run:?}");
    let line: Value = serde_json::from_slice(&broken_run.stdout).unwrap();
    let unread = &line["findings"][0];
    assert_eq!(unread["rule_id"], "cie-ubl-not-xml", "{line}");
    assert_eq!(
        unread["location"]["path"], "/Invoice/cbc:IssueDate[1]",
        "{line}"
    );
    assert_eq!(unread["location"]["line"], 11, "{line}");
    let japanese = unread["message_ja"].as_str().unwrap();
    assert!(
        japanese.contains("一致しません") && !japanese.contains("does not match"),
        "{japanese}"
    );
    assert_eq!(
        line["findings"].as_array().unwrap().len(),
        1,
        "nothing else can be read: {line}"
    );
    // In text, a finding before any element is placed by line and column alone.
    let not_xml = app.data_dir.join("not-xml.xml");
    std::fs::write(&not_xml, "not xml").unwrap();
    let text_run = validate_files(&app, &[&not_xml], false);
    assert_eq!(text_run.status.code(), Some(1), "{text_run:?}");
    let text = String::from_utf8_lossy(&text_run.stdout);
    assert!(
        text.contains("REJECTED (1 finding; no rule set could read it)")
            && text.contains("[fatal] cie-ubl-not-xml at 1:1\n"),
        "{text}"
    );

    // A date that cannot be read: refused as at intake, and still checked by every rule set, the reader's
    // finding first under the id the pre-check gives it.
    let bad_date = app.data_dir.join("bad-date.xml");
    std::fs::write(
        &bad_date,
        example.replacen(
            "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
            "<cbc:IssueDate>2023/10/24</cbc:IssueDate>",
            1,
        ),
    )
    .unwrap();
    let date_run = validate_files(&app, &[&bad_date], true);
    assert_eq!(date_run.status.code(), Some(1), "{date_run:?}");
    let line: Value = serde_json::from_slice(&date_run.stdout).unwrap();
    assert_eq!(line["accepted"], false, "{line}");
    let ids = rule_ids(&line["findings"]);
    assert_eq!(ids[0], "cie-ubl-invalid-issue-date", "{line}");
    assert_eq!(
        line["findings"][0]["location"]["path"],
        "/Invoice/cbc:IssueDate[1]"
    );
    assert!(
        ids.contains(&"cie-ubl-datatype".to_owned()) && ids.contains(&"ibr-073".to_owned()),
        "the schema's and the official rule's findings: {ids:?}"
    );
}

#[rstest]
#[tokio::test]
async fn peppol_post_award_documents_are_checked_with_the_official_ids(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let order = String::from_utf8(fixture("order/order-example.xml")).unwrap();

    let good: Value = app
        .submit(&city.supplier_a, order.clone())
        .await
        .json()
        .await
        .unwrap();
    let rule_sets = good["validation"]["rule_sets"].as_array().unwrap();
    assert!(
        rule_sets
            .iter()
            .any(|r| r.as_str().unwrap().starts_with("peppol-t01")),
        "{rule_sets:?}"
    );
    assert_eq!(good["validation"]["passed"], true, "{}", good["validation"]);

    let start = order.find("<cbc:Quantity").unwrap();
    let end = start + order[start..].find("</cbc:Quantity>").unwrap() + "</cbc:Quantity>".len();
    let without_quantity = format!("{}{}", &order[..start], &order[end..])
        .replace("<cbc:ID>34</cbc:ID>", "<cbc:ID>35</cbc:ID>");
    let response = app.submit(&city.supplier_a, without_quantity).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    let fired = finding(&body["findings"], "PEPPOL-T01-B23902");
    assert_eq!(fired["severity"], "fatal");
    assert!(!fired["message_ja"].as_str().unwrap().is_empty());
}

/// Every official JP PINT example, of every profile, passes our own rules without an error: the only
/// `cie-*` error allowed is the examples' dummy 登録番号, whose check digit is wrong (`cie-jp-04`).
#[rstest]
#[tokio::test]
async fn no_cie_rule_reports_an_error_on_an_official_example(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let mut examples: Vec<String> = cie_tests::all_fixtures()
        .into_iter()
        .filter(|f| {
            f.starts_with("jp-pint/")
                || f.starts_with("jp-pint-ntr/")
                || f.starts_with("jp-pint-sb/")
        })
        .collect();
    examples.sort();
    assert!(
        examples.len() >= 17,
        "every profile's examples: {examples:?}"
    );

    let mut false_errors = Vec::new();
    for example in &examples {
        let response = app.pre_check(&city.supplier_b, fixture(example)).await;
        assert_eq!(response.status(), StatusCode::OK, "{example}");
        let verdict: Value = response.json().await.unwrap();
        for finding in verdict["findings"].as_array().unwrap() {
            let id = finding["rule_id"].as_str().unwrap();
            let severity = finding["severity"].as_str().unwrap();
            if id.starts_with("cie-") && matches!(severity, "error" | "fatal") && id != "cie-jp-04"
            {
                false_errors.push(format!(
                    "{example}: {id} ({severity}) at {}: {}",
                    finding["location"]["path"], finding["message_en"]
                ));
            }
        }
    }
    assert!(
        false_errors.is_empty(),
        "our rules report errors on official examples:\n{}",
        false_errors.join("\n")
    );
}

#[rstest]
#[tokio::test]
async fn consistency_rules_find_a_wrong_line_amount_and_flag_placeholder_identifiers(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let example = String::from_utf8(fixture("jp-pint/jp-pint-example.xml")).unwrap();
    let line = example.find("<cac:InvoiceLine>").unwrap();
    let at = line + example[line..].find("<cbc:LineExtensionAmount").unwrap();
    let value = at + example[at..].find('>').unwrap() + 1;
    let end = value + example[value..].find('<').unwrap();
    let stated: f64 = example[value..end].parse().unwrap();
    let wrong = format!("{}{}{}", &example[..value], stated + 7.0, &example[end..]).replacen(
        "<cbc:ID>156</cbc:ID>",
        "<cbc:ID>DOC-1</cbc:ID>",
        1,
    );
    // The line sum no longer meets the totals, which the official rules refuse: the refusal lists ours too.
    let response = app.submit(&city.supplier_a, wrong.into_bytes()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    let fired = finding(&body["findings"], "cie-doc-01");
    assert_eq!(fired["severity"], "error", "{fired}");
    assert_eq!(fired["rule_set"], "cie-doc 1");
    assert!(
        fired["location"]["path"]
            .as_str()
            .unwrap()
            .contains("InvoiceLine"),
        "{fired}"
    );
    assert!(
        fired["message_ja"]
            .as_str()
            .unwrap()
            .contains("明細行の金額")
    );
    // The official example's placeholder 法人番号 get the identifier warning, nothing else of ours.
    let clean: Value = app
        .submit(&city.supplier_b, fixture("jp-pint/jp-pint-example.xml"))
        .await
        .json()
        .await
        .unwrap();
    let ours: Vec<String> = rule_ids(&clean["validation"]["findings"])
        .into_iter()
        .filter(|id| id.starts_with("cie-doc"))
        .collect();
    assert_eq!(ours, ["cie-doc-04"; 3]);
    assert_eq!(
        finding(&clean["validation"]["findings"], "cie-doc-04")["severity"],
        "warning"
    );
}

#[rstest]
#[tokio::test]
async fn a_malformed_issue_date_is_refused_with_what_the_schema_and_the_rules_find(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let example = String::from_utf8(fixture("jp-pint/jp-pint-example.xml")).unwrap();
    for date in ["2023/10/24", "2023-10-24T10:00:00", "2023-13-24"] {
        let bytes = example
            .replacen(
                "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
                &format!("<cbc:IssueDate>{date}</cbc:IssueDate>"),
                1,
            )
            .into_bytes();
        let response = app.submit(&city.supplier_a, bytes).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{date}: {body}");
        assert_eq!(body["code"], "invalid_issue_date", "{date}: {body}");
        assert!(body["archive_seq"].as_i64().is_some(), "archived: {body}");
        assert_eq!(
            body["location"]["path"], "/Invoice/cbc:IssueDate[1]",
            "{body}"
        );
        assert!(body["location"]["line"].as_u64().unwrap() > 1, "{body}");
        assert!(
            body["message_ja"].as_str().unwrap().contains("発行日")
                && body["message_ja"].as_str().unwrap().contains(date),
            "{body}"
        );
        assert!(body["message"].as_str().unwrap().contains("line"), "{body}");
        let ids = rule_ids(&body["findings"]);
        assert!(
            ids.contains(&"cie-ubl-datatype".to_owned()),
            "{date}: the schema's finding is reported: {ids:?}"
        );
        assert!(
            ids.contains(&"ibr-073".to_owned()),
            "{date}: the official rule's finding is reported: {ids:?}"
        );
    }
    // The pre-check says the same without archiving: not accepted, the unreadable date first.
    let bad_date = example.replacen(
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
        "<cbc:IssueDate>2023-13-24</cbc:IssueDate>",
        1,
    );
    let checked: Value = app
        .pre_check(&city.supplier_a, bad_date)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(checked["accepted"], false, "{checked}");
    assert!(checked["summary"].is_null(), "{checked}");
    assert_eq!(
        checked["findings"][0]["rule_id"], "cie-ubl-invalid-issue-date",
        "the id says what could not be read, as the refusal's code does"
    );
    assert_eq!(
        checked["findings"][0]["location"]["path"],
        "/Invoice/cbc:IssueDate[1]"
    );
    assert!(rule_ids(&checked["findings"]).contains(&"ibr-073".to_owned()));

    // The upload page shows the refusal beside the file and what the rules found under it.
    let bad = example.replacen(
        "<cbc:IssueDate>2023-10-24</cbc:IssueDate>",
        "<cbc:IssueDate>2023/10/24</cbc:IssueDate>",
        1,
    );
    let html = refused_on_the_upload_page(&app, &city.tenant, bad).await;
    assert!(
        html.contains("発行日（cbc:IssueDate）「2023/10/24」"),
        "{html}"
    );
    assert!(html.contains("ibr-073"), "{html}");

    // A document that is not XML has nothing for the rules to read: the refusal alone.
    let response = app.submit(&city.supplier_a, b"<Invoice".to_vec()).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_xml");
    assert!(body.get("findings").is_none_or(Value::is_null), "{body}");
    assert!(
        body["message_ja"]
            .as_str()
            .unwrap()
            .contains("正しいXMLではありません"),
        "{body}"
    );
    assert_eq!(body["location"]["line"], 1, "{body}");
}

/// Uploads `xml` on the upload page as supplier A and returns the page, which must refuse it beside the file.
async fn refused_on_the_upload_page(app: &TestApp, tenant: &str, xml: String) -> String {
    let session = crate::web::web_login(app, tenant, "supplier-a", cie_tests::PASSWORD).await;
    let (_, upload_page) = crate::web_forms::page(app, &session, "/upload").await;
    let csrf = crate::web::hidden(&upload_page, "csrf");
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(xml.into_bytes()).file_name("invoice.xml"),
    );
    let page = crate::web::client()
        .post(app.url("/upload"))
        .header(reqwest::header::COOKIE, &session)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"file-error\""), "{html}");
    html
}

/// A document that is not well-formed is refused with the place of its first defect (line, column and the path
/// of the elements open there) and the reason in Japanese and in English, over the API and on the upload page;
/// its bytes are archived all the same.
#[rstest]
#[tokio::test]
async fn a_document_that_is_not_well_formed_is_refused_with_its_place_and_reason_in_both_languages(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let example = String::from_utf8(fixture("jp-pint/jp-pint-example.xml")).unwrap();
    let with_bell = example.replacen("<cbc:ID>2</cbc:ID>", "<cbc:ID>2\u{7}</cbc:ID>", 1);
    let mismatched = example.replacen("2023-10-24</cbc:IssueDate>", "2023-10-24</cbc:IssueDat>", 1);
    let cases = [
        (
            "a control character in the second line's id",
            with_bell.clone(),
            (379, 12),
            "/Invoice/cac:InvoiceLine[2]/cbc:ID[1]",
            ["U+0007", "使えません"],
        ),
        (
            "a misspelt end tag",
            mismatched,
            (11, 27),
            "/Invoice/cbc:IssueDate[1]",
            ["「</cbc:IssueDat>」", "一致しません"],
        ),
    ];
    for (what, bytes, (line, column), path, said) in cases {
        let response = app.submit(&city.supplier_a, bytes.into_bytes()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "not_xml", "{what}: {body}");
        assert!(body["archive_seq"].as_i64().is_some(), "archived: {body}");
        assert_eq!(body["location"]["line"], line, "{what}: {body}");
        assert_eq!(body["location"]["column"], column, "{what}: {body}");
        assert_eq!(body["location"]["path"], path, "{what}: {body}");
        let japanese = body["message_ja"].as_str().unwrap();
        for words in said {
            assert!(japanese.contains(words), "{what}: {japanese}");
        }
        assert!(japanese.contains(path), "{what}: {japanese}");
        for english in ["not allowed", "does not match", "document"] {
            assert!(!japanese.contains(english), "{what}: {japanese}");
        }
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("line {line}, column {column} (in {path})")),
            "{what}: {message}"
        );
    }

    // The pre-check refuses it in the same words, archiving nothing.
    let response = app.pre_check(&city.supplier_a, with_bell.clone()).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let checked: Value = response.json().await.unwrap();
    assert_eq!(checked["code"], "not_xml", "{checked}");
    assert!(checked["archive_seq"].is_null(), "{checked}");
    assert_eq!(
        checked["location"]["path"], "/Invoice/cac:InvoiceLine[2]/cbc:ID[1]",
        "{checked}"
    );
    assert_eq!(checked["location"]["line"], 379, "{checked}");
    let japanese = checked["message_ja"].as_str().unwrap();
    assert!(
        japanese.contains("U+0007") && !japanese.contains("not allowed"),
        "{japanese}"
    );

    // A document without its number is located at the root's start tag.
    let unnumbered = example.replacen("<cbc:ID>156</cbc:ID>", "", 1);
    let body: Value = app
        .submit(&city.supplier_a, unnumbered.into_bytes())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["code"], "missing_document_number", "{body}");
    assert_eq!(body["location"]["path"], "/Invoice", "{body}");
    assert!(body["location"]["line"].as_u64().unwrap() > 1, "{body}");

    // The upload page says the same beside the file.
    let html = refused_on_the_upload_page(&app, &city.tenant, with_bell).await;
    assert!(
        html.contains("379 行 12 文字目（/Invoice/cac:InvoiceLine[2]/cbc:ID[1] の中）"),
        "{html}"
    );
}

/// JP PINT 1.1.2 and 1.1.3 side by side: until the configured switch-over day invoices are judged by 1.1.2,
/// from it by 1.1.3, and each document records the version that judged it. A Bulgarian-lev invoice (a
/// currency 1.1.3 dropped) passes before and is refused after; a Caribbean-guilder one (added in 1.1.3) the
/// other way round.
#[rstest]
#[tokio::test]
async fn jp_pint_versions_switch_on_the_configured_day(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn_with(backend, |config| {
        config.rules.jp_pint_1_1_3_from = chrono::NaiveDate::from_ymd_opt(2026, 4, 2);
    })
    .await;
    let city = app.city("city-a").await;
    let bgn = String::from_utf8(fixture("jp-pint-versions/invoice-currency-bgn.xml")).unwrap();
    let xcg = String::from_utf8(fixture("jp-pint-versions/invoice-currency-xcg.xml")).unwrap();

    let before = app.submit(&city.supplier_a, bgn.clone()).await;
    assert_eq!(before.status(), StatusCode::CREATED);
    let body: Value = before.json().await.unwrap();
    let rule_sets = body["validation"]["rule_sets"].to_string();
    assert!(rule_sets.contains("\"jp-pint 1.1.2\""), "{rule_sets}");
    let refused = app.submit(&city.supplier_a, xcg.clone()).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    let fired = finding(&body["findings"], "ibr-cl-04");
    assert_eq!(fired["rule_set"], "jp-pint 1.1.2");

    // 18:00 Japan time on the 1st: seven hours later it is the 2nd in Japan, the switch-over day.
    app.clock.advance(chrono::Duration::hours(7));
    let renumbered = |xml: &str| xml.replacen("<cbc:ID>", "<cbc:ID>V113-", 1);
    let after = app.submit(&city.supplier_a, renumbered(&xcg)).await;
    assert_eq!(after.status(), StatusCode::CREATED);
    let body: Value = after.json().await.unwrap();
    let id = body["id"].clone();
    let document: Value = app
        .get_json(&city.supplier_a, &format!("/api/v1/documents/{id}"))
        .await;
    let rule_sets = document["validation"]["rule_sets"].to_string();
    assert!(rule_sets.contains("\"jp-pint 1.1.3\""), "{rule_sets}");
    assert!(!rule_sets.contains("1.1.2"), "{rule_sets}");
    let refused = app.submit(&city.supplier_a, renumbered(&bgn)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        finding(&body["findings"], "ibr-cl-04")["rule_set"],
        "jp-pint 1.1.3"
    );
}

/// A large document's official rules are checked in two parts on two threads (`limits.parallel_rules_nodes`):
/// a 600-line invoice and a 250-line order, each with the same defect in an early line and a late one, get
/// every finding once, in document order, exactly as from a server that checks them on one thread.
#[rstest]
#[tokio::test]
async fn a_large_document_checked_in_two_parts_gets_the_one_thread_verdict(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let minimum = String::from_utf8(fixture("jp-pint/jp-pint-example1-minimum.xml")).unwrap();
    let clean_invoice = generated::invoice_with_lines_from(&minimum, 600);
    let mut invoice = clean_invoice.clone();
    for defective in [3, 580] {
        let line = invoice
            .find(&format!("<cbc:ID>{defective}</cbc:ID>"))
            .unwrap();
        let amount = line + invoice[line..].find("currencyID=\"JPY\">250000<").unwrap();
        invoice.replace_range(
            amount..amount + "currencyID=\"JPY\"".len(),
            "currencyID=\"ZZZ\"",
        );
    }
    let order = large_order(250, &[3, 240]);
    for document in [&invoice, &order] {
        let nodes = cie_xpath::Document::parse(document.as_bytes())
            .unwrap()
            .node_count();
        assert!(
            nodes >= cie_server::config::DEFAULT_PARALLEL_RULES_NODES,
            "{nodes} nodes: the document is checked in one part"
        );
    }

    let split = TestApp::spawn(backend).await;
    let one_thread =
        TestApp::spawn_with(backend, |config| config.limits.parallel_rules_nodes = 0).await;
    let mut verdicts = Vec::new();
    for app in [&split, &one_thread] {
        let city = app.city("city-a").await;
        let mut answers = Vec::new();
        for document in [&invoice, &order] {
            let response = app.submit(&city.supplier_a, document.clone()).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body: Value = response.json().await.unwrap();
            answers.push(body["findings"].clone());
        }
        let accepted = app.submit(&city.supplier_b, clean_invoice.clone()).await;
        assert_eq!(accepted.status(), StatusCode::CREATED);
        verdicts.push(answers);
    }
    assert_eq!(verdicts[0], verdicts[1]);

    let found = |findings: &Value, id: &str| -> Vec<String> {
        findings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == id)
            .map(|f| f["location"]["path"].as_str().unwrap().to_owned())
            .collect()
    };
    let invoice_line =
        |n: usize| format!("/Invoice/cac:InvoiceLine[{n}]/cbc:LineExtensionAmount[1]");
    for id in ["ibr-126", "ibr-cl-03"] {
        assert_eq!(
            found(&verdicts[0][0], id),
            [invoice_line(3), invoice_line(580)],
            "{id}"
        );
    }
    assert_eq!(
        found(&verdicts[0][1], "PEPPOL-T01-B23902"),
        [
            "/Order/cac:OrderLine[3]/cac:LineItem[1]",
            "/Order/cac:OrderLine[240]/cac:LineItem[1]"
        ]
    );
}

/// The order example with its first line repeated `lines` times (numbered from 1) and the quantity left out
/// of the lines numbered in `without_quantity`.
fn large_order(lines: usize, without_quantity: &[usize]) -> String {
    let example = String::from_utf8(fixture("order/order-example.xml")).unwrap();
    let start = example.find("<cac:OrderLine>").unwrap();
    let end = example.rfind("</cac:OrderLine>").unwrap() + "</cac:OrderLine>".len();
    let first_end = example.find("</cac:OrderLine>").unwrap() + "</cac:OrderLine>".len();
    let line = &example[start..first_end];
    let quantity = line.find("<cbc:Quantity").unwrap();
    let quantity_end =
        quantity + line[quantity..].find("</cbc:Quantity>").unwrap() + "</cbc:Quantity>".len();
    let mut order = example[..start].to_owned();
    for number in 1..=lines {
        let line = if without_quantity.contains(&number) {
            format!("{}{}", &line[..quantity], &line[quantity_end..])
        } else {
            line.to_owned()
        };
        order.push_str(&line.replacen(
            "<cbc:ID>1</cbc:ID>",
            &format!("<cbc:ID>{number}</cbc:ID>"),
            1,
        ));
        order.push('\n');
    }
    order.push_str(&example[end..]);
    order
}

/// A line whose quantity × price is past the 28 digits exact decimal arithmetic holds, stated against an
/// amount as large of the other sign: the document gets its verdict and is archived (it used to stop intake
/// with an internal error, and the bytes were not kept).
#[rstest]
#[tokio::test]
async fn numbers_past_the_exact_range_are_judged_and_archived(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let minimum = String::from_utf8(fixture("jp-pint/jp-pint-example1-minimum.xml")).unwrap();
    let replace = |xml: String, from: &str, to: &str| {
        assert!(xml.contains(from), "{from}");
        xml.replacen(from, to, 1)
    };
    let mut xml = replace(
        minimum,
        r#"<cbc:InvoicedQuantity unitCode="H87">5</cbc:InvoicedQuantity>"#,
        r#"<cbc:InvoicedQuantity unitCode="H87">1500000000000000000000000</cbc:InvoicedQuantity>"#,
    );
    xml = replace(
        xml,
        r#"<cbc:PriceAmount currencyID="JPY">50000</cbc:PriceAmount>"#,
        r#"<cbc:PriceAmount currencyID="JPY">-50000</cbc:PriceAmount>"#,
    );
    xml = replace(
        xml,
        r#"<cbc:LineExtensionAmount currencyID="JPY">250000</cbc:LineExtensionAmount> <!-- IBT-131"#,
        r#"<cbc:LineExtensionAmount currencyID="JPY">70000000000000000000000000000</cbc:LineExtensionAmount> <!-- IBT-131"#,
    );

    let response = app.submit(&city.supplier_a, xml.into_bytes()).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert!(body["archive_seq"].as_i64().is_some(), "{body}");
    let line = finding(&body["findings"], "cie-doc-01");
    assert_eq!(
        line["location"]["path"],
        "/Invoice/cac:InvoiceLine[1]/cbc:LineExtensionAmount[1]"
    );
    assert!(
        line["message_en"].as_str().unwrap().ends_with(
            "(computed -75000000000000000000000000000, stated 70000000000000000000000000000)"
        ),
        "{line}"
    );
    let submissions: Value = app.get_json(&city.staff, "/api/v1/submissions").await;
    assert_eq!(submissions["total"], 1, "{submissions}");
}
