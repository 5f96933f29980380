//! The DynamoDB store keeps every rule the SQLite one does, on moto's
//! DynamoDB API (started by tests/support/with_services.py).

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use cms_auth::store::{DynamoStore, conformance};

#[tokio::test]
async fn dynamodb_keeps_every_rule_of_the_store() {
    let moto = std::env::var("FORMS_TEST_MOTO_URL")
        .expect("FORMS_TEST_MOTO_URL is not set: run through tests/support/with_services.py (make test-publish)");
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .endpoint_url(&moto)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    );
    let store = DynamoStore::new(client, format!("cms-test-{}", std::process::id()));
    store.create_table().await.unwrap();
    store.create_table().await.expect("making the table again is harmless");
    conformance::every_rule(&store).await;
}
