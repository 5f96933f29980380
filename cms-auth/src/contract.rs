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
        "aws_calls": aws_calls(),
    })
}

/// Every AWS call this binary makes, on the resource a variable names, and
/// who makes it: `lambda` (the function's role) or `operator` (`cms-auth
/// editors` and `create-table`, with the operator's own credentials).
/// infra/checks/permissions.py proves the role allows each `lambda` call
/// and none of the `operator` ones.
fn aws_calls() -> Value {
    let table = json!({ "table": "CMS_TABLE" });
    let mut calls: Vec<Value> = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
        .iter()
        .map(|action| json!({ "action": action, "resource": table, "by": "lambda" }))
        .collect();
    calls.extend([
        json!({ "action": "secretsmanager:GetSecretValue", "resource": { "secret": "CMS_KEY_SECRET_ID" }, "by": "lambda" }),
        json!({ "action": "secretsmanager:GetSecretValue", "resource": { "secret": "CMS_GITHUB_APP_SECRET_ID" }, "by": "lambda" }),
        json!({ "action": "ses:SendEmail", "resource": { "ses_identity_of": "MAIL_FROM" }, "by": "lambda" }),
        json!({ "action": "ses:SendEmail", "resource": { "ses_configuration_set_of": "MAIL_FROM" }, "by": "lambda" }),
    ]);
    // `cms-auth editors list` and `cms-auth create-table`.
    for action in ["dynamodb:Scan", "dynamodb:CreateTable", "dynamodb:UpdateTimeToLive", "dynamodb:DescribeTable"] {
        calls.push(json!({ "action": action, "resource": table, "by": "operator" }));
    }
    Value::Array(calls)
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
