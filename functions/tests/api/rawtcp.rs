//! Clients no HTTP library would be: a body cut off, a body that trickles,
//! a Content-Length that lies. Raw bytes over a loopback TCP socket.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub async fn connect(address: &str) -> TcpStream {
    TcpStream::connect(address.trim_start_matches("http://")).await.expect("connect to the app")
}

/// Request head for a POST with the given extra header lines.
pub fn post_head(path: &str, content_type: &str, extra: &[&str]) -> String {
    let mut head =
        format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nAccept: application/json\r\n");
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// Reads what the server answers until it closes or goes quiet, and
/// returns the status code of the first response (None: no answer).
pub async fn read_status(stream: &mut TcpStream) -> (Option<u16>, String) {
    let mut received = Vec::new();
    let mut buf = [0u8; 8192];
    // A generous bound on waiting for an answer; not a speed assertion.
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        received.extend_from_slice(&buf[..n]);
        if response_complete(&received) {
            break;
        }
    }
    let text = String::from_utf8_lossy(&received).into_owned();
    let status = text.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok());
    (status, text)
}

fn response_complete(received: &[u8]) -> bool {
    let text = String::from_utf8_lossy(received);
    let Some(end) = text.find("\r\n\r\n") else {
        return false;
    };
    let length = text[..end]
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)));
    length.is_some_and(|n| received.len() >= end + 4 + n)
}

pub async fn send(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).await.expect("write to the app");
    stream.flush().await.unwrap();
}
