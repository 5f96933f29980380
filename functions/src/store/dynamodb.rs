//! DynamoDB: the store on AWS. Conditional writes make a repeated form and
//! a repeated "sent" mark harmless; a sparse index finds pending mail;
//! DynamoDB's TTL removes records when their retention ends.
//!
//! Keys and index must match `infra/template.yaml` (docs/architecture.md).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, Select, TimeToLiveSpecification,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{
    Delivery, FollowUpStep, Inserted, MailKind, PendingStats, PickedUp, Pickup, Record, Refusal, StoreError, SubmissionStore,
    Unreadable, from_millis, normalized_emails, readable, readable_only, refused_from_json, refused_json, submission_from_json,
    submission_json, to_millis,
};
use crate::domain::{EmailAddress, PickerName};

pub const PENDING_INDEX: &str = "pending-by-due";
/// The table's shape, in one place: `create_if_missing` makes it and
/// `forms contract` prints it for infra/checks/contracts.py.
const ATTRIBUTES: [(&str, &str); 5] =
    [("id", "S"), ("pending", "S"), ("next_attempt_at", "N"), ("follow_up", "S"), ("follow_up_at", "N")];
const TABLE_KEY: &str = "id";
/// Both indexes are sparse and projected in full: (name, hash key, range key).
const INDEXES: [(&str, &str, &str); 2] =
    [(PENDING_INDEX, "pending", "next_attempt_at"), (FOLLOW_UP_INDEX, "follow_up", "follow_up_at")];
const TTL_ATTRIBUTE: &str = "expires_at";
const PENDING: &str = "1";
/// Sparse index of records with a pickup follow-up planned (every form
/// nobody picked up yet, and a picked-up referral until its referrer is
/// told), by when it is due: the sweep queries it, never scans.
pub const FOLLOW_UP_INDEX: &str = "follow-up-by-due";
const FOLLOW_UP: &str = "1";

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
        let s = |name: &str, t| AttributeDefinition::builder().attribute_name(name).attribute_type(t).build();
        let key = |name: &str, t| KeySchemaElement::builder().attribute_name(name).key_type(t).build();
        let mut create = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(TABLE_KEY, KeyType::Hash).map_err(sdk)?);
        for (name, hash, range) in INDEXES {
            let index = GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(hash, KeyType::Hash).map_err(sdk)?)
                .key_schema(key(range, KeyType::Range).map_err(sdk)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(sdk)?;
            create = create.global_secondary_indexes(index);
        }
        for (name, kind) in ATTRIBUTES {
            create = create.attribute_definitions(s(name, ScalarAttributeType::from(kind)).map_err(sdk)?);
        }
        let created = create.send().await;
        match created {
            Ok(_) => {}
            Err(e) if e.code() == Some("ResourceInUseException") => return Ok(false),
            Err(e) => return Err(sdk(e)),
        }
        let ttl = TimeToLiveSpecification::builder().attribute_name(TTL_ATTRIBUTE).enabled(true).build().map_err(sdk)?;
        client.update_time_to_live().table_name(table).time_to_live_specification(ttl).send().await.map_err(sdk)?;
        Ok(true)
    }
}

impl TableSpec {
    /// The table as `create_if_missing` makes it, for `forms contract`.
    pub fn describe() -> serde_json::Value {
        serde_json::json!({
            "attributes": ATTRIBUTES,
            "key": [[TABLE_KEY, "HASH"]],
            "indexes": INDEXES.map(|(name, hash, range)| serde_json::json!({
                "name": name,
                "key": [[hash, "HASH"], [range, "RANGE"]],
                "projection": "ALL",
            })),
            "ttl": TTL_ATTRIBUTE,
        })
    }
}

fn sdk(e: impl std::fmt::Debug) -> StoreError {
    StoreError::Unavailable(format!("{e:?}"))
}

