//! The store on AWS: one DynamoDB table (`CmsTable` in the template), key
//! `pk`, items removed by DynamoDB's time to live on `expires_at`.

use std::collections::HashMap;
use std::future::Future;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ReturnValue, ScalarAttributeType,
    TimeToLiveSpecification,
};

use super::{EXPIRES, Editor, KEY, LinkState, SessionStore, StoreError, Unix, editor_key};
use crate::budgets::AWS_CALL;

pub struct DynamoStore {
    client: Client,
    table: String,
}

type Item = HashMap<String, AttributeValue>;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

/// Every call with its time limit; the SDK's error as one short line.
async fn bounded<T, E, R>(call: impl Future<Output = Result<T, SdkError<E, R>>>) -> Result<T, Failure<E>>
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match tokio::time::timeout(AWS_CALL, call).await {
        Err(_) => Err(Failure::Other("DynamoDB did not answer in time".into())),
        Ok(Ok(v)) => Ok(v),
        Ok(Err(SdkError::ServiceError(e))) => Err(Failure::Service(e.into_err())),
        Ok(Err(other)) => Err(Failure::Other(DisplayErrorContext(other).to_string())),
    }
}

enum Failure<E> {
    Service(E),
    Other(String),
}

impl<E: std::error::Error> From<Failure<E>> for StoreError {
    fn from(f: Failure<E>) -> Self {
        match f {
            Failure::Service(e) => StoreError::Unavailable(e.to_string()),
            Failure::Other(s) => StoreError::Unavailable(s),
        }
    }
}

impl DynamoStore {
    pub fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    async fn get(&self, pk: &str) -> Result<Option<Item>, StoreError> {
        let call = self.client.get_item().table_name(&self.table).key(KEY, s(pk)).consistent_read(true).send();
        Ok(bounded(call).await?.item)
    }

    /// The table as the template makes it (for `cms-auth create-table` on
    /// a laptop or moto; on AWS the stack owns it).
    pub async fn create_table(&self) -> Result<(), StoreError> {
        let exists = bounded(self.client.describe_table().table_name(&self.table).send()).await.is_ok();
        if exists {
            return Ok(());
        }
        let create = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(KEY)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(KEY)
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?,
            )
            .send();
        bounded(create).await?;
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(EXPIRES)
            .enabled(true)
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        bounded(self.client.update_time_to_live().table_name(&self.table).time_to_live_specification(ttl).send()).await?;
        Ok(())
    }
}

#[async_trait]
impl SessionStore for DynamoStore {
    async fn editor(&self, email: &str) -> Result<Option<Editor>, StoreError> {
        Ok(self
            .get(&editor_key(email))
            .await?
            .and_then(|item| Some(Editor { email: text(&item, "email")?, name: text(&item, "name").unwrap_or_default() })))
    }

    async fn put_editor(&self, editor: &Editor) -> Result<(), StoreError> {
        let call = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(KEY, s(&editor_key(&editor.email)))
            .item("email", s(&editor.email.trim().to_lowercase()))
            .item("name", s(&editor.name))
            .send();
        bounded(call).await?;
        Ok(())
    }

    async fn remove_editor(&self, email: &str) -> Result<bool, StoreError> {
        let call = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(KEY, s(&editor_key(email)))
            .return_values(ReturnValue::AllOld)
            .send();
        Ok(bounded(call).await?.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn editors(&self) -> Result<Vec<Editor>, StoreError> {
        let mut editors = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let call = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(#pk, :editor)")
                .expression_attribute_names("#pk", KEY)
                .expression_attribute_values(":editor", s("editor#"))
                .set_exclusive_start_key(start.take())
                .send();
            let page = bounded(call).await?;
            for item in page.items() {
                if let Some(email) = text(item, "email") {
                    editors.push(Editor { email, name: text(item, "name").unwrap_or_default() });
                }
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        editors.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(editors)
    }

    async fn put_link(&self, key: &str, email: &str, expires: Unix) -> Result<(), StoreError> {
        let call = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(KEY, s(key))
            .item("email", s(email))
            .item("used", AttributeValue::Bool(false))
            .item(EXPIRES, n(expires))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", KEY)
            .send();
        bounded(call).await?;
        Ok(())
    }

    async fn link(&self, key: &str, now: Unix) -> Result<LinkState, StoreError> {
        Ok(link_state(self.get(key).await?, now))
    }

    async fn use_link(&self, key: &str, now: Unix) -> Result<LinkState, StoreError> {
        let call = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(KEY, s(key))
            .update_expression("SET used = :yes")
            .condition_expression("attribute_exists(#pk) AND used = :no AND #expires > :now")
            .expression_attribute_names("#pk", KEY)
            .expression_attribute_names("#expires", EXPIRES)
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllOld)
            .send();
        match bounded(call).await {
            Ok(out) => Ok(link_state(out.attributes, now)),
            // Used, expired or never made: say which.
            Err(Failure::Service(e)) if e.is_conditional_check_failed_exception() => self.link(key, now).await,
            Err(other) => Err(other.into()),
        }
    }

    async fn put_session(&self, key: &str, email: &str, expires: Unix) -> Result<(), StoreError> {
        let call = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(KEY, s(key))
            .item("email", s(email))
            .item(EXPIRES, n(expires))
            .send();
        bounded(call).await?;
        Ok(())
    }

    async fn session(&self, key: &str, now: Unix) -> Result<Option<String>, StoreError> {
        // Time to live removes items late: the time is checked here too.
        Ok(self.get(key).await?.filter(|item| number(item, EXPIRES).is_some_and(|e| e > now)).and_then(|i| text(&i, "email")))
    }

    async fn end_session(&self, key: &str) -> Result<(), StoreError> {
        bounded(self.client.delete_item().table_name(&self.table).key(KEY, s(key)).send()).await?;
        Ok(())
    }

    async fn count(&self, key: &str, expires: Unix) -> Result<u32, StoreError> {
        let call = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(KEY, s(key))
            .update_expression("ADD #count :one SET #expires = if_not_exists(#expires, :expires)")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#expires", EXPIRES)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":expires", n(expires))
            .return_values(ReturnValue::UpdatedNew)
            .send();
        let out = bounded(call).await?;
        Ok(out.attributes.as_ref().and_then(|a| number(a, "count")).unwrap_or(1).try_into().unwrap_or(u32::MAX))
    }
}

fn link_state(item: Option<Item>, now: Unix) -> LinkState {
    let Some(item) = item.filter(|i| !i.is_empty()) else {
        return LinkState::Unknown;
    };
    if item.get("used").and_then(|v| v.as_bool().ok()).copied().unwrap_or(true) {
        return LinkState::Used;
    }
    match (number(&item, EXPIRES), text(&item, "email")) {
        (Some(expires), Some(email)) if now < expires => LinkState::Unused { email },
        _ => LinkState::Expired,
    }
}
