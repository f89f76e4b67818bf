//! Connections: the accept loop that serves the routes over HTTP/1.1 with the limits that keep slow and
//! stalled clients from holding the server (a deadline for each request head and for idle kept-alive
//! connections, a stall timeout on request bodies, a cap on open connections), and the graceful shutdown
//! that closes connections waiting for a request at once and lets the requests in flight finish.
//!
//! The deadlines are kept here rather than by hyper's `header_read_timeout`, which runs from the end of
//! one answer to the end of the next head and so cannot tell a stalled head from an idle keep-alive
//! connection. Each connection's task watches its own [`Activity`]: with no request in flight, a head that
//! has begun must be complete within the header timeout, a new connection must send its first head within
//! the header timeout, and an idle kept-alive one its next within the idle timeout. Bodies are watched
//! where they are read ([`StallTimeout`]), so a handler that is slow to read is not mistaken for a client
//! that is slow to send.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;
use tracing::{debug, error, info, warn};

use crate::config::HttpConfig;

/// Connections let in from loopback beyond `max_connections`, so that a health check or an operator on the
/// machine itself gets through while the cap is full.
pub const LOOPBACK_RESERVE: usize = 64;

/// Descriptors kept for everything but client connections (database pool, SQLite files, temporary files
/// of exports, the log) when the cap is fitted to the open-file limit.
const DESCRIPTORS_KEPT: usize = 256;

/// The connection limits in force.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time for a request head from its first byte, and for a new connection's first head.
    pub header_read_timeout: Duration,
    /// Longest silence of a request body being read.
    pub body_read_timeout: Duration,
    /// Longest wait for the next request on a kept-alive connection.
    pub idle_timeout: Duration,
    /// Most connections open at once (loopback gets [`LOOPBACK_RESERVE`] more).
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The limits `[http]` sets.
    pub fn from_config(http: &HttpConfig) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(http.header_read_timeout_seconds),
            body_read_timeout: Duration::from_secs(http.body_read_timeout_seconds),
            idle_timeout: Duration::from_secs(http.idle_timeout_seconds),
            max_connections: http.max_connections,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes; then accepts nothing more, closes the
/// connections that have no request in flight and waits for the others to finish theirs.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    refusal: Response,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = Arc::new(ConnectionLimits {
        max_connections: within_descriptor_limit(limits.max_connections, open_file_limit()),
        ..limits
    });
    let refusal: Arc<[u8]> = serialise(refusal).await.into();
    let open = Arc::new(AtomicUsize::new(0));
    let (stop, stopping) = watch::channel(false);
    let mut at_capacity = false;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        let count = open.load(Ordering::Relaxed);
        if !admits(count, limits.max_connections, peer.ip()) {
            if !at_capacity {
                warn!(target: "security", open = count,
                      "connection cap reached: new connections are answered 503 and closed");
                at_capacity = true;
            }
            let _ = stream.try_write(&refusal);
            continue;
        }
        if at_capacity && count < limits.max_connections {
            info!(
                open = count,
                "below the connection cap again: new connections are served"
            );
            at_capacity = false;
        }
        let slot = Slot::take(&open);
        tokio::spawn(serve_connection(
            stream,
            peer,
            router.clone(),
            limits.clone(),
            stopping.clone(),
            slot,
        ));
    }
    drop(listener);
    drop(stopping);
    let _ = stop.send(true);
    stop.closed().await;
}

/// Whether a connection from `peer` is served when `open` connections are: below the cap, or from
/// loopback within the reserve.
fn admits(open: usize, max_connections: usize, peer: IpAddr) -> bool {
    open < max_connections
        || (peer.to_canonical().is_loopback() && open < max_connections + LOOPBACK_RESERVE)
}

