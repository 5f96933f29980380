//! `forms open`: what nobody has picked up yet, for the operator. Only
//! the facts a pickup page shows, plus age and what the sweeper did; no
//! name, address or message.

use serde::Serialize;
use time::OffsetDateTime;

use super::PickupDesk;
use super::summary::Summary;
use super::workdays::working_days_between;
use crate::store::StoreError;

#[derive(Debug, Serialize)]
pub struct OpenForm {
    #[serde(flatten)]
    pub summary: Summary,
    pub working_days_open: u32,
    pub reminded: bool,
    pub escalated: bool,
}

impl PickupDesk {
    pub async fn open_forms(&self, now: OffsetDateTime) -> Result<Vec<OpenForm>, StoreError> {
        Ok(self
            .store
            .open_forms()
            .await?
            .iter()
            .filter(|r| now < r.expires_at)
            .map(|r| OpenForm {
                summary: Summary::of(r),
                working_days_open: working_days_between(r.received_at, now),
                reminded: r.pickup.reminded_at.is_some(),
                escalated: r.pickup.escalated_at.is_some(),
            })
            .collect())
    }
}

/// A plain table for a terminal, one form per line.
pub fn table(forms: &[OpenForm]) -> String {
    let yes = |b: bool| if b { "ja" } else { "nee" };
    let mut out = format!(
        "{:<36}  {:<16}  {:<14}  {:<18}  {:>8}  {:<10}  {:<10}\n",
        "kenmerk", "formulier", "programma", "gemeente", "werkdagen", "herinnerd", "doorgestuurd"
    );
    for f in forms {
        out.push_str(&format!(
            "{:<36}  {:<16}  {:<14}  {:<18}  {:>8}  {:<10}  {:<10}\n",
            f.summary.reference,
            f.summary.form.label_nl(),
            f.summary.programme.unwrap_or("-"),
            f.summary.municipality.unwrap_or("-"),
            f.working_days_open,
            yes(f.reminded),
            yes(f.escalated),
        ));
    }
    out.push_str(&format!("{} open form(s).\n", forms.len()));
    out
}
