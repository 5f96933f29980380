//! The AWS configuration the DynamoDB, SES and Secrets Manager clients
//! share: built for a fast cold start, since Lambda builds it every time.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};

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

fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    let roots = TrustStore::empty().with_pem_certificate(AWS_ROOTS);
    let context = TlsContext::builder().with_trust_store(roots).build().expect("a trust store alone is a valid TLS context");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https()
}

#[cfg(test)]
mod tests {
    use super::AWS_ROOTS;

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
