//! A stand-in for the Lambda Runtime API: hands a function process the
//! events queued for it, in order, and notes the moment each response
//! arrives. When none is queued, `next` waits forever, as on Lambda between
//! invocations; the bench then kills the process. Also used by the form
//! function's own Lambda test (functions/tests/api/lambda.rs).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::oneshot;

/// When the function answered an invocation, and what (or its error).
type Answered = (Instant, Result<Value, String>);

#[derive(Default)]
struct Pending {
    events: VecDeque<(String, Value)>,
    waiting: HashMap<String, oneshot::Sender<Answered>>,
}

#[derive(Clone)]
pub struct RuntimeApi {
    pub addr: SocketAddr,
    pending: Arc<Mutex<Pending>>,
}

/// When the function posted its answer, and the answer (or its error).
pub type Answer = oneshot::Receiver<Answered>;

impl RuntimeApi {
    pub async fn start() -> std::io::Result<Self> {
        let pending = Arc::new(Mutex::new(Pending::default()));
        let routes = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .with_state(pending.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, routes).await });
        Ok(Self { addr, pending })
    }

    /// Queues an event for the next call to `next`.
    pub fn queue(&self, id: &str, event: Value) -> Answer {
        let (tx, rx) = oneshot::channel();
        let mut p = self.pending.lock().unwrap();
        p.events.push_back((id.to_owned(), event));
        p.waiting.insert(id.to_owned(), tx);
        rx
    }
}

type Shared = Arc<Mutex<Pending>>;

async fn next(State(p): State<Shared>) -> impl IntoResponse {
    let Some((id, event)) = p.lock().unwrap().events.pop_front() else {
        return std::future::pending().await;
    };
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
    headers.insert("lambda-runtime-deadline-ms", "9999999999999".parse().unwrap());
    headers
        .insert("lambda-runtime-invoked-function-arn", "arn:aws:lambda:eu-west-1:000000000000:function:bench".parse().unwrap());
    headers.insert("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000".parse().unwrap());
    (headers, event.to_string())
}

async fn response(State(p): State<Shared>, Path(id): Path<String>, body: String) -> &'static str {
    let at = Instant::now();
    let answer = serde_json::from_str(&body).map_err(|e| format!("answer is not JSON: {e}"));
    if let Some(tx) = p.lock().unwrap().waiting.remove(&id) {
        let _ = tx.send((at, answer));
    }
    "ok"
}

async fn error(State(p): State<Shared>, Path(id): Path<String>, body: String) -> &'static str {
    let at = Instant::now();
    if let Some(tx) = p.lock().unwrap().waiting.remove(&id) {
        let _ = tx.send((at, Err(format!("the function reported an error: {body}"))));
    }
    "ok"
}
