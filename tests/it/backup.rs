//! Backup and restore as an operator runs them beside a live server: `cie-server backup` while documents
//! arrive, `cie-server restore` into a fresh database that then serves every original byte for byte with
//! an intact chain, and a backup that lacks the newest entries caught against the last signed checkpoint.

use cie_tests::process::Deployment;
use cie_tests::{Backend, server_binary};
use reqwest::Client;
use rstest::rstest;

use crate::processes::{archive_holds_exactly, city_with_supplier, send_all};

fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_byte_for_byte_and_a_stale_one_is_caught_by_the_checkpoint(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let deployment = Deployment::new(backend).await;
    let live: &str = &deployment.database;
    let server = deployment.start("live");
    let client = Client::new();
    let token = city_with_supplier(&client, &server).await;
    let mut acknowledged = send_all(
        &client,
        &server,
        &token,
        &["B-1", "B-2", "B-3", "B-4", "B-5"],
    )
    .await;

    let early = deployment.path("early.backup");
    let output = deployment.command_on(
        live,
        "operator",
        &[],
        &["backup", "--to", early.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("multi-city: archive entries up to 5 at least"),
        "{}",
        text(&output)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&early).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "a backup is readable by the service's user only"
        );
    }

    acknowledged.extend(send_all(&client, &server, &token, &["B-6", "B-7", "B-8"]).await);
    let output = deployment.command_on(live, "operator", &[], &["checkpoint"]);
    assert!(output.status.success(), "{}", text(&output));
    let late = deployment.path("late.backup");
    let output = deployment.command_on(
        live,
        "operator",
        &[],
        &["backup", "--to", late.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", text(&output));
    let again = deployment.command_on(
        live,
        "operator",
        &[],
        &["backup", "--to", late.to_str().unwrap()],
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("exists already"), "{}", text(&again));
    server.stop();

    // The latest backup into a new database: every check holds, and a server on it serves every original.
    let restored = deployment.another_database().await;
    let output = deployment.command_on(
        &restored,
        "restorer",
        &[],
        &["restore", "--from", late.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("archive of multi-city intact: 8 entries, head 8"),
        "{}",
        text(&output)
    );
    let onto_data = deployment.command_on(
        &restored,
        "restorer",
        &[],
        &["restore", "--from", late.to_str().unwrap()],
    );
    assert!(
        !onto_data.status.success(),
        "a restore never replaces a database"
    );
    let refusal = text(&onto_data);
    assert!(
        refusal.contains("restore only into a new, empty database")
            || refusal.contains("does not exist yet"),
        "{refusal}"
    );
    let server = deployment.start_on(&restored, "restored", &[]);
    archive_holds_exactly(&client, &server, &token, &acknowledged).await;
    server.stop();

    // The backup taken before the last three invoices: the checkpoint says entries are missing.
    let stale = deployment.another_database().await;
    let output = deployment.command_on(
        &stale,
        "stale",
        &[],
        &["restore", "--from", early.to_str().unwrap()],
    );
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("the archive ends at entry 5 but the checkpoint of"),
        "{}",
        text(&output)
    );
    assert!(
        text(&output).contains("recorded entry 8"),
        "{}",
        text(&output)
    );

    // On a new machine without the sealing key, the restore stops before touching the database.
    let keyless = deployment.another_database().await;
    let output = std::process::Command::new(server_binary())
        .args(["restore", "--from", late.to_str().unwrap()])
        .env("CIE_DATABASE__URL", keyless.url())
        .env("CIE_DATA_DIR", deployment.path("new-machine"))
        .env("CIE_LOG__FILTER", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output).contains("the sealing key is missing"),
        "{}",
        text(&output)
    );
}
