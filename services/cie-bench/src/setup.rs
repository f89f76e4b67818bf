//! Setting the stage over the API: the operator creates tenant `bench` with an administrator, who registers
//! a supplier organisation and its user; that user's token is what the load phase posts with.

use anyhow::{Context, bail};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::server::{Server, random_hex};

const TENANT: &str = "bench";

/// Creates the tenant, organisation and supplier user, and returns the supplier's bearer token.
pub(crate) async fn supplier_token(client: &Client, server: &Server) -> anyhow::Result<String> {
    let admin_password = random_hex(12);
    expect(
        client
            .post(server.url("/api/v1/operator/tenants"))
            .bearer_auth(server.operator_key())
            .json(&json!({
                "id": TENANT,
                "name": "Bench City",
                "admin_username": "admin",
                "admin_password": admin_password,
            })),
        StatusCode::CREATED,
        "creating tenant bench",
    )
    .await?;
    let admin = login(client, server, "admin", &admin_password).await?;

    let org = expect(
        client
            .post(server.url("/api/v1/admin/supplier-orgs"))
            .bearer_auth(&admin)
            .json(&json!({ "name": "Bench Supplier K.K." })),
        StatusCode::CREATED,
        "creating the supplier organisation",
    )
    .await?;
    let org_id = org["id"]
        .as_i64()
        .context("the new organisation has no id")?;

    let supplier_password = random_hex(12);
    expect(
        client
            .post(server.url("/api/v1/admin/users"))
            .bearer_auth(&admin)
            .json(&json!({
                "username": "supplier",
                "password": supplier_password,
                "role": "supplier",
                "supplier_org_id": org_id,
            })),
        StatusCode::CREATED,
        "creating the supplier user",
    )
    .await?;
    login(client, server, "supplier", &supplier_password).await
}

async fn login(
    client: &Client,
    server: &Server,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let session = expect(
        client
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({ "tenant": TENANT, "username": username, "password": password })),
        StatusCode::OK,
        &format!("logging in as {username}"),
    )
    .await?;
    session["token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the login of {username} returned no token"))
}

async fn expect(request: RequestBuilder, status: StatusCode, what: &str) -> anyhow::Result<Value> {
    let response = request
        .send()
        .await
        .with_context(|| format!("{what}: request failed"))?;
    let got = response.status();
    let text = response
        .text()
        .await
        .with_context(|| format!("{what}: reading the answer"))?;
    if got != status {
        bail!("{what}: expected {status}, got {got}: {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: answer is not JSON: {text}"))
}