/// A conditional write: `true` when it was applied, `false` when its
/// condition did not hold (someone else got there first).
fn applied<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
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

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    fn to_item(record: &Record) -> Item {
        let mut item = HashMap::from([
            ("id".to_owned(), s(record.id.to_string())),
            ("kind".to_owned(), s(record.submission.kind().as_str())),
            ("submission".to_owned(), s(submission_json(record))),
            ("routed_to".to_owned(), s(record.routed_to.as_str())),
            ("received_at".to_owned(), n(to_millis(record.received_at))),
            ("consent_at".to_owned(), n(to_millis(record.consent_at))),
            // TTL wants epoch seconds.
            ("expires_at".to_owned(), n(record.expires_at.unix_timestamp())),
            ("wants_confirmation".to_owned(), AttributeValue::Bool(record.wants_confirmation())),
            ("attempts".to_owned(), n(record.delivery.attempts)),
            ("next_attempt_at".to_owned(), n(to_millis(record.delivery.next_attempt_at))),
            ("pending".to_owned(), s(PENDING)),
        ]);
        if !record.delivery.refused.is_empty() {
            item.insert("refused".to_owned(), s(refused_json(&record.delivery.refused)));
        }
        let emails = normalized_emails(record);
        if !emails.is_empty() {
            item.insert("emails".to_owned(), AttributeValue::Ss(emails));
        }
        if let Some(at) = record.pickup.follow_up_at {
            item.insert("follow_up".to_owned(), s(FOLLOW_UP));
            item.insert("follow_up_at".to_owned(), n(to_millis(at)));
        }
        item
    }

    fn from_item(item: &Item) -> Result<Record, StoreError> {
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).ok_or_else(|| corrupt(k));
        let num = |k: &str| -> Result<i64, StoreError> {
            item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).ok_or_else(|| corrupt(k))
        };
        let opt_num = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
        Ok(Record {
            id: Uuid::parse_str(text("id")?).map_err(|_| corrupt("id"))?,
            submission: submission_from_json(text("submission")?)?,
            routed_to: EmailAddress::parse(text("routed_to")?).map_err(|_| corrupt("routed_to"))?,
            received_at: from_millis(num("received_at")?),
            consent_at: from_millis(num("consent_at")?),
            expires_at: OffsetDateTime::from_unix_timestamp(num("expires_at")?).map_err(|_| corrupt("expires_at"))?,
            delivery: Delivery {
                coordinator_sent_at: opt_num("coordinator_sent_at").map(from_millis),
                confirmation_sent_at: opt_num("confirmation_sent_at").map(from_millis),
                refused: refused_from_json(item.get("refused").and_then(|v| v.as_s().ok()).map(String::as_str))?,
                attempts: u32::try_from(num("attempts")?).map_err(|_| corrupt("attempts"))?,
                next_attempt_at: from_millis(num("next_attempt_at")?),
            },
            pickup: Pickup {
                picked_up_at: opt_num("picked_up_at").map(from_millis),
                picked_up_by: item
                    .get("picked_up_by")
                    .and_then(|v| v.as_s().ok())
                    .map(|v| PickerName::parse(v).map_err(|_| corrupt("picked_up_by")))
                    .transpose()?,
                reminded_at: opt_num("reminded_at").map(from_millis),
                escalated_at: opt_num("escalated_at").map(from_millis),
                referrer_told_at: opt_num("referrer_told_at").map(from_millis),
                follow_up_at: opt_num("follow_up_at").map(from_millis),
            },
        })
    }

    /// Every record whose `emails` set holds this address.
    async fn scan_email(&self, email: &EmailAddress) -> Result<Vec<Result<Record, Unreadable>>, StoreError> {
        let mut records = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("contains(emails, :e)")
                .expression_attribute_values(":e", s(email.normalized()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(sdk)?;
            for item in page.items() {
                records.push(readable(item_id(item), Self::from_item(item)));
            }
            match page.last_evaluated_key() {
                Some(key) => start = Some(key.clone()),
                None => break,
            }
        }
        // Oldest first; the unreadable ones (no date to read) last.
        records.sort_by_key(|r| (r.is_err(), r.as_ref().ok().map(|r| r.received_at)));
        Ok(records)
    }

    async fn count_pending(&self, filter: Option<(&str, AttributeValue)>) -> Result<u64, StoreError> {
        let mut total = 0u64;
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(PENDING_INDEX)
                .key_condition_expression("pending = :p")
                .expression_attribute_values(":p", s(PENDING))
                .select(Select::Count)
                .set_exclusive_start_key(start.take());
            if let Some((expression, value)) = &filter {
                query = query.filter_expression(*expression).expression_attribute_values(":f", value.clone());
            }
            let page = query.send().await.map_err(sdk)?;
            total += page.count().max(0) as u64;
            match page.last_evaluated_key() {
                Some(key) => start = Some(key.clone()),
                None => break,
            }
        }
        Ok(total)
    }
}

