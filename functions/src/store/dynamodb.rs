//! DynamoDB: the store on AWS. Conditional writes make a repeated form and
//! a repeated "sent" mark harmless; sparse indexes find pending mail and
//! due follow-ups; DynamoDB's TTL removes records when their retention ends.
//!
//! Attribute names come from `keys`; the table must match
//! `infra/template.yaml` (`forms contract` prints it; docs/architecture.md).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, Select, TimeToLiveSpecification,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::keys::*;
use super::{
    Cause, Delivery, FeedbackChange, FollowUpStep, FormMail, Inserted, Loaded, PendingStats, PickedUp, Pickup, Queue, Record,
    Refusal, StoreError, SubmissionStore, feedback_from_json, from_millis, list_json, normalized_emails, readable,
    refused_from_json, refused_json, submission_from_json, submission_json, to_millis,
};
use crate::domain::{EmailAddress, PickerName};

/// The table's shape, in one place: `create_if_missing` makes it and
/// `forms contract` prints it for infra/checks/contracts.py.
const ATTRIBUTES: [(&str, &str); 5] = [(ID, "S"), (PENDING, "S"), (NEXT_ATTEMPT_AT, "N"), (FOLLOW_UP, "S"), (FOLLOW_UP_AT, "N")];
/// Both indexes are sparse and projected in full: (name, hash key, range key).
const INDEXES: [(&str, &str, &str); 2] = [(PENDING_INDEX, PENDING, NEXT_ATTEMPT_AT), (FOLLOW_UP_INDEX, FOLLOW_UP, FOLLOW_UP_AT)];

type Item = HashMap<String, AttributeValue>;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

/// The table as the template in `infra/` declares it; `forms create-table`
/// makes it for local development. Production never creates tables.
pub struct TableSpec;

impl TableSpec {
    pub async fn create_if_missing(client: &Client, table: &str) -> Result<bool, StoreError> {
        let attribute = |name: &str, t| AttributeDefinition::builder().attribute_name(name).attribute_type(t).build();
        let key = |name: &str, t| KeySchemaElement::builder().attribute_name(name).key_type(t).build();
        let mut create = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(ID, KeyType::Hash).map_err(build)?);
        for (name, hash, range) in INDEXES {
            let index = GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(hash, KeyType::Hash).map_err(build)?)
                .key_schema(key(range, KeyType::Range).map_err(build)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(build)?;
            create = create.global_secondary_indexes(index);
        }
        for (name, kind) in ATTRIBUTES {
            create = create.attribute_definitions(attribute(name, ScalarAttributeType::from(kind)).map_err(build)?);
        }
        match create.send().await {
            Ok(_) => {}
            Err(e) if e.code() == Some("ResourceInUseException") => return Ok(false),
            Err(e) => return Err(sdk(e)),
        }
        let ttl = TimeToLiveSpecification::builder().attribute_name(EXPIRES_AT).enabled(true).build().map_err(build)?;
        client.update_time_to_live().table_name(table).time_to_live_specification(ttl).send().await.map_err(sdk)?;
        Ok(true)
    }

    /// The table as `create_if_missing` makes it, for `forms contract`.
    pub fn describe() -> serde_json::Value {
        serde_json::json!({
            "attributes": ATTRIBUTES,
            "key": [[ID, "HASH"]],
            "indexes": INDEXES.map(|(name, hash, range)| serde_json::json!({
                "name": name,
                "key": [[hash, "HASH"], [range, "RANGE"]],
                "projection": "ALL",
            })),
            "ttl": EXPIRES_AT,
        })
    }
}

/// An SDK error as a short cause: its kind, and the service's error code
/// if it answered; never the SDK's debug text (it holds the request).
fn sdk<E: ProvideErrorMetadata, R>(e: SdkError<E, R>) -> StoreError {
    let cause = match &e {
        SdkError::TimeoutError(_) => Cause::Timeout,
        SdkError::DispatchFailure(failure) if failure.is_timeout() => Cause::Timeout,
        SdkError::DispatchFailure(_) => Cause::Connection,
        SdkError::ResponseError(_) => Cause::Response,
        SdkError::ServiceError(_) => Cause::Refused(e.code().unwrap_or("no code").to_owned()),
        _ => Cause::Request,
    };
    StoreError::Unavailable(cause)
}

/// A request we could not build: our bug, never the service's answer.
fn build(_: BuildError) -> StoreError {
    StoreError::Unavailable(Cause::Request)
}

