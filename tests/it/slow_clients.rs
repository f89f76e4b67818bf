//! Slow and stalled clients over raw TCP: `/health` keeps answering while 2,000 connections stall, stalled
//! heads are closed after the header read timeout and stalled bodies answered 408, one client's requests in
//! progress are capped (429), connections past the cap are answered 503, idle kept-alive connections are
//! closed after the idle timeout, and shutdown closes waiting connections while letting requests finish.
//! None of this touches the database, so these tests run on SQLite only.

use std::net::SocketAddr;
use std::time::Duration;

use cie_tests::{Backend, TestApp};
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

const STALLED_HEAD: &[u8] = b"GET /health HTTP/1.1\r\nHost: cie\r\nX-Slow: ";
const STALLED_BODY: &[u8] = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: cie\r\n\
    Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"tenant\": ";

/// These tests hold thousands of connections and time what the server does with them: they run one at a
/// time, so that one's connections never slow another's server.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn open_with(address: SocketAddr, sent: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(sent).await.unwrap();
    stream
}

/// Whether the server still holds `stream` open without having answered on it.
fn still_open(stream: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(stream.try_read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// Everything the server sends on `stream` until it closes it, within `within`; `None` when it does not
/// close it in time.
async fn read_until_closed(mut stream: TcpStream, within: Duration) -> Option<String> {
    let mut received = Vec::new();
    match timeout(within, stream.read_to_end(&mut received)).await {
        Ok(Ok(_)) => Some(String::from_utf8_lossy(&received).into_owned()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Some(String::from_utf8_lossy(&received).into_owned())
        }
        Ok(Err(e)) => panic!("reading from the server: {e}"),
        Err(_) => None,
    }
}

/// One complete answer on a kept-alive `stream` (its head and `Content-Length` bytes of body).
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text;
            }
        }
        let read = timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("the answer arrives")
            .unwrap();
        assert!(read > 0, "the connection closed mid-answer: {text}");
        received.extend_from_slice(&chunk[..read]);
    }
}

