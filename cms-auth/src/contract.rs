//! `cms-auth contract`: what this binary expects of the template, as JSON.
//! infra/checks/contracts.py compares the template with it, so no check
//! reads this crate's source.

use serde_json::{Value, json};

use crate::budgets::{API_GATEWAY_TIMEOUT, BODY_LIMIT, LAMBDA_TIMEOUT};
use crate::config::{ON_AWS, REQUIRED_ON_AWS, VARIABLES};
use crate::routes::{PREFIX, ROUTES, WEBHOOK_HEADERS};
use crate::signin::COOKIE;
use crate::store::{EXPIRES, KEY};

pub fn contract() -> Value {
    json!({
        "environment": {
            "read": VARIABLES,
            "required_on_aws": REQUIRED_ON_AWS,
            "on_aws": ON_AWS.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        },
        "route_prefix": PREFIX,
        "routes": ROUTES.iter().map(|(method, path)| json!({ "method": method, "path": path })).collect::<Vec<_>>(),
        "cookie": COOKIE,
        "webhook_headers": WEBHOOK_HEADERS,
        "table": { "key": KEY, "ttl": EXPIRES },
        "budgets_ms": {
            "lambda_timeout": LAMBDA_TIMEOUT.as_millis() as u64,
            "api_gateway_timeout": API_GATEWAY_TIMEOUT.as_millis() as u64,
        },
        "body_limit_bytes": BODY_LIMIT,
        // Every AWS API call the function makes, for its role.
        "aws_calls": [
            "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan",
            "secretsmanager:GetSecretValue",
            "ses:SendRawEmail",
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_under_the_prefix_cloudfront_sends_here() {
        let c = contract();
        for route in c["routes"].as_array().unwrap() {
            assert!(route["path"].as_str().unwrap().starts_with(PREFIX), "{route}");
        }
        for name in c["environment"]["required_on_aws"].as_array().unwrap() {
            assert!(VARIABLES.contains(&name.as_str().unwrap()), "{name}");
        }
    }
}
