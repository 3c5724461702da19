//! HTTP/2 for TLS connections whose client chose "h2" through ALPN, as the
//! extension's client does when the server offers it. The requests go to the
//! same handlers as HTTP/1.1 (`crate::handle`), several at once on one
//! connection; the faults act on the stream (a reset for "drop"/"truncate",
//! silence for "hang", a slow body for "trickle").

use crate::http::{parse_query, HttpRequest, HttpResponse};
use crate::{Fault, Shared};
use bytes::Bytes;
use h2::server::SendResponse;
use h2::{Reason, RecvStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// The most of a request body that is read.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Serves one HTTP/2 connection until the client closes it.
pub async fn serve<T>(io: T, shared: Shared)
where
    T: AsyncRead + AsyncWrite + Unpin,
{
    let Ok(mut conn) = h2::server::handshake(io).await else {
        return;
    };
    shared.h2_connections.fetch_add(1, Ordering::SeqCst);
    let counted = Arc::new(AtomicBool::new(false));
    while let Some(Ok((req, respond))) = conn.accept().await {
        tokio::spawn(answer(req, respond, shared.clone(), counted.clone()));
    }
}

async fn answer(
    req: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    shared: Shared,
    counted: Arc<AtomicBool>,
) {
    let (parts, mut body) = req.into_parts();
    let mut bytes = Vec::new();
    while let Some(chunk) = body.data().await {
        let Ok(chunk) = chunk else { return };
        let _ = body.flow_control().release_capacity(chunk.len());
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_BODY_BYTES {
            respond.send_reset(Reason::REFUSED_STREAM);
            return;
        }
    }
    let request = HttpRequest {
        method: parts.method.to_string(),
        path: crate::http::percent_decode(parts.uri.path()),
        query: parse_query(parts.uri.query().unwrap_or("")),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: bytes,
        keep_alive: true,
        http2: true,
    };
    let handled = {
        let shared = shared.clone();
        tokio::task::spawn_blocking(move || crate::handle(&shared, &request, &counted)).await
    };
    let Ok((resp, fault)) = handled else {
        respond.send_reset(Reason::INTERNAL_ERROR);
        return;
    };
    send(respond, &resp, fault.as_ref(), &shared).await;
}

async fn send(
    mut respond: SendResponse<Bytes>,
    resp: &HttpResponse,
    fault: Option<&Fault>,
    shared: &Shared,
) {
    let action = fault.and_then(|f| f.action.as_deref());
    if action == Some("drop") {
        respond.send_reset(Reason::INTERNAL_ERROR);
        return;
    }
    if action == Some("hang") {
        // Silence, for longer than any client timeout.
        for _ in 0..600 {
            if shared.stopping.load(Ordering::SeqCst) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        respond.send_reset(Reason::CANCEL);
        return;
    }
    let mut head = http::Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        head = head.header(k.as_str(), v.as_str());
    }
    let head = head.header("content-length", resp.body.len().to_string());
    let Ok(head) = head.body(()) else {
        respond.send_reset(Reason::INTERNAL_ERROR);
        return;
    };
    let Ok(mut stream) = respond.send_response(head, resp.body.is_empty()) else {
        return;
    };
    if resp.body.is_empty() {
        return;
    }
    match action {
        Some("truncate") => {
            let half = resp.body.get(..resp.body.len() / 2).unwrap_or_default();
            let _ = stream.send_data(Bytes::copy_from_slice(half), false);
            tokio::time::sleep(Duration::from_millis(50)).await;
            stream.send_reset(Reason::INTERNAL_ERROR);
        }
        Some("trickle") => {
            let last = resp.body.len() - 1;
            for (i, b) in resp.body.iter().enumerate() {
                if stream
                    .send_data(Bytes::copy_from_slice(&[*b]), i == last)
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
        _ => {
            let _ = stream.send_data(Bytes::copy_from_slice(&resp.body), true);
        }
    }
}