/// `configured` lowered, with a warning, to what the process's open-file limit `limit` leaves room for.
fn within_descriptor_limit(configured: usize, limit: Option<u64>) -> usize {
    let Some(limit) = limit else {
        return configured;
    };
    let room = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(LOOPBACK_RESERVE + DESCRIPTORS_KEPT)
        .max(16);
    if room < configured {
        warn!(
            "http.max_connections {configured} lowered to {room}: the open-file limit is {limit} \
             (raise LimitNOFILE in the systemd unit, or `ulimit -n`)"
        );
        room
    } else {
        configured
    }
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); none when unlimited or unknown.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Failed accepts: a connection that went away before it was taken is nothing; anything else (out of
/// descriptors) is logged and accepting pauses briefly instead of spinning.
async fn accept_failed(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    ) {
        return;
    }
    error!(%error, "accepting a connection failed; pausing accepts for 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// `response` as HTTP/1.1 bytes that close the connection, for writing straight to a refused socket.
async fn serialise(response: Response) -> Vec<u8> {
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut raw = format!("HTTP/1.1 {}\r\n", parts.status).into_bytes();
    for (name, value) in &parts.headers {
        raw.extend_from_slice(name.as_str().as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(value.as_bytes());
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(
        format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    raw.extend_from_slice(&body);
    raw
}

/// One place in the count of open connections, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Slot {
        open.fetch_add(1, Ordering::Relaxed);
        Slot(open.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Arc<ConnectionLimits>,
    mut stopping: watch::Receiver<bool>,
    _slot: Slot,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        let body_timeout = limits.body_read_timeout;
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let in_flight = activity.request_started();
            let mut request = request.map(|body| Body::new(StallTimeout::new(body, body_timeout)));
            request.extensions_mut().insert(ConnectInfo(peer));
            let router = router.clone();
            async move {
                let response = router.oneshot(request).await?;
                Ok::<_, Infallible>(release_when_sent(response, in_flight))
            }
        })
    };
    let connection = http1::Builder::new().serve_connection(io, service);
    tokio::pin!(connection);
    let mut draining = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            reason = activity.deadline_passed(&limits) => {
                debug!(%peer, reason, "connection closed");
                return;
            }
            _ = stopping.wait_for(|stop| *stop), if !draining => {
                if activity.in_flight() == 0 {
                    return;
                }
                connection.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}

/// `response` with `guard` kept until its body has been sent (or abandoned).
pub(crate) fn release_when_sent<G: Send + Unpin + 'static>(
    response: Response,
    guard: G,
) -> Response {
    response.map(|inner| {
        Body::new(Guarded {
            inner,
            _guard: guard,
        })
    })
}

struct Guarded<G> {
    inner: Body,
    _guard: G,
}

impl<G: Unpin> http_body::Body for Guarded<G> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// "No deadline running": a head has not begun.
const NONE: u64 = u64::MAX;

/// What one connection is doing, as its deadlines need it. Every access is from the connection's own task
/// (hyper calls the service and drops answered bodies while it is polled), so relaxed atomics suffice.
struct Activity {
    accepted: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `accepted` when the bytes of a head began to arrive, or [`NONE`].
    head_started: AtomicU64,
    /// Milliseconds after `accepted` when the last answer was sent.
    idle_since: AtomicU64,
    answered: AtomicBool,
    finished: Notify,
}

/// Marks a request in flight on its connection until dropped.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.in_flight.fetch_sub(1, Ordering::Relaxed);
        activity
            .idle_since
            .store(activity.elapsed_ms(), Ordering::Relaxed);
        activity.answered.store(true, Ordering::Relaxed);
        activity.finished.notify_one();
    }
}

