//! Isolation: no request without a valid token; suppliers see only their own organisation; nothing of
//! one city is visible with a token of another.

use cie_tests::{Backend, PASSWORD, TestApp, fixture};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::Value;

#[rstest]
#[tokio::test]
async fn requests_without_a_valid_token_are_refused(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let forged = {
        let mut parts: Vec<String> = city.staff.split('.').map(str::to_owned).collect();
        parts[2] = "c2lnbmF0dXJl".into();
        parts.join(".")
    };
    let paths = [
        "/api/v1/documents",
        "/api/v1/documents/1",
        "/api/v1/submissions",
        "/api/v1/admin/users",
    ];
    for path in paths {
        let none = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(
            none.status(),
            StatusCode::UNAUTHORIZED,
            "{path} without a token"
        );
        assert_eq!(none.headers()["www-authenticate"], "Bearer");
        for token in ["garbage", forged.as_str()] {
            let response = app.get(token, path).await;
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{path} with {token}"
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], "unauthenticated");
        }
    }
    let post = app
        .client
        .post(app.url("/api/v1/documents"))
        .body(fixture("jp-pint/jp-pint-example.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::UNAUTHORIZED);
    let submissions: Value = app.get_json(&city.staff, "/api/v1/submissions").await;
    assert_eq!(
        submissions["total"], 0,
        "nothing is taken in from an unknown sender"
    );
}

#[rstest]
#[tokio::test]
async fn a_supplier_cannot_read_or_write_for_another_supplier(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let doc_a: Value = app
        .submit(&city.supplier_a, fixture("jp-pint/jp-pint-example.xml"))
        .await
        .json()
        .await
        .unwrap();
    let rejected_a: Value = app
        .submit(&city.supplier_a, "garbage")
        .await
        .json()
        .await
        .unwrap();
    let doc_b: Value = app
        .submit(
            &city.supplier_b,
            fixture("jp-pint-ntr/jp-pint-ntr-example.xml"),
        )
        .await
        .json()
        .await
        .unwrap();

    for path in [
        format!("/api/v1/documents/{}", doc_a["id"]),
        format!("/api/v1/documents/{}/original", doc_a["id"]),
        format!("/api/v1/submissions/{}", rejected_a["archive_seq"]),
        format!("/api/v1/submissions/{}/original", rejected_a["archive_seq"]),
    ] {
        let response = app.get(&city.supplier_b, &path).await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "supplier B reading {path}"
        );
        assert_eq!(
            app.get(&city.supplier_a, &path).await.status(),
            StatusCode::OK,
            "A reads {path}"
        );
    }
    let list: Value = app.get_json(&city.supplier_b, "/api/v1/documents").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], doc_b["id"]);
    let submissions: Value = app.get_json(&city.supplier_b, "/api/v1/submissions").await;
    assert_eq!(submissions["total"], 1);
    let asked_for_a = app
        .get(
            &city.supplier_b,
            &format!("/api/v1/documents?supplier_org={}", city.org_a),
        )
        .await;
    assert_eq!(asked_for_a.status(), StatusCode::FORBIDDEN);

    let write_as_a = app
        .submit_for(
            &city.supplier_b,
            city.org_a,
            fixture("order/order-example.xml"),
        )
        .await;
    assert_eq!(write_as_a.status(), StatusCode::FORBIDDEN);
    let staff_view: Value = app.get_json(&city.staff, "/api/v1/documents").await;
    assert_eq!(
        staff_view["total"], 2,
        "the city sees both suppliers' documents"
    );
}

#[rstest]
#[tokio::test]
async fn nothing_of_one_city_is_visible_with_a_token_of_another(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city_a = app.city("city-a").await;
    let city_b = app.city("city-b").await;
    let doc: Value = app
        .submit(&city_a.supplier_a, fixture("jp-pint/jp-pint-example.xml"))
        .await
        .json()
        .await
        .unwrap();
    let rejected: Value = app
        .submit(&city_a.supplier_a, "garbage")
        .await
        .json()
        .await
        .unwrap();

    for token in [&city_b.admin, &city_b.staff, &city_b.supplier_a] {
        for path in [
            format!("/api/v1/documents/{}", doc["id"]),
            format!("/api/v1/documents/{}/original", doc["id"]),
            format!("/api/v1/submissions/{}/original", rejected["archive_seq"]),
        ] {
            assert_eq!(
                app.get(token, &path).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let search: Value = app
            .get_json(token, "/api/v1/documents?counterparty=商事")
            .await;
        assert_eq!(search["total"], 0);
        let submissions: Value = app.get_json(token, "/api/v1/submissions").await;
        assert_eq!(submissions["total"], 0);
    }
    let users: Vec<Value> = app.get_json(&city_b.admin, "/api/v1/admin/users").await;
    assert!(users.iter().all(|u| u["id"] != Value::Null));
    assert_eq!(users.len(), 4, "city B's admin lists only city B's users");
    let org_of_a = app
        .submit_for(
            &city_b.staff,
            city_a.org_a,
            fixture("order/order-example.xml"),
        )
        .await;
    assert_eq!(
        org_of_a.status(),
        StatusCode::NOT_FOUND,
        "city A's organisation does not exist in city B"
    );
    let wrong_city_login = app.login("city-b", "staff", PASSWORD).await;
    assert_eq!(
        wrong_city_login.status(),
        StatusCode::OK,
        "same user names live in each city"
    );
}
