//! After a save: is the change being published, live, or did publishing
//! fail? Read from the publish workflow's runs for the commit (GitHub's
//! Actions API). A failed run also reaches this server as the App's
//! `workflow_run` webhook, which mails the operator.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::github::{GitHub, GitHubError, Run};
use crate::mail::{FailedPublish, MailOut};
use crate::store::{SessionStore, key};

#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for or running the publish workflow.
    Publishing,
    Live,
    Failed,
}

pub struct Publish {
    github: Arc<GitHub>,
    workflow: String,
    branch: String,
}

/// Conclusions that mean "not online, someone must look".
const FAILED: &[&str] = &["failure", "timed_out", "startup_failure", "action_required", "stale"];

impl Publish {
    pub fn new(github: Arc<GitHub>, workflow: String, branch: String) -> Self {
        Self { github, workflow, branch }
    }

    pub async fn state(&self, commit: &str) -> Result<State, GitHubError> {
        let runs = self.github.workflow_runs(&self.workflow, commit).await?;
        Ok(match state_of(&runs) {
            // A waiting run is cancelled when a newer save queues behind it;
            // that newer run publishes this change too.
            Some(Conclusion::Superseded) => {
                let path = format!("/actions/workflows/{}/runs?branch={}&per_page=1", self.workflow, self.branch);
                let latest = self.github.repo_call(hyper::Method::GET, &path, None).await?;
                let runs: Vec<Run> = serde_json::from_value(latest["workflow_runs"].clone()).unwrap_or_default();
                match state_of(&runs) {
                    Some(Conclusion::Done(state)) => state,
                    _ => State::Publishing,
                }
            }
            Some(Conclusion::Done(state)) => state,
            None => State::Publishing,
        })
    }
}

enum Conclusion {
    Done(State),
    Superseded,
}

fn state_of(runs: &[Run]) -> Option<Conclusion> {
    if runs.iter().any(|r| r.status == "completed" && r.conclusion.as_deref() == Some("success")) {
        return Some(Conclusion::Done(State::Live));
    }
    if runs.iter().any(|r| r.status != "completed") {
        return Some(Conclusion::Done(State::Publishing));
    }
    if runs.iter().any(|r| FAILED.contains(&r.conclusion.as_deref().unwrap_or(""))) {
        return Some(Conclusion::Done(State::Failed));
    }
    if runs.is_empty() { None } else { Some(Conclusion::Superseded) }
}

/// `X-Hub-Signature-256: sha256=<hex>` over the body, with the App's webhook secret.
pub fn signature_ok(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    let Some(tag) = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    ring::hmac::verify(&key, body, &tag).is_ok()
}

/// A failed run of the publish workflow, from a verified `workflow_run`
/// delivery; None for every other event (a success, another workflow).
pub struct FailedRun {
    pub commit: String,
    pub author: String,
    pub message: String,
    pub run_url: String,
    pub branch: Option<String>,
}

pub fn failed_run(payload: &Value, workflow: &str) -> Option<FailedRun> {
    let run = &payload["workflow_run"];
    let is_publish = run["path"].as_str().is_some_and(|p| p.ends_with(&format!("/{workflow}")));
    let failed = payload["action"] == "completed" && FAILED.contains(&run["conclusion"].as_str().unwrap_or(""));
    if !is_publish || !failed {
        return None;
    }
    let author = &run["head_commit"]["author"];
    Some(FailedRun {
        commit: run["head_sha"].as_str().unwrap_or("?").to_owned(),
        author: format!("{} <{}>", author["name"].as_str().unwrap_or("?"), author["email"].as_str().unwrap_or("?")),
        message: run["head_commit"]["message"].as_str().unwrap_or("").lines().next().unwrap_or("").to_owned(),
        run_url: run["html_url"].as_str().unwrap_or("").to_owned(),
        branch: run["head_branch"].as_str().map(str::to_owned),
    })
}

/// Mails the operator about `run`, once per GitHub delivery (GitHub may
/// deliver the same event again).
pub async fn tell_operator(
    run: &FailedRun,
    delivery: Option<&str>,
    (repository, branch): (&str, &str),
    mail: &MailOut,
    store: &Arc<dyn SessionStore>,
    now: i64,
) -> Result<(), String> {
    if let Some(id) = delivery
        && store.count(&key("webhook", id), now + 7 * 24 * 3600).await.map_err(|e| e.to_string())? > 1
    {
        return Ok(());
    }
    let failed = FailedPublish {
        commit: &run.commit,
        author: &run.author,
        message: &run.message,
        run_url: &run.run_url,
        repository,
        branch: run.branch.as_deref().unwrap_or(branch),
    };
    mail.send_publish_failed(&failed).await.map_err(|e| e.log_summary())?;
    tracing::warn!(commit = %run.commit, "publishing failed; the operator was mailed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(status: &str, conclusion: Option<&str>) -> Run {
        Run { status: status.into(), conclusion: conclusion.map(Into::into), head_sha: "a".into(), html_url: String::new() }
    }

    #[test]
    fn the_state_follows_the_runs_of_the_commit() {
        assert!(state_of(&[]).is_none());
        assert!(matches!(state_of(&[run("queued", None)]), Some(Conclusion::Done(State::Publishing))));
        assert!(matches!(state_of(&[run("completed", Some("success"))]), Some(Conclusion::Done(State::Live))));
        assert!(matches!(state_of(&[run("completed", Some("failure"))]), Some(Conclusion::Done(State::Failed))));
        // Run again by hand after a failure, and now in progress.
        assert!(matches!(
            state_of(&[run("completed", Some("failure")), run("in_progress", None)]),
            Some(Conclusion::Done(State::Publishing))
        ));
        assert!(matches!(state_of(&[run("completed", Some("cancelled"))]), Some(Conclusion::Superseded)));
    }

    #[test]
    fn only_the_right_signature_passes() {
        let body = br#"{"action":"completed"}"#;
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"webhook-secret");
        let hex: String = ring::hmac::sign(&key, body).as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert!(signature_ok("webhook-secret", body, Some(&format!("sha256={hex}"))));
        assert!(!signature_ok("other-secret", body, Some(&format!("sha256={hex}"))));
        assert!(!signature_ok("webhook-secret", b"{}", Some(&format!("sha256={hex}"))));
        assert!(!signature_ok("webhook-secret", body, Some(&hex)));
        assert!(!signature_ok("webhook-secret", body, None));
        assert!(!signature_ok("webhook-secret", body, Some("sha256=zz")));
    }
}
