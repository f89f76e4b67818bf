//! Several `cie-server` processes on one database, and stopping one with SIGTERM under load: every
//! acknowledged document is archived byte for byte on one intact hash chain, and nothing half-written is
//! left behind.

use std::sync::Arc;
use std::time::Duration;

use cie_tests::process::{Deployment, ServerProcess};
use cie_tests::{Backend, OPERATOR_KEY, PASSWORD, SUPPLIER_A_REGISTRATION_NUMBER};
use reqwest::{Client, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::workflow::invoice;

const TENANT: &str = "multi-city";

/// A city with a supplier user, set up through `server`: the supplier's token.
pub(crate) async fn city_with_supplier(client: &Client, server: &ServerProcess) -> String {
    let created = client
        .post(server.url("/api/v1/operator/tenants"))
        .bearer_auth(OPERATOR_KEY)
        .json(&json!({ "id": TENANT, "name": "複数市", "admin_username": "admin", "admin_password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let admin = login(client, server, "admin").await;
    let org: Value = client
        .post(server.url("/api/v1/admin/supplier-orgs"))
        .bearer_auth(&admin)
        .json(&json!({ "name": "株式会社 〇〇商事", "registration_number": SUPPLIER_A_REGISTRATION_NUMBER }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user = client
        .post(server.url("/api/v1/admin/users"))
        .bearer_auth(&admin)
        .json(&json!({ "username": "supplier", "password": PASSWORD, "role": "supplier", "supplier_org_id": org["id"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), StatusCode::CREATED);
    login(client, server, "supplier").await
}

async fn login(client: &Client, server: &ServerProcess, username: &str) -> String {
    let body: Value = client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({ "tenant": TENANT, "username": username, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// An acknowledged document: its id, its archive entry and the bytes sent.
#[derive(Debug, Clone)]
pub(crate) struct Acknowledged {
    id: i64,
    archive_seq: i64,
    pub(crate) bytes: Vec<u8>,
}

/// What one submission came to.
pub(crate) enum Sent {
    Acknowledged(Acknowledged),
    /// The server answered with another status.
    Refused(StatusCode, String),
    /// No answer: the connection was refused or closed (the server is stopping).
    NoAnswer,
}

pub(crate) async fn send(client: &Client, base: &str, token: &str, number: &str) -> Sent {
    let bytes = invoice(number);
    let response = client
        .post(format!("{base}/api/v1/documents"))
        .bearer_auth(token)
        .header("content-type", "application/xml")
        .body(bytes.clone())
        .send()
        .await;
    let Ok(response) = response else {
        return Sent::NoAnswer;
    };
    let status = response.status();
    let Ok(text) = response.text().await else {
        return Sent::NoAnswer;
    };
    if status != StatusCode::CREATED {
        return Sent::Refused(status, text);
    }
    let body: Value = serde_json::from_str(&text).unwrap();
    Sent::Acknowledged(Acknowledged {
        id: body["id"].as_i64().unwrap(),
        archive_seq: body["archive_seq"].as_i64().unwrap(),
        bytes,
    })
}

/// Checks that the city's archive holds exactly `acknowledged`, each original byte for byte, on a chain
/// that `verify-archive` finds intact, read through `server`.
pub(crate) async fn archive_holds_exactly(
    client: &Client,
    server: &ServerProcess,
    token: &str,
    acknowledged: &[Acknowledged],
) {
    for document in acknowledged {
        let original = client
            .get(server.url(&format!("/api/v1/documents/{}/original", document.id)))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            original.status(),
            StatusCode::OK,
            "document {}",
            document.id
        );
        assert_eq!(
            original.bytes().await.unwrap().to_vec(),
            document.bytes,
            "the original of document {} is what was sent",
            document.id
        );
    }
    let mut seqs: Vec<i64> = acknowledged.iter().map(|a| a.archive_seq).collect();
    seqs.sort_unstable();
    let expected: Vec<i64> = (1..=acknowledged.len() as i64).collect();
    assert_eq!(
        seqs, expected,
        "one chain: the acknowledged documents are entries 1..n, none twice, none missing, nothing else archived"
    );
}

/// Every line of the log is a JSON object, and each received document is logged inside its request's span:
/// request id, route, city and document.
fn the_log_is_json_with_request_spans(log: &str) {
    let mut received = 0;
    for line in log.lines() {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if entry["fields"]["message"] == "document received" {
            received += 1;
            let span = &entry["span"];
            assert_eq!(span["name"], "request", "{line}");
            assert_eq!(span["route"], "/api/v1/documents", "{line}");
            assert_eq!(span["tenant"], TENANT, "{line}");
            assert_eq!(
                span["request_id"].as_str().map(str::len),
                Some(24),
                "{line}"
            );
            assert!(entry["fields"]["document_id"].as_i64().is_some(), "{line}");
        }
    }
    assert!(received > 0, "documents received are logged:\n{log}");
}

/// `verify-archive` of the city run beside the deployment's servers; fails the test unless it holds.
pub(crate) fn verify_archive(deployment: &Deployment, database: &str, settings: &[(&str, &str)]) {
    let output = deployment.command_on(
        database,
        "verifier",
        settings,
        &["verify-archive", "--tenant", TENANT],
    );
    assert!(
        output.status.success(),
        "verify-archive: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Sends invoices numbered `numbers` one after another to `server`; each must be acknowledged.
pub(crate) async fn send_all(
    client: &Client,
    server: &ServerProcess,
    token: &str,
    numbers: &[&str],
) -> Vec<Acknowledged> {
    let mut acknowledged = Vec::new();
    for number in numbers {
        match send(client, &server.address, token, number).await {
            Sent::Acknowledged(document) => acknowledged.push(document),
            Sent::Refused(status, body) => panic!("{number}: {status} {body}"),
            Sent::NoAnswer => panic!("{number}: no answer"),
        }
    }
    acknowledged
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_database_keep_one_chain_under_concurrent_load(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let deployment = Deployment::new(backend).await;
    let first = deployment.start("first");
    let second = deployment.start("second");
    let client = Client::new();
    let token = city_with_supplier(&client, &first).await;

    let bases = [first.address.clone(), second.address.clone()];
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let (client, token, base) = (client.clone(), token.clone(), bases[worker % 2].clone());
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..25 {
                match send(&client, &base, &token, &format!("MP-{worker}-{n}")).await {
                    Sent::Acknowledged(document) => acknowledged.push(document),
                    Sent::Refused(status, body) => panic!("{base}: {status} {body}"),
                    Sent::NoAnswer => panic!("{base} did not answer"),
                }
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    assert_eq!(acknowledged.len(), 400);
    archive_holds_exactly(&client, &second, &token, &acknowledged).await;
    for server in [&first, &second] {
        the_log_is_json_with_request_spans(&server.log_text());
    }

    for server in [first, second] {
        server.stop();
    }
    verify_archive(&deployment, &deployment.database, &[]);
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_loses_no_acknowledged_document_and_leaves_nothing_half_written(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let deployment = Deployment::new(backend).await;
    let server = deployment.start("server");
    let client = Client::new();
    let token = city_with_supplier(&client, &server).await;

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let (client, token, base) = (client.clone(), token.clone(), server.address.clone());
        let acknowledged = acknowledged.clone();
        tasks.push(tokio::spawn(async move {
            let mut refused = Vec::new();
            for n in 0..10_000 {
                match send(&client, &base, &token, &format!("ST-{worker}-{n}")).await {
                    Sent::Acknowledged(document) => acknowledged.lock().await.push(document),
                    Sent::Refused(status, body) => refused.push(format!("{status} {body}")),
                    Sent::NoAnswer => break,
                }
            }
            refused
        }));
    }
    while acknowledged.lock().await.len() < 100 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before_sigterm = acknowledged.lock().await.len();
    server.terminate();
    let (status, log) = tokio::task::spawn_blocking(move || server.wait(Duration::from_secs(60)))
        .await
        .unwrap();
    assert!(status.success(), "exit {status}:\n{log}");
    assert!(log.contains("shutting down"), "{log}");
    for task in tasks {
        let refused = task.await.unwrap();
        assert!(
            refused.iter().all(|r| r.starts_with("503")),
            "while stopping, a submission is answered or refused as unavailable: {refused:?}"
        );
    }
    let acknowledged = acknowledged.lock().await.clone();
    assert!(
        acknowledged.len() > before_sigterm,
        "the submissions in flight at SIGTERM were finished and answered ({before_sigterm} before, {} in all)",
        acknowledged.len()
    );

    // Started again on the same database: everything acknowledged is there, and nothing else.
    let again = deployment.start("again");
    archive_holds_exactly(&client, &again, &token, &acknowledged).await;
    let submissions: Value = client
        .get(again.url("/api/v1/submissions?per_page=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        submissions["total"].as_i64(),
        Some(acknowledged.len() as i64),
        "the archive holds the acknowledged submissions and nothing else: {submissions}"
    );
    again.stop();
    verify_archive(&deployment, &deployment.database, &[]);
}