/// A conditional write: `true` when it was applied, `false` when its
/// condition did not hold (someone else got there first).
fn applied<T, E: ProvideErrorMetadata, R>(result: Result<T, SdkError<E, R>>) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if is_condition_failure(&e) => Ok(false),
        Err(e) => Err(sdk(e)),
    }
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("attribute `{what}`"))
}

/// The key of an item, even one that no longer parses as a record.
fn item_id(item: &Item) -> &str {
    item.get(ID).and_then(|v| v.as_s().ok()).map_or("(no id)", String::as_str)
}

/// The records of these items, oldest first; the unreadable ones (no date
/// to read) last.
fn oldest_first<'a>(items: impl Iterator<Item = &'a Item>) -> Vec<Loaded> {
    let mut records: Vec<Loaded> = items.map(loaded).collect();
    records.sort_by_key(|r| (r.is_err(), r.as_ref().ok().map(|r| r.received_at)));
    records
}

fn loaded(item: &Item) -> Loaded {
    readable(item_id(item), DynamoStore::from_item(item))
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    fn to_item(record: &Record) -> Item {
        let mut item = HashMap::from([
            (ID.to_owned(), s(record.id.to_string())),
            (KIND.to_owned(), s(record.submission.kind().as_str())),
            (SUBMISSION.to_owned(), s(submission_json(record))),
            (ROUTED_TO.to_owned(), s(record.routed_to.as_str())),
            (RECEIVED_AT.to_owned(), n(to_millis(record.received_at))),
            (CONSENT_AT.to_owned(), n(to_millis(record.consent_at))),
            // TTL wants epoch seconds.
            (EXPIRES_AT.to_owned(), n(record.expires_at.unix_timestamp())),
            (WANTS_CONFIRMATION.to_owned(), AttributeValue::Bool(record.wants_confirmation())),
            (ATTEMPTS.to_owned(), n(record.delivery.attempts)),
            (NEXT_ATTEMPT_AT.to_owned(), n(to_millis(record.delivery.next_attempt_at))),
        ]);
        if record.is_pending() {
            item.insert(PENDING.to_owned(), s(SET));
        }
        if !record.delivery.refused.is_empty() {
            item.insert(REFUSED.to_owned(), s(refused_json(&record.delivery.refused)));
        }
        if let Some(feedback) = list_json(&record.delivery.feedback) {
            item.insert(FEEDBACK.to_owned(), s(feedback));
        }
        let emails = normalized_emails(record);
        if !emails.is_empty() {
            item.insert(EMAILS.to_owned(), AttributeValue::Ss(emails));
        }
        if let Some(at) = record.pickup.follow_up_at {
            item.insert(FOLLOW_UP.to_owned(), s(SET));
            item.insert(FOLLOW_UP_AT.to_owned(), n(to_millis(at)));
        }
        item
    }

    fn from_item(item: &Item) -> Result<Record, StoreError> {
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).ok_or_else(|| corrupt(k));
        let num = |k: &str| -> Result<i64, StoreError> {
            item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).ok_or_else(|| corrupt(k))
        };
        let opt_num = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
        let opt_time = |k: &str| opt_num(k).map(from_millis);
        Ok(Record {
            id: Uuid::parse_str(text(ID)?).map_err(|_| corrupt(ID))?,
            submission: submission_from_json(text(SUBMISSION)?)?,
            routed_to: EmailAddress::parse(text(ROUTED_TO)?).map_err(|_| corrupt(ROUTED_TO))?,
            received_at: from_millis(num(RECEIVED_AT)?),
            consent_at: from_millis(num(CONSENT_AT)?),
            expires_at: OffsetDateTime::from_unix_timestamp(num(EXPIRES_AT)?).map_err(|_| corrupt(EXPIRES_AT))?,
            delivery: Delivery {
                coordinator_sent_at: opt_time(COORDINATOR_SENT_AT),
                confirmation_sent_at: opt_time(CONFIRMATION_SENT_AT),
                refused: refused_from_json(item.get(REFUSED).and_then(|v| v.as_s().ok()).map(String::as_str))?,
                feedback: feedback_from_json(item.get(FEEDBACK).and_then(|v| v.as_s().ok()).map(String::as_str))?,
                attempts: u32::try_from(num(ATTEMPTS)?).map_err(|_| corrupt(ATTEMPTS))?,
                next_attempt_at: from_millis(num(NEXT_ATTEMPT_AT)?),
            },
            pickup: Pickup {
                picked_up_at: opt_time(PICKED_UP_AT),
                picked_up_by: item
                    .get(PICKED_UP_BY)
                    .and_then(|v| v.as_s().ok())
                    .map(|v| PickerName::parse(v).map_err(|_| corrupt(PICKED_UP_BY)))
                    .transpose()?,
                reminded_at: opt_time(REMINDED_AT),
                escalated_at: opt_time(ESCALATED_AT),
                referrer_told_at: opt_time(REFERRER_TOLD_AT),
                follow_up_at: opt_time(FOLLOW_UP_AT),
            },
        })
    }

    /// Every record whose `emails` set holds this address, every page.
    async fn scan_email(&self, email: &EmailAddress) -> Result<Vec<Loaded>, StoreError> {
        let scan = self
            .client
            .scan()
            .table_name(&self.table)
            .filter_expression(format!("contains({EMAILS}, :e)"))
            .expression_attribute_values(":e", s(email.normalized()));
        let pages = scan.into_paginator().send().try_collect().await.map_err(sdk)?;
        Ok(oldest_first(pages.iter().flat_map(|page| page.items())))
    }

    /// A query of `queue`'s sparse index (`condition` on its keys, the
    /// hash key's value as `:set`).
    fn query(&self, queue: Queue, condition: &str) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name(index_of(queue))
            .key_condition_expression(condition)
            .expression_attribute_values(":set", s(SET))
    }

    /// How many records in `queue` match `filter` (an expression over
    /// `:f`); counted by DynamoDB, never read out.
    async fn count(&self, queue: Queue, filter: Option<(&str, AttributeValue)>) -> Result<u64, StoreError> {
        let mut query = self.query(queue, &format!("{} = :set", in_queue(queue))).select(Select::Count);
        if let Some((expression, value)) = filter {
            query = query.filter_expression(expression).expression_attribute_values(":f", value);
        }
        let mut pages = query.into_paginator().send();
        let mut total = 0u64;
        while let Some(page) = pages.next().await {
            total += page.map_err(sdk)?.count().max(0) as u64;
        }
        Ok(total)
    }

    /// The first `limit` records due by `now` in `queue`, earliest first.
    async fn due_in(&self, queue: Queue, now: OffsetDateTime, limit: usize) -> Result<Vec<Loaded>, StoreError> {
        let out = self
            .query(queue, &format!("{} = :set AND {} <= :now", in_queue(queue), queue.due_key()))
            .expression_attribute_values(":now", n(to_millis(now)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.items().iter().map(loaded).collect())
    }
}

