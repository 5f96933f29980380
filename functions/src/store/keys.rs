//! The name of every stored field, in one place: a DynamoDB attribute and
//! the SQLite column of the same fact have the same name, and the table's
//! contract (`forms contract`, checked against infra/template.yaml) reads
//! it from here too.
//!
//! Times are epoch milliseconds, except `expires_at` on DynamoDB: its TTL
//! wants epoch seconds.

pub const ID: &str = "id";
/// The form's kind (`contact`, …), for a person reading the table.
pub const KIND: &str = "kind";
/// The parsed form as JSON (`domain::Submission`).
pub const SUBMISSION: &str = "submission";
pub const ROUTED_TO: &str = "routed_to";
/// Every address in the form, lower-cased, for data requests.
pub const EMAILS: &str = "emails";
pub const RECEIVED_AT: &str = "received_at";
pub const CONSENT_AT: &str = "consent_at";
/// End of retention; DynamoDB's TTL attribute.
pub const EXPIRES_AT: &str = "expires_at";

// The form's own mail (`Delivery`).
pub const COORDINATOR_SENT_AT: &str = "coordinator_sent_at";
pub const CONFIRMATION_SENT_AT: &str = "confirmation_sent_at";
pub const WANTS_CONFIRMATION: &str = "wants_confirmation";
pub const ATTEMPTS: &str = "attempts";
pub const NEXT_ATTEMPT_AT: &str = "next_attempt_at";
/// Set while form mail is still to be sent (`Record::is_pending`): `"1"`
/// on DynamoDB (absent otherwise: a sparse index), 1 or 0 in SQLite.
pub const PENDING: &str = "pending";
/// Permanent refusals as JSON; absent when none.
pub const REFUSED: &str = "refused";
/// Bounces and complaints SES reported after sending, as JSON; absent
/// when none.
pub const FEEDBACK: &str = "feedback";

// The pickup loop (`Pickup`).
pub const PICKED_UP_AT: &str = "picked_up_at";
pub const PICKED_UP_BY: &str = "picked_up_by";
pub const REMINDED_AT: &str = "reminded_at";
pub const ESCALATED_AT: &str = "escalated_at";
pub const REFERRER_TOLD_AT: &str = "referrer_told_at";
/// `"1"` while the follow-up has something to do (DynamoDB only: the
/// sparse index's key; SQLite asks whether `follow_up_at` is set).
pub const FOLLOW_UP: &str = "follow_up";
pub const FOLLOW_UP_AT: &str = "follow_up_at";

/// The value of `pending` and `follow_up` on DynamoDB while they are set.
pub const SET: &str = "1";

/// DynamoDB's sparse index of records with mail to send, by when it is due.
pub const PENDING_INDEX: &str = "pending-by-due";
/// DynamoDB's sparse index of records with a pickup follow-up planned, by
/// when it is due: the sweep queries it, never scans.
pub const FOLLOW_UP_INDEX: &str = "follow-up-by-due";

/// SQLite's one table.
pub const TABLE: &str = "submissions";
