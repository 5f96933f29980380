//! What a store says when it cannot be used: a short cause (the service's
//! error code, or the kind of failure), never the SDK's full text, which
//! repeats the request.

use forms::aws::aws_config;
use forms::store::{Cause, DynamoStore, StoreError, SubmissionStore};

use crate::helpers::*;

fn cause(error: StoreError) -> Cause {
    match error {
        StoreError::Unavailable(cause) => cause,
        other => panic!("not an unavailable store: {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_table_is_named_by_the_services_error_code() {
    required_env("AWS_ENDPOINT_URL_DYNAMODB");
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws_config().await), "forms-no-such-table");
    let error = store.get(uuid::Uuid::new_v4()).await.unwrap_err();
    assert_eq!(error.to_string(), "storage is unavailable: refused (ResourceNotFoundException)");
    assert_eq!(
        cause(store.pending_stats(time::OffsetDateTime::now_utc()).await.unwrap_err()),
        Cause::Refused("ResourceNotFoundException".into())
    );
}

#[tokio::test]
async fn no_answer_at_all_is_a_connection_failure() {
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let config = aws_sdk_dynamodb::config::Builder::from(&aws_config().await).endpoint_url(&nobody).build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), "forms");
    let error = store.get(uuid::Uuid::new_v4()).await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(cause(error), Cause::Connection | Cause::Timeout), "{text}");
    assert!(!text.contains(&nobody) && text.len() < 60, "short, without the request: {text}");
}
