//! Tenants, users and tokens: login, roles, the admin and operator APIs.

use cie_tests::{Backend, OPERATOR_KEY, PASSWORD, TestApp};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

#[rstest]
#[tokio::test]
async fn login_returns_a_token_carrying_tenant_role_and_organisation(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;

    let response = app.login("city-a", "supplier-a", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["role"], "supplier");
    assert_eq!(session["tenant"], "city-a");
    assert_eq!(session["supplier_org_id"], city.org_a);
    assert!(
        session["token"].as_str().unwrap().split('.').count() == 3,
        "a JWT has three parts"
    );
}

#[rstest]
#[tokio::test]
async fn wrong_passwords_unknown_users_and_unknown_tenants_are_refused_alike(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    app.city("city-a").await;
    for (tenant, user, password) in [
        ("city-a", "supplier-a", "wrong password!"),
        ("city-a", "nobody", PASSWORD),
        ("city-z", "supplier-a", PASSWORD),
        ("NOT A SLUG", "supplier-a", PASSWORD),
    ] {
        let response = app.login(tenant, user, password).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{tenant}/{user}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "invalid_credentials", "{tenant}/{user}");
    }
}

#[rstest]
#[tokio::test]
async fn only_administrators_manage_users_and_organisations(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    for token in [&city.staff, &city.supplier_a] {
        let response = app
            .post_json(
                token,
                "/api/v1/admin/supplier-orgs",
                &json!({ "name": "X" }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let response = app
            .post_json(
                token,
                "/api/v1/admin/users",
                &json!({ "username": "x", "password": PASSWORD, "role": "admin" }),
            )
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "forbidden");
    }
    let users: Vec<Value> = app.get_json(&city.admin, "/api/v1/admin/users").await;
    let names: Vec<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "staff", "supplier-a", "supplier-b"]);
    assert!(
        users.iter().all(|u| u.get("password_hash").is_none()),
        "hashes never leave the server"
    );
}

#[rstest]
#[tokio::test]
async fn bad_account_requests_name_what_is_wrong(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let cases = [
        (
            "/api/v1/admin/supplier-orgs",
            json!({ "name": "X", "registration_number": "1234567890123" }),
            "invalid_registration_number",
        ),
        (
            "/api/v1/admin/users",
            json!({ "username": "s", "password": PASSWORD, "role": "supplier" }),
            "missing_field",
        ),
        (
            "/api/v1/admin/users",
            json!({ "username": "s", "password": "short", "role": "staff" }),
            "weak_password",
        ),
        (
            "/api/v1/admin/users",
            json!({ "username": "s", "password": PASSWORD, "role": "emperor" }),
            "invalid_json",
        ),
        (
            "/api/v1/admin/users",
            json!({ "username": "s" }),
            "invalid_json",
        ),
    ];
    for (path, body, code) in cases {
        let response = app.post_json(&city.admin, path, &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], code, "{body}: {error}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    let duplicate = app
        .post_json(
            &city.admin,
            "/api/v1/admin/users",
            &json!({ "username": "staff", "password": PASSWORD, "role": "staff" }),
        )
        .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);
}

#[rstest]
#[tokio::test]
async fn tenants_are_created_only_with_the_operator_key(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let body = json!({ "id": "city-b", "name": "B市" });
    let as_admin = app
        .post_json(&city.admin, "/api/v1/operator/tenants", &body)
        .await;
    assert_eq!(as_admin.status(), StatusCode::UNAUTHORIZED);
    let created = app
        .post_json(OPERATOR_KEY, "/api/v1/operator/tenants", &body)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let again = app
        .post_json(OPERATOR_KEY, "/api/v1/operator/tenants", &body)
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let bad = app
        .post_json(
            OPERATOR_KEY,
            "/api/v1/operator/tenants",
            &json!({ "id": "City B", "name": "B" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let tenants: Vec<Value> = app.get_json(OPERATOR_KEY, "/api/v1/operator/tenants").await;
    assert_eq!(tenants.len(), 2);
}

#[rstest]
#[tokio::test]
async fn finance_clients_log_in_with_their_generated_secret(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let response = app
        .post_json(
            &city.admin,
            "/api/v1/admin/finance-clients",
            &json!({ "name": "zaimu" }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let credentials: Value = response.json().await.unwrap();
    let client_id = credentials["client_id"].as_str().unwrap();
    let secret = credentials["client_secret"].as_str().unwrap();
    let session: Value = app
        .login("city-a", client_id, secret)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(session["role"], "finance");
    let finance = session["token"].as_str().unwrap();
    let refused = app
        .submit(finance, cie_tests::fixture("jp-pint/jp-pint-example.xml"))
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "the finance system does not send documents"
    );
}

#[rstest]
#[tokio::test]
async fn expired_tokens_are_refused(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    app.clock.advance(chrono::Duration::hours(9));
    let response = app.get(&city.staff, "/api/v1/documents").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");
    assert!(body["message"].as_str().unwrap().contains("expired"));
}

#[rstest]
#[tokio::test]
async fn a_supplier_organisation_is_checked_when_it_is_registered(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let register = |body: Value| {
        let app = &app;
        let admin = city.admin.clone();
        async move {
            app.post_json(&admin, "/api/v1/admin/supplier-orgs", &body)
                .await
        }
    };

    let wrong_digit =
        register(json!({"name": "株式会社テスト", "registration_number": "T1234567890123"})).await;
    assert_eq!(wrong_digit.status(), StatusCode::BAD_REQUEST);
    let error: Value = wrong_digit.json().await.unwrap();
    assert_eq!(error["code"], "invalid_registration_number");
    assert!(
        error["message"].as_str().unwrap().contains("check digit"),
        "{error}"
    );

    let taken = register(
        json!({"name": "別会社", "registration_number": cie_tests::SUPPLIER_A_REGISTRATION_NUMBER}),
    )
    .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let error: Value = taken.json().await.unwrap();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("registration_number"),
        "{error}"
    );

    let first = register(json!({"name": "株式会社一", "creditor_number": "000777"})).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = register(json!({"name": "株式会社二", "creditor_number": " 000777 "})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let error: Value = again.json().await.unwrap();
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("creditor_number 000777"),
        "{error}"
    );

    // Without registry data nothing is claimed; with it, a number it does not list is accepted with a warning.
    let unlisted =
        register(json!({"name": "有限会社三", "registration_number": "T8000000000001"})).await;
    assert_eq!(unlisted.status(), StatusCode::CREATED);
    let body: Value = unlisted.json().await.unwrap();
    assert!(body.get("warnings").is_none(), "{body}");
    let output = app.import_registry("registry/full-sample.csv", "2026-03-01", true);
    assert!(output.status.success(), "{output:?}");
    let unlisted =
        register(json!({"name": "有限会社四", "registration_number": "T7000000000002"})).await;
    assert_eq!(unlisted.status(), StatusCode::CREATED);
    let body: Value = unlisted.json().await.unwrap();
    let warning = body["warnings"][0].as_str().unwrap_or_default();
    assert!(
        warning.contains("T7000000000002") && warning.contains("2026-03-01"),
        "{body}"
    );
}
