//! The AWS configuration the DynamoDB, SES and Secrets Manager clients
//! share, built for a fast cold start since Lambda builds it every time,
//! and the three clients, each with its time limits from `budgets`. Also
//! the plain HTTPS connector that reads what the site publishes for the
//! function (CloudFront, `crate::site_data`), with the same TLS and roots.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};

use crate::budgets::{self, AwsCalls};

/// The Amazon Trust Services roots (see the file's header).
const AWS_ROOTS: &[u8] = include_bytes!("../certs/amazon-trust-services.pem");

/// AWS configuration from the standard sources (env, profile, Lambda role),
/// over rustls with ring. `AWS_ENDPOINT_URL(_DYNAMODB)` points it at a
/// local DynamoDB API such as moto.
///
/// Two shortcuts keep the system's work out of every cold start:
/// * HTTPS to AWS trusts only the Amazon Trust Services roots, so the
///   client parses five certificates, not the system's whole store.
/// * Lambda hands the role's credentials and the region over in environment
///   variables, and the standard chains look there first. When they are
///   set, only they are used: the same answer, without building the
///   profile, container and instance-metadata providers.
pub async fn aws_config() -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if set("AWS_ACCESS_KEY_ID").is_some() && set("AWS_SECRET_ACCESS_KEY").is_some() {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
    }
    if let Some(region) = set("AWS_REGION").or_else(|| set("AWS_DEFAULT_REGION")) {
        loader = loader.region(Region::new(region));
    }
    loader.load().await
}

/// The store's client; every call within `budgets::DYNAMODB`.
pub fn dynamodb(aws: &SdkConfig) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(aws)
        .timeout_config(timeouts(budgets::DYNAMODB))
        .retry_config(retries(budgets::DYNAMODB))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// The mailer's client; every call within `budgets::SES`.
pub fn ses(aws: &SdkConfig) -> aws_sdk_sesv2::Client {
    let config = aws_sdk_sesv2::config::Builder::from(aws)
        .timeout_config(timeouts(budgets::SES))
        .retry_config(retries(budgets::SES))
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
}

/// The pickup key's client; every call within `budgets::SECRETS_MANAGER`.
pub fn secrets_manager(aws: &SdkConfig) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::config::Builder::from(aws)
        .timeout_config(timeouts(budgets::SECRETS_MANAGER))
        .retry_config(retries(budgets::SECRETS_MANAGER))
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// The site's reads (`crate::site_data`): the SDK's own HTTP connector,
/// no further crate, connecting and reading within `budgets::SITE_DATA`
/// (the caller bounds the whole read by its `operation`). The site is
/// served by CloudFront, whose certificates (its own domain, or an ACM
/// certificate for the site's domain) chain to the same Amazon roots.
pub fn site_connector() -> aws_smithy_http_client::Connector {
    use aws_smithy_runtime_api::client::http::HttpConnectorSettings;
    let settings = HttpConnectorSettings::builder()
        .connect_timeout(budgets::SITE_DATA.connect)
        .read_timeout(budgets::SITE_DATA.read)
        .build();
    aws_smithy_http_client::Connector::builder()
        .connector_settings(settings)
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls_context())
        .build()
}

fn timeouts(calls: AwsCalls) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(calls.connect)
        .read_timeout(calls.read)
        .operation_attempt_timeout(calls.attempt)
        .operation_timeout(calls.operation)
        .build()
}

/// The SDK's standard retries (throttling, 5xx, timeouts, dropped
/// connections), with our number of tries and pauses.
fn retries(calls: AwsCalls) -> RetryConfig {
    RetryConfig::standard().with_max_attempts(calls.attempts).with_initial_backoff(calls.backoff).with_max_backoff(calls.backoff)
}

fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls_context())
        .build_https()
}

fn tls_context() -> TlsContext {
    let roots = TrustStore::empty().with_pem_certificate(AWS_ROOTS);
    TlsContext::builder().with_trust_store(roots).build().expect("a trust store alone is a valid TLS context")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline_config() -> SdkConfig {
        SdkConfig::builder().behavior_version(BehaviorVersion::latest()).region(Region::new("eu-west-1")).build()
    }

    #[test]
    fn each_client_carries_its_own_time_limits() {
        let aws = offline_config();
        let dynamodb = dynamodb(&aws);
        let ses = ses(&aws);
        let secrets = secrets_manager(&aws);
        let clients = [
            (budgets::DYNAMODB, dynamodb.config().timeout_config().cloned(), dynamodb.config().retry_config().cloned()),
            (budgets::SES, ses.config().timeout_config().cloned(), ses.config().retry_config().cloned()),
            (budgets::SECRETS_MANAGER, secrets.config().timeout_config().cloned(), secrets.config().retry_config().cloned()),
        ];
        for (calls, timeouts, retries) in clients {
            let (timeouts, retries) = (timeouts.unwrap(), retries.unwrap());
            assert_eq!(timeouts.connect_timeout(), Some(calls.connect));
            assert_eq!(timeouts.read_timeout(), Some(calls.read));
            assert_eq!(timeouts.operation_attempt_timeout(), Some(calls.attempt));
            assert_eq!(timeouts.operation_timeout(), Some(calls.operation));
            assert_eq!(retries.max_attempts(), calls.attempts);
            assert_eq!(retries.max_backoff(), calls.backoff);
        }
    }

    #[test]
    fn the_pinned_roots_are_the_five_amazon_trust_services_certificates() {
        let text = std::str::from_utf8(AWS_ROOTS).unwrap();
        assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        assert_eq!(text.matches("-----END CERTIFICATE-----").count(), 5);
        for name in ["Amazon Root CA 1", "Amazon Root CA 2", "Amazon Root CA 3", "Amazon Root CA 4", "Starfield Services Root"] {
            assert!(text.contains(&format!("# {name}")), "{name} is missing");
        }
    }
}