fn json_body(answer: &str) -> Value {
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

async fn health_answers_within(app: &TestApp, bound: Duration) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let response = timeout(bound, client.get(app.url("/health")).send())
        .await
        .unwrap_or_else(|_| panic!("/health did not answer within {bound:?}"))
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_answers_while_two_thousand_connections_stall_and_the_stalled_ones_are_cut_off() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.http.header_read_timeout_seconds = 3;
        config.http.body_read_timeout_seconds = 3;
        config.http.max_requests_per_client = 256;
    })
    .await;
    let address = app.socket_address();
    let mut heads = Vec::new();
    for _ in 0..1_800 {
        heads.push(open_with(address, STALLED_HEAD).await);
    }
    let mut bodies = Vec::new();
    for _ in 0..200 {
        bodies.push(open_with(address, STALLED_BODY).await);
    }

    for _ in 0..3 {
        health_answers_within(&app, Duration::from_secs(5)).await;
    }
    assert!(
        heads.iter().chain(&bodies).all(still_open),
        "the 2,000 stalled connections were open while /health answered"
    );

    let bodies_answered = join_all(
        bodies
            .into_iter()
            .map(|stream| read_until_closed(stream, Duration::from_secs(10))),
    )
    .await;
    for answer in bodies_answered {
        let answer = answer.expect("a stalled body is cut off");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert_eq!(json_body(&answer)["code"], "body_timeout", "{answer}");
    }
    let heads_answered = join_all(
        heads
            .into_iter()
            .map(|stream| read_until_closed(stream, Duration::from_secs(10))),
    )
    .await;
    for answer in heads_answered {
        assert_eq!(
            answer.as_deref(),
            Some(""),
            "a stalled head is closed after the header read timeout, unanswered"
        );
    }
    health_answers_within(&app, Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_with_its_limit_of_requests_in_progress_gets_429_until_one_ends() {
    let _alone = ONE_AT_A_TIME.lock().await;
    // The stalled bodies must still be held when the cap is looked for (within 5 s), even on a loaded machine.
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.http.body_read_timeout_seconds = 8;
        config.http.max_requests_per_client = 3;
    })
    .await;
    let address = app.socket_address();
    let mut bodies = Vec::new();
    for _ in 0..3 {
        bodies.push(open_with(address, STALLED_BODY).await);
    }

    let started = Instant::now();
    let refused = loop {
        // A stalled request whose head reached the server while a probe was in progress was refused in its
        // place (the probe is this client's too): it is sent again, so that three stalled ones are held.
        for stream in &mut bodies {
            if !still_open(stream) {
                *stream = open_with(address, STALLED_BODY).await;
            }
        }
        let response = app.get("no-token", "/api/v1/invoices").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            break response;
        }
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "three requests in progress did not reach the cap"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_eq!(refused.headers()["x-content-type-options"], "nosniff");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "too_many_requests", "{body}");
    assert!(body["message"].as_str().unwrap().contains('3'), "{body}");
    health_answers_within(&app, Duration::from_secs(5)).await;

    for stream in bodies {
        let answer = read_until_closed(stream, Duration::from_secs(10))
            .await
            .expect("cut off");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    let response = app.get("no-token", "/api/v1/invoices").await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "the places came free"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_new_connections_are_answered_503_and_closed() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.http.header_read_timeout_seconds = 2;
        config.http.max_connections = 8;
    })
    .await;
    let address = app.socket_address();
    let mut stalled = Vec::new();
    for _ in 0..8 + cie_server::connections::LOOPBACK_RESERVE {
        stalled.push(open_with(address, STALLED_HEAD).await);
    }

    let refused = TcpStream::connect(address).await.unwrap();
    let answer = read_until_closed(refused, Duration::from_secs(5))
        .await
        .expect("a connection past the cap is closed at once");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("retry-after: 1\r\n") && answer.contains("x-content-type-options: nosniff"),
        "{answer}"
    );
    assert_eq!(json_body(&answer)["code"], "busy", "{answer}");

    join_all(
        stalled
            .into_iter()
            .map(|stream| read_until_closed(stream, Duration::from_secs(10))),
    )
    .await;
    health_answers_within(&app, Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_waits_the_idle_timeout_not_the_header_timeout() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.http.header_read_timeout_seconds = 1;
        config.http.idle_timeout_seconds = 3;
    })
    .await;
    let request = b"GET /health HTTP/1.1\r\nHost: cie\r\n\r\n";
    let mut stream = open_with(app.socket_address(), request).await;
    let first = read_answer(&mut stream).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");

    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(
        still_open(&stream),
        "idle past the header timeout, within the idle timeout"
    );
    stream.write_all(request).await.unwrap();
    let second = read_answer(&mut stream).await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");

    let rest = read_until_closed(stream, Duration::from_secs(10)).await;
    assert_eq!(
        rest.as_deref(),
        Some(""),
        "closed, unanswered, after the idle timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_waiting_connections_at_once_and_lets_requests_in_flight_finish() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.http.header_read_timeout_seconds = 60;
        config.http.body_read_timeout_seconds = 60;
    })
    .await;
    let address = app.socket_address();
    let waiting = open_with(address, STALLED_HEAD).await;
    let body = br#"{"tenant": "nowhere", "username": "nobody", "password": "wrong password!"}"#;
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: cie\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let mut in_flight = open_with(address, head.as_bytes()).await;
    in_flight.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stopped = tokio::spawn(app.stop());
    let closed = read_until_closed(waiting, Duration::from_secs(5)).await;
    assert_eq!(
        closed.as_deref(),
        Some(""),
        "a connection with no request is closed at shutdown, long before its header timeout"
    );
    assert!(!stopped.is_finished(), "a request is still in flight");
    in_flight.write_all(&body[10..]).await.unwrap();
    let answer = read_until_closed(in_flight, Duration::from_secs(10))
        .await
        .expect("answered and closed");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert_eq!(json_body(&answer)["code"], "invalid_credentials");
    timeout(Duration::from_secs(10), stopped)
        .await
        .expect("the server stops once its last request is answered")
        .unwrap();
    assert!(
        TcpStream::connect(address).await.is_err(),
        "nothing listens any more"
    );
}
