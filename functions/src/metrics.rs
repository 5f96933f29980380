//! Metrics as CloudWatch Embedded Metric Format: one JSON line on stdout
//! becomes metrics in the `Forms` namespace, which the alarms in
//! `infra/template.yaml` watch. Only on Lambda; locally the same facts are
//! in the logs and the sweep report.

use std::sync::atomic::{AtomicBool, Ordering};

use time::OffsetDateTime;

use crate::store::PendingStats;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Called once at start-up on Lambda.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// The CloudWatch namespace of every metric here (no dimensions).
pub const NAMESPACE: &str = "Forms";
pub const PENDING: &str = "PendingMail";
pub const PENDING_OVER_ONE_HOUR: &str = "PendingMailOverOneHour";
/// Every metric this function writes (`forms contract`).
pub const NAMES: &[&str] =
    &[PENDING, PENDING_OVER_ONE_HOUR, DEAD_LETTERED, UNREADABLE, PAST_ESCALATION, COORDINATOR_BOUNCED, SITE_DATA_UNAVAILABLE];
/// Those an alarm in `infra/template.yaml` must watch (`PendingMail` is
/// only context for `PendingMailOverOneHour`).
pub const ALARMED: &[&str] =
    &[PENDING_OVER_ONE_HOUR, DEAD_LETTERED, UNREADABLE, PAST_ESCALATION, COORDINATOR_BOUNCED, SITE_DATA_UNAVAILABLE];

/// A mail went to the fallback inbox after a permanent refusal
/// (`DeadLetterAlarm`).
pub const DEAD_LETTERED: &str = "DeadLetteredMail";
/// SES reported a bounce of a mail to a coordinator (the form mail or its
/// reminder): a coordinator address to fix (`CoordinatorBounceAlarm`).
pub const COORDINATOR_BOUNCED: &str = "CoordinatorMailBounced";
/// Open forms past their pickup escalation time (`FormsPastEscalationAlarm`).
pub const PAST_ESCALATION: &str = "FormsPastEscalation";
/// The site's published data (routing, a form page) could not be read or
/// parsed: the function used an older copy (`SiteDataUnavailableAlarm`).
pub const SITE_DATA_UNAVAILABLE: &str = "SiteDataUnavailable";
/// Stored records a sweep could not read and skipped.
pub const UNREADABLE: &str = "UnreadableRecords";

/// The sweep's view of pending mail (`PendingMailAlarm`).
pub fn pending(stats: &PendingStats) {
    emit(&[(PENDING, stats.pending), (PENDING_OVER_ONE_HOUR, stats.over_one_hour)]);
}

pub fn count(name: &'static str, value: u64) {
    emit(&[(name, value)]);
}

fn emit(values: &[(&'static str, u64)]) {
    if ENABLED.load(Ordering::Relaxed) {
        println!("{}", line(values, OffsetDateTime::now_utc()));
    }
}

fn line(values: &[(&'static str, u64)], at: OffsetDateTime) -> serde_json::Value {
    let mut doc = serde_json::json!({
        "_aws": {
            "Timestamp": at.unix_timestamp() * 1000,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[]],
                "Metrics": values.iter().map(|(name, _)| serde_json::json!({"Name": name, "Unit": "Count"})).collect::<Vec<_>>(),
            }]
        }
    });
    for (name, value) in values {
        doc[*name] = serde_json::json!(value);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_names_each_metric_and_carries_its_value() {
        let doc = line(&[(DEAD_LETTERED, 1)], OffsetDateTime::UNIX_EPOCH);
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Forms");
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "DeadLetteredMail");
        assert_eq!(doc["DeadLetteredMail"], 1);
    }
}
