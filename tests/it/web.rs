//! The web pages' foundation over HTTP on both databases: the login page in Japanese (English on request),
//! the form token, field errors beside their fields, the session cookie's attributes, the home page, and a
//! logout that ends the session on the server.

use cie_tests::{Backend, PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use rstest::rstest;

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` of cookie `name` among `response`'s Set-Cookie headers, and the whole header.
fn set_cookie(response: &reqwest::Response, name: &str) -> (String, String) {
    let header = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie set: {:?}", response.headers()));
    (header.split(';').next().unwrap().to_owned(), header)
}

pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

pub(crate) fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let encoded: String = v
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={encoded}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: &str,
    body: String,
) -> reqwest::Response {
    client()
        .post(app.url(path))
        .header(COOKIE, cookie)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[rstest]
#[tokio::test]
async fn a_person_logs_in_sees_the_home_page_and_logs_out(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;

    let page = client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("form-action 'self'")
    );
    let (form_cookie, attributes) = set_cookie(&page, "cie_form");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(attributes.contains(attribute), "{attributes}");
    }
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"ja\">"), "{html}");
    assert!(
        html.contains("<label for=\"tenant\">自治体 ID</label>"),
        "{html}"
    );
    let token = hidden(&html, "form_token");

    let english = client()
        .get(app.url("/login?lang=en"))
        .send()
        .await
        .unwrap();
    let english = english.text().await.unwrap();
    assert!(
        english.contains("<html lang=\"en\">") && english.contains("Log in"),
        "{english}"
    );

    // A form without its token (another site posting it) is refused.
    let forged = post_form(
        &app,
        "/login",
        "",
        form(&[
            ("tenant", &city.tenant),
            ("username", "staff"),
            ("password", PASSWORD),
            ("form_token", "x"),
        ]),
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.text().await.unwrap().contains("有効期限"));

    // A missing field is named beside the field and in the summary; what was typed stays.
    let missing = post_form(
        &app,
        "/login",
        &form_cookie,
        form(&[
            ("tenant", &city.tenant),
            ("username", "staff"),
            ("password", ""),
            ("form_token", &token),
        ]),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = missing.text().await.unwrap();
    assert!(
        html.contains("<a href=\"#password\">入力してください。</a>"),
        "{html}"
    );
    assert!(
        html.contains("aria-describedby=\"password-error\""),
        "{html}"
    );
    assert!(html.contains("value=\"staff\""), "{html}");

    let wrong = post_form(
        &app,
        "/login",
        &form_cookie,
        form(&[
            ("tenant", &city.tenant),
            ("username", "staff"),
            ("password", "wrong password!"),
            ("form_token", &token),
        ]),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("正しくありません"));

    let logged_in = post_form(
        &app,
        "/login",
        &form_cookie,
        form(&[
            ("tenant", &city.tenant),
            ("username", "staff"),
            ("password", PASSWORD),
            ("form_token", &token),
        ]),
    )
    .await;
    assert_eq!(logged_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(logged_in.headers()[LOCATION], "/home");
    let (session, attributes) = set_cookie(&logged_in, "cie_session");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/",
        "Max-Age=",
    ] {
        assert!(attributes.contains(attribute), "{attributes}");
    }

    let home = client()
        .get(app.url("/home"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(
        html.contains("staff さん、ようこそ。") && html.contains("会計課職員"),
        "{html}"
    );
    let csrf = hidden(&html, "csrf");

    let refused = post_form(
        &app,
        "/logout",
        &session,
        form(&[("csrf", "not the token")]),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let out = post_form(&app, "/logout", &session, form(&[("csrf", &csrf)])).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(out.headers()[LOCATION], "/login?out=1");
    assert!(set_cookie(&out, "cie_session").1.contains("Max-Age=0"));

    // The session ended on the server: the old cookie no longer opens the home page.
    let after = client()
        .get(app.url("/home"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert_eq!(after.headers()[LOCATION], "/login?next=/home");
    let none = client().get(app.url("/home")).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::SEE_OTHER);
}

#[rstest]
#[tokio::test]
async fn an_invited_supplier_sets_a_password_once_and_is_logged_in(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let invite = |body: serde_json::Value, token: String| {
        let app = &app;
        async move {
            app.post_json(&token, "/api/v1/admin/invitations", &body)
                .await
        }
    };
    let made = invite(
        serde_json::json!({ "username": "yamada", "role": "supplier", "supplier_org_id": city.org_a }),
        city.admin.clone(),
    )
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let link: serde_json::Value = made.json().await.unwrap();
    let path = link["path"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/invite/city-a."), "{link}");

    // The city's own checks, at once: a taken name, a supplier without organisation, a non-administrator.
    let taken = invite(
        serde_json::json!({ "username": "staff", "role": "staff" }),
        city.admin.clone(),
    )
    .await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let orgless = invite(
        serde_json::json!({ "username": "x", "role": "supplier" }),
        city.admin.clone(),
    )
    .await;
    assert_eq!(orgless.status(), StatusCode::BAD_REQUEST);
    let by_staff = invite(
        serde_json::json!({ "username": "y", "role": "staff" }),
        city.staff.clone(),
    )
    .await;
    assert_eq!(by_staff.status(), StatusCode::FORBIDDEN);

    let page = client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let (form_cookie, _) = set_cookie(&page, "cie_form");
    let html = page.text().await.unwrap();
    assert!(html.contains("「yamada」"), "{html}");
    let token = hidden(&html, "form_token");

    let weak = post_form(
        &app,
        &path,
        &form_cookie,
        form(&[
            ("password", "short"),
            ("password_again", "short"),
            ("form_token", &token),
        ]),
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.text()
            .await
            .unwrap()
            .contains("<a href=\"#password\">10 文字以上にしてください。</a>")
    );
    let mismatch = post_form(
        &app,
        &path,
        &form_cookie,
        form(&[
            ("password", "a good long password"),
            ("password_again", "another one"),
            ("form_token", &token),
        ]),
    )
    .await;
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatch
            .text()
            .await
            .unwrap()
            .contains("href=\"#password_again\"")
    );

    let accepted = post_form(
        &app,
        &path,
        &form_cookie,
        form(&[
            ("password", "a good long password"),
            ("password_again", "a good long password"),
            ("form_token", &token),
        ]),
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let (session, _) = set_cookie(&accepted, "cie_session");
    let home = client()
        .get(app.url("/home"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    let html = home.text().await.unwrap();
    assert!(
        html.contains("yamada さん") && html.contains("事業者"),
        "{html}"
    );

    // Used once: the link is gone, and the password works for the API too.
    let again = client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert!(again.text().await.unwrap().contains("使用済み"));
    let replay = post_form(
        &app,
        &path,
        &form_cookie,
        form(&[
            ("password", "another good password"),
            ("password_again", "another good password"),
            ("form_token", &token),
        ]),
    )
    .await;
    assert_eq!(replay.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.login("city-a", "yamada", "a good long password")
            .await
            .status(),
        StatusCode::OK
    );
    let unknown = client()
        .get(app.url("/invite/city-a.0000"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

pub(crate) async fn web_login(
    app: &TestApp,
    tenant: &str,
    username: &str,
    password: &str,
) -> String {
    let page = client().get(app.url("/login")).send().await.unwrap();
    let (form_cookie, _) = set_cookie(&page, "cie_form");
    let token = hidden(&page.text().await.unwrap(), "form_token");
    let response = post_form(
        app,
        "/login",
        &form_cookie,
        form(&[
            ("tenant", tenant),
            ("username", username),
            ("password", password),
            ("form_token", &token),
        ]),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{username} logs in"
    );
    set_cookie(&response, "cie_session").0
}

#[rstest]
#[tokio::test]
async fn a_password_is_changed_on_its_page_or_over_the_api_and_other_sessions_end(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    let here = web_login(&app, &city.tenant, "staff", PASSWORD).await;
    let elsewhere = web_login(&app, &city.tenant, "staff", PASSWORD).await;

    let page = client()
        .get(app.url("/password"))
        .header(COOKIE, &here)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = hidden(&page.text().await.unwrap(), "csrf");
    let change = |current: &'static str, new: &'static str, again: &'static str| {
        let (app, here, csrf) = (&app, here.clone(), csrf.clone());
        async move {
            post_form(
                app,
                "/password",
                &here,
                form(&[
                    ("csrf", &csrf),
                    ("current_password", current),
                    ("new_password", new),
                    ("new_password_again", again),
                ]),
            )
            .await
        }
    };
    let wrong = change(
        "not my password",
        "a brand new password",
        "a brand new password",
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("<a href=\"#current_password\">")
    );
    let mismatch = change(PASSWORD, "a brand new password", "a different one!").await;
    assert!(
        mismatch
            .text()
            .await
            .unwrap()
            .contains("href=\"#new_password_again\"")
    );

    let done = change(PASSWORD, "a brand new password", "a brand new password").await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()[LOCATION], "/home?changed=1");
    let home = client()
        .get(app.url("/home?changed=1"))
        .header(COOKIE, &here)
        .send()
        .await
        .unwrap();
    assert!(
        home.text()
            .await
            .unwrap()
            .contains("パスワードを変更しました")
    );
    let other = client()
        .get(app.url("/home"))
        .header(COOKIE, &elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert_eq!(
        app.login(&city.tenant, "staff", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Over the API, with a token.
    let token = app
        .token(&city.tenant, "staff", "a brand new password")
        .await;
    let body =
        serde_json::json!({ "current_password": "a brand new password", "new_password": "short" });
    let weak = app.post_json(&token, "/api/v1/auth/password", &body).await;
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    let error: serde_json::Value = weak.json().await.unwrap();
    assert_eq!(error["code"], "weak_password");
    let body = serde_json::json!({ "current_password": "a brand new password", "new_password": "the third password" });
    let changed = app.post_json(&token, "/api/v1/auth/password", &body).await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.login(&city.tenant, "staff", "the third password")
            .await
            .status(),
        StatusCode::OK
    );
}

#[rstest]
#[tokio::test]
async fn a_supplier_sees_its_own_documents_and_their_status(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let city = app.city("city-a").await;
    assert_eq!(
        app.submit(
            &city.supplier_a,
            cie_tests::fixture("jp-pint/jp-pint-example.xml")
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    let mine = web_login(&app, &city.tenant, "supplier-a", PASSWORD).await;
    let page = client()
        .get(app.url("/documents"))
        .header(COOKIE, &mine)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<a href=\"/documents/1\">156</a></th><td>請求書</td><td>株式会社 〇〇商事</td><td>2023-10-24</td><td class=\"num\">289,490 円</td>"),
        "{html}"
    );
    assert!(html.contains("<td>受付済み</td>"), "{html}");

    let english = client()
        .get(app.url("/documents?lang=en"))
        .header(COOKIE, &mine)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains("<td>Invoice</td>") && english.contains("<td>Received</td>"),
        "{english}"
    );

    let other = web_login(&app, &city.tenant, "supplier-b", PASSWORD).await;
    let html = client()
        .get(app.url("/documents"))
        .header(COOKIE, &other)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("まだ書類はありません") && !html.contains(">156<"),
        "another supplier's documents stay hidden: {html}"
    );
    let anonymous = client().get(app.url("/documents")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}
