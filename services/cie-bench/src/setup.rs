//! Setting the stage over the API: the operator creates tenant `bench` (and, for multi-city preloads,
//! `bench-2`, `bench-3`, …) with an administrator, who registers supplier organisations and a user for each;
//! the first organisation's user of `bench` is the one the timed phase posts as.

use anyhow::{Context, bail};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::server::{Server, random_hex};

/// The city the timed phase posts to.
pub(crate) const TENANT: &str = "bench";

/// A supplier organisation of a city and its user.
#[derive(Debug, Clone)]
pub(crate) struct Supplier {
    pub(crate) tenant: String,
    pub(crate) org_id: i64,
    pub(crate) user_id: i64,
}

/// What was set up.
pub(crate) struct Stage {
    /// The bearer token of the first supplier of `bench`.
    pub(crate) token: String,
    /// The bearer token of the administrator of `bench`.
    pub(crate) admin: String,
    /// Every supplier of every city, the timed one first.
    pub(crate) suppliers: Vec<Supplier>,
}

/// Creates `cities` cities with `suppliers_per_city` supplier organisations and users each.
pub(crate) async fn stage(
    client: &Client,
    server: &Server,
    cities: usize,
    suppliers_per_city: usize,
) -> anyhow::Result<Stage> {
    let mut suppliers = Vec::with_capacity(cities * suppliers_per_city);
    let mut token = None;
    let mut first_admin = None;
    for city in 1..=cities.max(1) {
        let tenant = if city == 1 {
            TENANT.to_owned()
        } else {
            format!("{TENANT}-{city}")
        };
        let admin_password = random_hex(12);
        expect(
            client
                .post(server.url("/api/v1/operator/tenants"))
                .bearer_auth(server.operator_key())
                .json(&json!({
                    "id": tenant,
                    "name": format!("Bench City {city}"),
                    "admin_username": "admin",
                    "admin_password": admin_password,
                })),
            StatusCode::CREATED,
            &format!("creating tenant {tenant}"),
        )
        .await?;
        let admin = login(client, server, &tenant, "admin", &admin_password).await?;
        first_admin.get_or_insert_with(|| admin.clone());
        for number in 1..=suppliers_per_city.max(1) {
            let org = expect(
                client
                    .post(server.url("/api/v1/admin/supplier-orgs"))
                    .bearer_auth(&admin)
                    .json(&json!({ "name": format!("Bench Supplier {number} K.K.") })),
                StatusCode::CREATED,
                "creating a supplier organisation",
            )
            .await?;
            let org_id = org["id"]
                .as_i64()
                .context("the new organisation has no id")?;
            let username = format!("supplier{number}");
            let password = random_hex(12);
            let user = expect(
                client
                    .post(server.url("/api/v1/admin/users"))
                    .bearer_auth(&admin)
                    .json(&json!({
                        "username": username,
                        "password": password,
                        "role": "supplier",
                        "supplier_org_id": org_id,
                    })),
                StatusCode::CREATED,
                "creating a supplier user",
            )
            .await?;
            let user_id = user["id"].as_i64().context("the new user has no id")?;
            if token.is_none() {
                token = Some(login(client, server, &tenant, &username, &password).await?);
            }
            suppliers.push(Supplier {
                tenant: tenant.clone(),
                org_id,
                user_id,
            });
        }
    }
    Ok(Stage {
        token: token.context("no supplier was created")?,
        admin: first_admin.context("no city was created")?,
        suppliers,
    })
}

/// Creates the staff user `staff` of `bench` with a new password, as its administrator `admin`; returns the
/// password.
pub(crate) async fn create_staff(
    client: &Client,
    server: &Server,
    admin: &str,
) -> anyhow::Result<String> {
    let password = random_hex(12);
    expect(
        client
            .post(server.url("/api/v1/admin/users"))
            .bearer_auth(admin)
            .json(&json!({ "username": "staff", "password": password, "role": "staff" })),
        StatusCode::CREATED,
        "creating the staff user",
    )
    .await?;
    Ok(password)
}

pub(crate) async fn login(
    client: &Client,
    server: &Server,
    tenant: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<String> {
    let session = expect(
        client
            .post(server.url("/api/v1/auth/login"))
            .json(&json!({ "tenant": tenant, "username": username, "password": password })),
        StatusCode::OK,
        &format!("logging in as {username}"),
    )
    .await?;
    session["token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("the login of {username} returned no token"))
}

pub(crate) async fn expect(
    request: RequestBuilder,
    status: StatusCode,
    what: &str,
) -> anyhow::Result<Value> {
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
