//! The local server under load: N clients, each on its own keep-alive
//! connection, post valid contact forms as fast as they are answered.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::Request;
use hyper::client::conn::http1::{SendRequest, handshake};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::event::{FORM_PATH, contact_form};

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

impl Server {
    /// The release server with SQLite and the file mailer, rate limit off.
    pub async fn start(bin: &Path, site_dir: &Path, data_dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(data_dir).map_err(|e| e.to_string())?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let log = std::fs::File::create(data_dir.join("server.log")).map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .env_clear()
            .env("FORMS_STORE", "sqlite")
            .env("FORMS_MAILER", "file")
            .env("DATA_DIR", data_dir)
            .env("SITE_DIR", site_dir)
            .env("PORT", port.to_string())
            .env("RATE_LIMIT_PER_MINUTE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let server = Self { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) };
        server.wait_until_healthy().await?;
        Ok(server)
    }

    async fn wait_until_healthy(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut conn) = connect(self.addr).await {
                let request = Request::get("/api/health").header("host", "127.0.0.1").body(Empty::new().boxed()).unwrap();
                if let Ok(r) = conn.send_request(request).await {
                    if r.status().is_success() {
                        return Ok(());
                    }
                }
            }
            if Instant::now() > deadline {
                return Err("the local server did not answer /api/health within 20 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Peak resident memory so far (VmHWM), in MB.
    pub fn peak_rss_mb(&self) -> Result<f64, String> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).map_err(|e| e.to_string())?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or("no VmHWM in /proc/PID/status")?;
        Ok(kb / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

type Body = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

async fn connect(addr: SocketAddr) -> Result<SendRequest<Body>, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (send, conn) = handshake(TokioIo::new(stream)).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    Ok(send)
}

pub struct Round {
    pub wall: Duration,
    pub latencies_ms: Vec<f64>,
}

/// Posts `count` forms over `clients` connections; every answer must be 201.
/// `first` numbers the senders so that each round uses new ones.
pub async fn post_forms(addr: SocketAddr, clients: usize, count: usize, first: usize) -> Result<Round, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut connections = Vec::with_capacity(clients);
    for _ in 0..clients {
        connections.push(connect(addr).await?);
    }
    let started = Instant::now();
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|mut conn| {
            let next = next.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return Ok::<_, String>(latencies);
                    }
                    let request = Request::post(FORM_PATH)
                        .header("host", "127.0.0.1")
                        .header("content-type", "application/json")
                        .header("accept", "application/json")
                        .body(Full::new(Bytes::from(contact_form(first + i))).boxed())
                        .unwrap();
                    let sent = Instant::now();
                    let response = conn.send_request(request).await.map_err(|e| e.to_string())?;
                    let status = response.status();
                    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                    if status.as_u16() != 201 {
                        return Err(format!("expected 201, got {status}: {}", String::from_utf8_lossy(&body)));
                    }
                }
            })
        })
        .collect();
    let mut latencies_ms = Vec::with_capacity(count);
    for task in tasks {
        latencies_ms.extend(task.await.map_err(|e| e.to_string())??);
    }
    Ok(Round { wall: started.elapsed(), latencies_ms })
}
