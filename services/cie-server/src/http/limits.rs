//! Per-client limits: who the client of a request is (its connection's peer, or behind a trusted reverse
//! proxy the address the proxy names), and a cap on the requests one client has in progress at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::HttpConfig;
use crate::connections::release_when_sent;
use crate::error::Error;
use crate::http::error::ApiError;

/// The client a request came from, as [`per_client`] resolved it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Client(pub(crate) IpAddr);

/// The requests in progress per client address.
#[derive(Debug)]
pub(crate) struct ClientRequests {
    limit: usize,
    trusted_proxies: Vec<IpAddr>,
    in_progress: Mutex<HashMap<IpAddr, usize>>,
}

/// A request counted against its client until dropped.
struct Counted {
    requests: Arc<ClientRequests>,
    client: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut in_progress = self
            .requests
            .in_progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = in_progress.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                in_progress.remove(&self.client);
            }
        }
    }
}

impl ClientRequests {
    /// The limits `[http]` sets.
    pub(crate) fn new(http: &HttpConfig) -> Self {
        Self {
            limit: http.max_requests_per_client.max(1),
            trusted_proxies: http.trusted_proxies.clone(),
            in_progress: Mutex::new(HashMap::new()),
        }
    }

    fn enter(self: &Arc<Self>, client: IpAddr) -> Option<Counted> {
        let mut in_progress = self
            .in_progress
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = in_progress.entry(client).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Counted {
            requests: self.clone(),
            client,
        })
    }
}

/// The client of a request from `peer`: `peer` itself unless it is a trusted proxy, else the last address
/// of `X-Forwarded-For` that is not a trusted proxy (proxies append the address they were reached from).
/// A header that is missing or names something other than an address leaves it at the last proxy.
fn client_of(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(address) => {
                client = address.to_canonical();
                if !trusted_proxies.contains(&client) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// Middleware: records the request's [`Client`], and answers 429 `too_many_requests` when that client has
/// `http.max_requests_per_client` requests in progress already (an answer is in progress until its body
/// is sent). `GET /health` is never refused, so that liveness checks see the server, not the client.
pub(crate) async fn per_client(
    State(requests): State<Arc<ClientRequests>>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(peer) = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
    else {
        return next.run(request).await;
    };
    let client = client_of(peer, request.headers(), &requests.trusted_proxies);
    request.extensions_mut().insert(Client(client));
    if request.uri().path() == "/health" {
        return next.run(request).await;
    }
    match requests.enter(client) {
        Some(counted) => release_when_sent(next.run(request).await, counted),
        None => ApiError(Error::TooManyRequests {
            limit: requests.limit,
        })
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let other_proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted = [proxy, other_proxy];
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        let cases = [
            (
                "203.0.113.9",
                vec!["198.51.100.1"],
                "203.0.113.9",
                "an untrusted peer's header is ignored",
            ),
            (
                "127.0.0.1",
                vec!["198.51.100.1"],
                "198.51.100.1",
                "the proxy names the client",
            ),
            (
                "127.0.0.1",
                vec!["6.6.6.6, 198.51.100.1"],
                "198.51.100.1",
                "what the client wrote itself is ignored",
            ),
            (
                "127.0.0.1",
                vec!["6.6.6.6", "198.51.100.1, 10.0.0.2"],
                "198.51.100.1",
                "trusted hops are skipped, across headers",
            ),
            ("127.0.0.1", vec![], "127.0.0.1", "no header: the proxy"),
            (
                "127.0.0.1",
                vec!["unknown"],
                "127.0.0.1",
                "not an address: the proxy",
            ),
            (
                "::ffff:127.0.0.1",
                vec!["2001:db8::1"],
                "2001:db8::1",
                "a mapped IPv4 proxy, an IPv6 client",
            ),
        ];
        for (peer, header, expected, why) in cases {
            assert_eq!(
                client_of(ip(peer), &forwarded(&header), &trusted),
                ip(expected),
                "{why}"
            );
        }
    }

    #[test]
    fn a_client_gets_its_limit_of_requests_and_another_one_after_one_ends() {
        let requests = Arc::new(ClientRequests::new(&HttpConfig {
            max_requests_per_client: 2,
            ..HttpConfig::default()
        }));
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let first = requests.enter(client).expect("first");
        let _second = requests.enter(client).expect("second");
        assert!(requests.enter(client).is_none(), "third refused");
        assert!(
            requests.enter("203.0.113.10".parse().unwrap()).is_some(),
            "another client is not affected"
        );
        drop(first);
        assert!(requests.enter(client).is_some(), "a place came free");
    }
}
