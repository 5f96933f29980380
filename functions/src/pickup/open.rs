//! `forms open`: what nobody has picked up yet, for the operator. Only
//! the facts a pickup page shows, plus age and what the sweeper did; no
//! name, address or message.

use serde::Serialize;
use time::OffsetDateTime;

use super::summary::Summary;
use super::workdays::working_days_between;
use crate::store::Record;
use crate::words;

#[derive(Debug, Serialize)]
pub struct OpenForm {
    #[serde(flatten)]
    pub summary: Summary,
    pub working_days_open: u32,
    pub reminded: bool,
    pub escalated: bool,
}

impl OpenForm {
    /// `None` once the form is past its retention (about to be removed).
    pub fn of(record: &Record, now: OffsetDateTime) -> Option<Self> {
        (now < record.expires_at).then(|| OpenForm {
            summary: Summary::of(record),
            working_days_open: working_days_between(record.received_at, now),
            reminded: record.pickup.reminded_at.is_some(),
            escalated: record.pickup.escalated_at.is_some(),
        })
    }
}

/// What `forms open` lists: the open forms, and the ids of stored records
/// that could not be read (so nothing waits unseen).
#[derive(Debug, Default)]
pub struct OpenForms {
    pub forms: Vec<OpenForm>,
    pub unreadable: Vec<String>,
}

/// A plain table for a terminal, one form per line.
pub fn table(forms: &[OpenForm]) -> String {
    let [reference, form, programme, municipality, days, reminded, escalated] = words::OPEN_FORMS_HEADINGS;
    let mut out =
        format!("{reference:<36}  {form:<16}  {programme:<14}  {municipality:<18}  {days:>8}  {reminded:<10}  {escalated:<10}\n");
    for f in forms {
        out.push_str(&format!(
            "{:<36}  {:<16}  {:<14}  {:<18}  {:>8}  {:<10}  {:<10}\n",
            f.summary.reference,
            f.summary.form.label_nl(),
            f.summary.programme.unwrap_or("-"),
            f.summary.municipality.unwrap_or("-"),
            f.working_days_open,
            words::yes_no(f.reminded),
            words::yes_no(f.escalated),
        ));
    }
    out.push_str(&format!("{} open form(s).\n", forms.len()));
    out
}
