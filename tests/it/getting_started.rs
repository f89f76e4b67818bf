//! The README's getting-started block, run as it stands: a newcomer's first city, supplier and invoice.

use std::path::PathBuf;
use std::process::Command;

/// The shell block between the README's getting-started markers.
fn getting_started_block() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("<!-- getting-started -->")
        .expect("start marker");
    let end = readme
        .find("<!-- /getting-started -->")
        .expect("end marker");
    let block = &readme[start..end];
    let code_start = block.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let code_end = block[code_start..].find("```").expect("end of the block") + code_start;
    block[code_start..code_end].to_owned()
}

#[test]
fn the_readme_gets_a_newcomer_from_the_first_command_to_a_received_invoice() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let binary_dir = cie_tests::server_binary().parent().unwrap().to_owned();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = tempfile::tempdir().unwrap();
    // The block as written, on a free port, with the binary this test run built (not a release build), in
    // a data directory of its own; the server is stopped at the end.
    let script = getting_started_block()
        .lines()
        .filter(|line| !line.starts_with("cargo build"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"))
        .replace(
            "--data-binary @tests/",
            &format!("--data-binary @{}/tests/", root.display()),
        );
    let script = format!("set -euo pipefail\ntrap 'kill %1 2>/dev/null' EXIT\n{script}\n");
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(data.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                binary_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("CIE_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("CIE_DATABASE__URL")
        .env_remove("CIE_DATA_DIR")
        .env_remove("CIE_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the block failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("created tenant my-city"), "{stdout}");
    assert!(
        stdout.contains("\"kind\":\"invoice\"") && stdout.contains("\"validation\""),
        "the invoice was received: {stdout}"
    );
}