/// The sparse index of a queue: its records by when they are due.
fn index_of(queue: Queue) -> &'static str {
    match queue {
        Queue::Mail => PENDING_INDEX,
        Queue::FollowUp => FOLLOW_UP_INDEX,
    }
}

/// The attribute that is set (`"1"`) while a record is in a queue: the
/// index's hash key.
fn in_queue(queue: Queue) -> &'static str {
    match queue {
        Queue::Mail => PENDING,
        Queue::FollowUp => FOLLOW_UP,
    }
}

/// `SET`/`REMOVE` parts that put a record in the follow-up index at
/// `next`, or take it out; with the values they use.
fn follow_up_update(next: Option<OffsetDateTime>) -> (String, String, Vec<(&'static str, AttributeValue)>) {
    match next {
        Some(at) => (
            format!("{FOLLOW_UP} = :fu, {FOLLOW_UP_AT} = :next"),
            String::new(),
            vec![(":fu", s(SET)), (":next", n(to_millis(at)))],
        ),
        None => (String::new(), format!("REMOVE {FOLLOW_UP}, {FOLLOW_UP_AT}"), Vec::new()),
    }
}

/// `SET a, b REMOVE c` from its parts.
fn update_expression(sets: &[&str], remove: &str) -> String {
    let sets: Vec<&str> = sets.iter().copied().filter(|p| !p.is_empty()).collect();
    let mut expression = String::new();
    if !sets.is_empty() {
        expression.push_str("SET ");
        expression.push_str(&sets.join(", "));
    }
    if !remove.is_empty() {
        expression.push(' ');
        expression.push_str(remove);
    }
    expression.trim().to_owned()
}

#[async_trait]
impl SubmissionStore for DynamoStore {
    async fn insert(&self, record: &Record) -> Result<Inserted, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::to_item(record)))
            .condition_expression(format!("attribute_not_exists({ID})"))
            .send()
            .await;
        Ok(if applied(put)? { Inserted::New } else { Inserted::Duplicate })
    }

    async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(ID, s(id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        out.item().map(Self::from_item).transpose()
    }

    async fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Loaded>, StoreError> {
        self.due_in(Queue::Mail, now, limit).await
    }

    async fn claim(&self, record: &Record, until: OffsetDateTime) -> Result<bool, StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(record.id.to_string()))
            .update_expression(format!("SET {NEXT_ATTEMPT_AT} = :until"))
            .condition_expression(format!("{NEXT_ATTEMPT_AT} = :expected AND attribute_exists({PENDING})"))
            .expression_attribute_values(":until", n(to_millis(until)))
            .expression_attribute_values(":expected", n(to_millis(record.delivery.next_attempt_at)))
            .send()
            .await;
        applied(update)
    }

    async fn mark_sent(&self, id: Uuid, mail: FormMail, at: OffsetDateTime, still_pending: bool) -> Result<bool, StoreError> {
        let sent_at = mail.sent_at_key();
        // Leaving the sparse index is what ends the sweeper's interest.
        let expression =
            if still_pending { format!("SET {sent_at} = :at") } else { format!("SET {sent_at} = :at REMOVE {PENDING}") };
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(id.to_string()))
            .update_expression(expression)
            .condition_expression(format!("attribute_exists({ID}) AND attribute_not_exists({sent_at})"))
            .expression_attribute_values(":at", n(to_millis(at)))
            .send()
            .await;
        applied(update)
    }

    async fn retry_later(&self, id: Uuid, attempts: u32, next_attempt_at: OffsetDateTime) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(id.to_string()))
            .update_expression(format!("SET {ATTEMPTS} = :a, {NEXT_ATTEMPT_AT} = :next"))
            .condition_expression(format!("attribute_exists({PENDING})"))
            .expression_attribute_values(":a", n(attempts))
            .expression_attribute_values(":next", n(to_millis(next_attempt_at)))
            .send()
            .await;
        applied(update).map(drop) // not applied: finished meanwhile
    }

    async fn postpone(&self, id: &str, queue: Queue, until: OffsetDateTime) -> Result<(), StoreError> {
        let (due, queued) = (queue.due_key(), in_queue(queue));
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(id))
            .update_expression(format!("SET {due} = :next"))
            .condition_expression(format!("attribute_exists({queued})"))
            .expression_attribute_values(":next", n(to_millis(until)))
            .send()
            .await;
        applied(update).map(drop)
    }

    async fn set_refused(&self, id: Uuid, refused: &[Refusal]) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(id.to_string()))
            .update_expression(format!("SET {REFUSED} = :r"))
            .condition_expression(format!("attribute_exists({ID})"))
            .expression_attribute_values(":r", s(refused_json(refused)))
            .send()
            .await
            .map(drop)
            .map_err(sdk)
    }

    async fn record_feedback(&self, record: &Record, change: FeedbackChange<'_>) -> Result<bool, StoreError> {
        let mut sets = vec![format!("{FEEDBACK} = :feedback")];
        let mut remove = String::new();
        let mut values = vec![(":feedback", s(list_json(change.feedback).unwrap_or_default()))];
        if let Some(reopen) = change.reopen {
            sets.push(format!("{REFUSED} = :refused, {PENDING} = :set, {NEXT_ATTEMPT_AT} = :next"));
            remove = format!("REMOVE {}", reopen.mail.sent_at_key());
            values.extend([
                (":refused", s(list_json(reopen.refused).unwrap_or_default())),
                (":set", s(SET)),
                (":next", n(to_millis(reopen.next_attempt_at))),
            ]);
        }
        // Unchanged since read: absent when the record held none, else the same JSON.
        let mut conditions = vec![format!("attribute_exists({ID})")];
        for (key, name, was) in [
            (FEEDBACK, ":was_feedback", list_json(&record.delivery.feedback)),
            (REFUSED, ":was_refused", list_json(&record.delivery.refused)),
        ] {
            match was {
                Some(json) => {
                    conditions.push(format!("{key} = {name}"));
                    values.push((name, s(json)));
                }
                None => conditions.push(format!("attribute_not_exists({key})")),
            }
        }
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(record.id.to_string()))
            .update_expression(update_expression(&sets, &remove))
            .condition_expression(conditions.join(" AND "));
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        applied(update.send().await)
    }

    async fn pending_stats(&self, now: OffsetDateTime) -> Result<PendingStats, StoreError> {
        let hour_ago = n(to_millis(now - Duration::HOUR));
        let older = format!("{RECEIVED_AT} < :f");
        Ok(PendingStats {
            pending: self.count(Queue::Mail, None).await?,
            over_one_hour: self.count(Queue::Mail, Some((&older, hour_ago))).await?,
        })
    }

    async fn find_by_email(&self, email: &EmailAddress) -> Result<Vec<Loaded>, StoreError> {
        self.scan_email(email).await
    }

    /// Readable or not: an erase request covers every record holding the address.
    async fn erase_by_email(&self, email: &EmailAddress) -> Result<usize, StoreError> {
        let records = self.scan_email(email).await?;
        for id in records.iter().map(|r| r.as_ref().map_or_else(|u| u.id.clone(), |r| r.id.to_string())) {
            self.client.delete_item().table_name(&self.table).key(ID, s(id)).send().await.map_err(sdk)?;
        }
        Ok(records.len())
    }

    async fn purge_expired(&self, _now: OffsetDateTime) -> Result<usize, StoreError> {
        Ok(0) // the table's TTL on `expires_at` does this
    }

    async fn follow_ups_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Loaded>, StoreError> {
        self.due_in(Queue::FollowUp, now, limit).await
    }

    async fn move_follow_up(&self, record: &Record, next: Option<OffsetDateTime>) -> Result<bool, StoreError> {
        let (set, remove, values) = follow_up_update(next);
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(record.id.to_string()))
            .update_expression(update_expression(&[&set], &remove));
        update = match record.pickup.follow_up_at {
            Some(expected) => update
                .condition_expression(format!("{FOLLOW_UP_AT} = :expected"))
                .expression_attribute_values(":expected", n(to_millis(expected))),
            None => update.condition_expression(format!("attribute_exists({ID}) AND attribute_not_exists({FOLLOW_UP_AT})")),
        };
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        applied(update.send().await)
    }

    async fn record_step(
        &self,
        id: Uuid,
        step: FollowUpStep,
        at: OffsetDateTime,
        next: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError> {
        let done_at = step.key();
        let (set, remove, values) = follow_up_update(next);
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(id.to_string()))
            .update_expression(update_expression(&[&format!("{done_at} = :at"), &set], &remove))
            .condition_expression(format!("attribute_exists({ID}) AND attribute_not_exists({done_at})"))
            .expression_attribute_values(":at", n(to_millis(at)));
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        applied(update.send().await)
    }

    async fn pick_up(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        by: Option<&PickerName>,
        follow_up: Option<OffsetDateTime>,
    ) -> Result<PickedUp, StoreError> {
        let (set, remove, values) = follow_up_update(follow_up);
        let by_part = if by.is_some() { format!("{PICKED_UP_BY} = :by") } else { String::new() };
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ID, s(id.to_string()))
            .update_expression(update_expression(&[&format!("{PICKED_UP_AT} = :at"), &by_part, &set], &remove))
            .condition_expression(format!("attribute_exists({ID}) AND attribute_not_exists({PICKED_UP_AT})"))
            .expression_attribute_values(":at", n(to_millis(at)));
        if let Some(by) = by {
            update = update.expression_attribute_values(":by", s(by.as_str()));
        }
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        if applied(update.send().await)? {
            return Ok(PickedUp::Now);
        }
        Ok(if self.get(id).await?.is_some() { PickedUp::Before } else { PickedUp::Missing })
    }

    async fn open_forms(&self) -> Result<Vec<Loaded>, StoreError> {
        let query = self
            .query(Queue::FollowUp, &format!("{FOLLOW_UP} = :set"))
            .filter_expression(format!("attribute_not_exists({PICKED_UP_AT})"));
        let pages = query.into_paginator().send().try_collect().await.map_err(sdk)?;
        Ok(oldest_first(pages.iter().flat_map(|page| page.items())))
    }

    async fn count_past_escalation(&self, reminded_before: OffsetDateTime) -> Result<u64, StoreError> {
        let filter = format!("attribute_not_exists({PICKED_UP_AT}) AND (attribute_exists({ESCALATED_AT}) OR {REMINDED_AT} < :f)");
        self.count(Queue::FollowUp, Some((&filter, n(to_millis(reminded_before))))).await
    }
}
