//! Cold start as Lambda sees it: from starting the process to the
//! response for its first event arriving at the Runtime API. Ours and
//! the baseline take turns (the order rotates each round) so that noise
//! from other work on the machine falls on all alike.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::event::{api_gateway_event, contact_form};
use crate::runtime_api::RuntimeApi;

pub struct Candidate {
    pub name: &'static str,
    pub bin: PathBuf,
    /// The environment, besides the Lambda variables; nothing else is inherited.
    pub env: Vec<(String, String)>,
    /// The event for a round.
    pub event: fn(usize) -> Value,
    pub expect_status: u64,
}

/// Milliseconds per candidate, `runs` each, after `warmup` discarded rounds
/// (the first start reads the binary from disk and creates the database).
pub async fn measure(api: &RuntimeApi, candidates: &[Candidate], warmup: usize, runs: usize) -> Result<Vec<Vec<f64>>, String> {
    let n = candidates.len();
    let mut times = vec![Vec::with_capacity(runs); n];
    for round in 0..warmup + runs {
        for which in (0..n).map(|i| (i + round) % n) {
            let ms = one(api, &candidates[which], round).await?;
            if round >= warmup {
                times[which].push(ms);
            }
        }
    }
    Ok(times)
}

async fn one(api: &RuntimeApi, c: &Candidate, round: usize) -> Result<f64, String> {
    let id = format!("{}-{round}", c.name);
    let answer = api.queue(&id, (c.event)(round));
    let started = Instant::now();
    let mut child = Command::new(&c.bin)
        .env_clear()
        .envs(c.env.iter().map(|(k, v)| (k, v)))
        .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", c.name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_REGION", "eu-west-1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", c.bin.display()))?;
    let waited = tokio::time::timeout(Duration::from_secs(20), answer).await;
    let _ = child.kill();
    let _ = child.wait();
    let (answered, result) = waited
        .map_err(|_| format!("{} gave no answer within 20 s", c.name))?
        .map_err(|_| format!("{}: runtime stand-in dropped the answer", c.name))?;
    let response = result.map_err(|e| format!("{}: {e}", c.name))?;
    if response["statusCode"].as_u64() != Some(c.expect_status) {
        return Err(format!("{} answered {response}, expected status {}", c.name, c.expect_status));
    }
    Ok((answered - started).as_secs_f64() * 1000.0)
}

/// A valid contact form post, new sender each round.
pub fn form_post(round: usize) -> Value {
    api_gateway_event("POST", crate::event::FORM_PATH, &contact_form(round))
}

/// `GET /api/health`: start-up alone, without storing or mailing.
pub fn health_check(_round: usize) -> Value {
    api_gateway_event("GET", "/api/health", "")
}