/// `SET`/`REMOVE` parts that put a record in the follow-up index at
/// `next`, or take it out; with the values they use.
fn follow_up_update(next: Option<OffsetDateTime>) -> (&'static str, &'static str, Vec<(&'static str, AttributeValue)>) {
    match next {
        Some(at) => ("follow_up = :fu, follow_up_at = :next", "", vec![(":fu", s(FOLLOW_UP)), (":next", n(to_millis(at)))]),
        None => ("", "REMOVE follow_up, follow_up_at", Vec::new()),
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

impl DynamoStore {
    async fn query_follow_ups(
        &self,
        due_before: Option<OffsetDateTime>,
        limit: Option<usize>,
    ) -> Result<Vec<Record>, StoreError> {
        let mut records = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(FOLLOW_UP_INDEX)
                .expression_attribute_values(":fu", s(FOLLOW_UP))
                .set_exclusive_start_key(start.take());
            query = match due_before {
                Some(now) => query
                    .key_condition_expression("follow_up = :fu AND follow_up_at <= :now")
                    .expression_attribute_values(":now", n(to_millis(now))),
                None => query.key_condition_expression("follow_up = :fu").filter_expression("attribute_not_exists(picked_up_at)"),
            };
            if let Some(limit) = limit {
                query = query.limit(i32::try_from(limit).unwrap_or(i32::MAX));
            }
            let page = query.send().await.map_err(sdk)?;
            for item in page.items() {
                records.extend(readable_only(readable(item_id(item), Self::from_item(item))));
            }
            match (page.last_evaluated_key(), limit) {
                (Some(key), None) => start = Some(key.clone()),
                _ => break,
            }
        }
        Ok(records)
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("attribute `{what}`"))
}

#[async_trait]
impl SubmissionStore for DynamoStore {
    async fn insert(&self, record: &Record) -> Result<Inserted, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::to_item(record)))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(Inserted::New),
            Err(e) if is_condition_failure(&e) => Ok(Inserted::Duplicate),
            Err(e) => Err(sdk(e)),
        }
    }

    async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", s(id.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        out.item().map(Self::from_item).transpose()
    }

    async fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Result<Record, Unreadable>>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(PENDING_INDEX)
            .key_condition_expression("pending = :p AND next_attempt_at <= :now")
            .expression_attribute_values(":p", s(PENDING))
            .expression_attribute_values(":now", n(to_millis(now)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.items().iter().map(|item| readable(item_id(item), Self::from_item(item))).collect())
    }

    async fn claim(&self, record: &Record, until: OffsetDateTime) -> Result<bool, StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(record.id.to_string()))
            .update_expression("SET next_attempt_at = :until")
            .condition_expression("next_attempt_at = :expected AND attribute_exists(pending)")
            .expression_attribute_values(":until", n(to_millis(until)))
            .expression_attribute_values(":expected", n(to_millis(record.delivery.next_attempt_at)))
            .send()
            .await;
        applied(update)
    }

    async fn mark_sent(&self, id: Uuid, kind: MailKind, at: OffsetDateTime, completes: bool) -> Result<bool, StoreError> {
        let attribute = match kind {
            MailKind::Coordinator => "coordinator_sent_at",
            MailKind::Confirmation => "confirmation_sent_at",
            other => return Err(StoreError::Unavailable(format!("{} mail is recorded as a pickup step", other.as_str()))),
        };
        // Leaving the sparse index is what ends the sweeper's interest.
        let expression =
            if completes { format!("SET {attribute} = :at REMOVE pending") } else { format!("SET {attribute} = :at") };
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(id.to_string()))
            .update_expression(expression)
            .condition_expression(format!("attribute_exists(id) AND attribute_not_exists({attribute})"))
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
            .key("id", s(id.to_string()))
            .update_expression("SET attempts = :a, next_attempt_at = :next")
            .condition_expression("attribute_exists(pending)")
            .expression_attribute_values(":a", n(attempts))
            .expression_attribute_values(":next", n(to_millis(next_attempt_at)))
            .send()
            .await;
        match update {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Ok(()), // finished meanwhile
            Err(e) => Err(sdk(e)),
        }
    }

    async fn postpone(&self, id: &str, until: OffsetDateTime) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(id))
            .update_expression("SET next_attempt_at = :next")
            .condition_expression("attribute_exists(pending)")
            .expression_attribute_values(":next", n(to_millis(until)))
            .send()
            .await;
        match update {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(sdk(e)),
        }
    }

    async fn set_refused(&self, id: Uuid, refused: &[Refusal]) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("id", s(id.to_string()))
            .update_expression("SET refused = :r")
            .condition_expression("attribute_exists(id)")
            .expression_attribute_values(":r", s(refused_json(refused)))
            .send()
            .await
            .map(|_| ())
            .map_err(sdk)
    }

    async fn pending_stats(&self, now: OffsetDateTime) -> Result<PendingStats, StoreError> {
        let hour_ago = n(to_millis(now - Duration::HOUR));
        Ok(PendingStats {
            pending: self.count_pending(None).await?,
            over_one_hour: self.count_pending(Some(("received_at < :f", hour_ago))).await?,
        })
    }

    async fn find_by_email(&self, email: &EmailAddress) -> Result<Vec<Result<Record, Unreadable>>, StoreError> {
        self.scan_email(email).await
    }

    /// Readable or not: an erase request covers every record holding the address.
    async fn erase_by_email(&self, email: &EmailAddress) -> Result<usize, StoreError> {
        let records = self.scan_email(email).await?;
        for id in records.iter().map(|r| r.as_ref().map_or_else(|u| u.id.clone(), |r| r.id.to_string())) {
            self.client.delete_item().table_name(&self.table).key("id", s(id)).send().await.map_err(sdk)?;
        }
        Ok(records.len())
    }

    async fn purge_expired(&self, _now: OffsetDateTime) -> Result<usize, StoreError> {
        Ok(0) // the table's TTL on `expires_at` does this
    }

    async fn follow_ups_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Record>, StoreError> {
        self.query_follow_ups(Some(now), Some(limit)).await
    }

    async fn move_follow_up(&self, record: &Record, next: Option<OffsetDateTime>) -> Result<bool, StoreError> {
        let (set, remove, values) = follow_up_update(next);
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(record.id.to_string()))
            .update_expression(update_expression(&[set], remove));
        update = match record.pickup.follow_up_at {
            Some(expected) => update
                .condition_expression("follow_up_at = :expected")
                .expression_attribute_values(":expected", n(to_millis(expected))),
            None => update.condition_expression("attribute_exists(id) AND attribute_not_exists(follow_up_at)"),
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
        let field = step.field();
        let (set, remove, values) = follow_up_update(next);
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(id.to_string()))
            .update_expression(update_expression(&[&format!("{field} = :at"), set], remove))
            .condition_expression(format!("attribute_exists(id) AND attribute_not_exists({field})"))
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
        let by_part = if by.is_some() { "picked_up_by = :by" } else { "" };
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(id.to_string()))
            .update_expression(update_expression(&["picked_up_at = :at", by_part, set], remove))
            .condition_expression("attribute_exists(id) AND attribute_not_exists(picked_up_at)")
            .expression_attribute_values(":at", n(to_millis(at)));
        if let Some(by) = by {
            update = update.expression_attribute_values(":by", s(by.as_str()));
        }
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        match update.send().await {
            Ok(_) => Ok(PickedUp::Now),
            Err(e) if is_condition_failure(&e) => {
                Ok(if self.get(id).await?.is_some() { PickedUp::Before } else { PickedUp::Missing })
            }
            Err(e) => Err(sdk(e)),
        }
    }

    async fn open_forms(&self) -> Result<Vec<Record>, StoreError> {
        let mut records = self.query_follow_ups(None, None).await?;
        records.sort_by_key(|r| r.received_at);
        Ok(records)
    }
}

/// The key of an item, even one that no longer parses as a record.
fn item_id(item: &Item) -> &str {
    item.get("id").and_then(|v| v.as_s().ok()).map_or("(no id)", String::as_str)
}