impl Activity {
    fn new() -> Self {
        Self {
            accepted: Instant::now(),
            in_flight: AtomicUsize::new(0),
            head_started: AtomicU64::new(NONE),
            idle_since: AtomicU64::new(0),
            answered: AtomicBool::new(false),
            finished: Notify::new(),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(NONE - 1)
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    fn request_started(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.head_started.store(NONE, Ordering::Relaxed);
        InFlight(self.clone())
    }

    fn bytes_arrived(&self) {
        if self.in_flight() == 0 && self.head_started.load(Ordering::Relaxed) == NONE {
            self.head_started
                .store(self.elapsed_ms(), Ordering::Relaxed);
        }
    }

    /// When the connection is to be closed unless something happens first, and why; none while a request
    /// is in flight.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<(Instant, &'static str)> {
        if self.in_flight() > 0 {
            return None;
        }
        let at = |ms: u64, timeout: Duration| self.accepted + Duration::from_millis(ms) + timeout;
        let head_started = self.head_started.load(Ordering::Relaxed);
        Some(if head_started != NONE {
            (
                at(head_started, limits.header_read_timeout),
                "the request head did not arrive within the header read timeout",
            )
        } else if self.answered.load(Ordering::Relaxed) {
            (
                at(self.idle_since.load(Ordering::Relaxed), limits.idle_timeout),
                "idle for the idle timeout",
            )
        } else {
            (
                at(0, limits.header_read_timeout),
                "no request within the header read timeout",
            )
        })
    }

    /// Completes, with the reason, when the connection's current deadline passes.
    async fn deadline_passed(&self, limits: &ConnectionLimits) -> &'static str {
        loop {
            let Some((deadline, reason)) = self.deadline(limits) else {
                self.finished.notified().await;
                continue;
            };
            if Instant::now() >= deadline {
                return reason;
            }
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {}
                () = self.finished.notified() => {}
            }
        }
    }
}

/// The client's socket, noting when bytes arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.bytes_arrived();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A request body that delivered nothing for the body read timeout.
#[derive(Debug, thiserror::Error)]
#[error("nothing of the request body arrived for {} s", .0.as_secs())]
pub(crate) struct BodyStalled(Duration);

/// The [`BodyStalled`] somewhere in `error`'s chain of causes, if any.
pub(crate) fn body_stalled<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a BodyStalled> {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(stalled) = current.downcast_ref::<BodyStalled>() {
            return Some(stalled);
        }
        cause = current.source();
    }
    None
}

/// A request body that fails with [`BodyStalled`] when, while it is being read, nothing arrives for
/// `limit`. The clock runs only while the reader waits for the client.
struct StallTimeout {
    inner: Incoming,
    limit: Duration,
    timer: Pin<Box<Sleep>>,
    waiting: bool,
}

impl StallTimeout {
    fn new(inner: Incoming, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            timer: Box::pin(tokio::time::sleep(limit)),
            waiting: false,
        }
    }
}

impl http_body::Body for StallTimeout {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.waiting = false;
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        if !this.waiting {
            this.waiting = true;
            let deadline = Instant::now() + this.limit;
            this.timer.as_mut().reset(deadline);
        }
        ready!(this.timer.as_mut().poll(cx));
        Poll::Ready(Some(Err(Box::new(BodyStalled(this.limit)))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_cap_only_loopback_is_let_in_and_only_within_the_reserve() {
        let outside: IpAddr = "203.0.113.7".parse().unwrap();
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let mapped_loopback: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert!(admits(99, 100, outside));
        assert!(!admits(100, 100, outside));
        assert!(admits(100, 100, loopback));
        assert!(admits(100, 100, mapped_loopback));
        assert!(admits(100 + LOOPBACK_RESERVE - 1, 100, loopback));
        assert!(!admits(100 + LOOPBACK_RESERVE, 100, loopback));
    }

    #[test]
    fn the_cap_is_lowered_to_what_the_open_file_limit_leaves() {
        assert_eq!(within_descriptor_limit(4096, None), 4096);
        assert_eq!(within_descriptor_limit(4096, Some(65_536)), 4096);
        assert_eq!(
            within_descriptor_limit(4096, Some(1024)),
            1024 - LOOPBACK_RESERVE - DESCRIPTORS_KEPT
        );
        assert_eq!(within_descriptor_limit(4096, Some(100)), 16);
    }

    #[test]
    fn a_refusal_is_a_complete_answer_that_closes_the_connection() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let response = Response::builder()
            .status(503)
            .header("retry-after", "1")
            .body(Body::from("{\"code\":\"busy\"}"))
            .unwrap();
        let raw = String::from_utf8(runtime.block_on(serialise(response))).unwrap();
        assert_eq!(
            raw,
            "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-length: 15\r\n\
             connection: close\r\n\r\n{\"code\":\"busy\"}"
        );
    }
}
