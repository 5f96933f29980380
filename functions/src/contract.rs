//! `forms contract`: what this build expects from the infrastructure, as
//! JSON, so infra/checks/contracts.py compares the template with the
//! binary itself instead of reading Rust source.

use serde_json::{Value, json};

use crate::budgets;
use crate::config::REQUIRED_ON_LAMBDA;
use crate::feedback::EVENT_TYPES;
use crate::lambda::{ORIGIN_VERIFY_HEADER, SNS_EVENT_SOURCE, SWEEP_TASK, VIEWER_ADDRESS_HEADER};
use crate::store::TableSpec;

/// Every AWS call this binary makes, on which resource, and who makes it:
/// `lambda` (the function's role) or `operator` (the admin commands, run
/// with the operator's own credentials). A resource is named by the
/// variable that names it; infra/checks/permissions.py resolves them on
/// the template and proves the function's role allows each `lambda` call,
/// and none of the `operator` ones.
fn aws_calls() -> Value {
    let table = json!({"table": "FORMS_TABLE"});
    let mut calls: Vec<Value> = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"]
        .iter()
        .map(|action| json!({"action": action, "resource": table, "by": "lambda"}))
        .collect();
    // The sweep, the reminders and `forms open` query each index.
    for index in TableSpec::describe()["indexes"].as_array().into_iter().flatten() {
        let on = json!({"table": "FORMS_TABLE", "index": index["name"]});
        calls.push(json!({"action": "dynamodb:Query", "resource": on, "by": "lambda"}));
    }
    calls.extend([
        json!({"action": "secretsmanager:GetSecretValue", "resource": {"secret": "PICKUP_KEY_SECRET_ID"}, "by": "lambda"}),
        // SES v2 SendEmail (raw content): authorised on the sending identity
        // and on the configuration set SES applies (the identity's default).
        json!({"action": "ses:SendEmail", "resource": {"ses_identity_of": "MAIL_FROM"}, "by": "lambda"}),
        json!({"action": "ses:SendEmail", "resource": {"ses_configuration_set_of": "MAIL_FROM"}, "by": "lambda"}),
    ]);
    // `forms export`, `forms erase` and `forms create-table`.
    for action in ["dynamodb:Scan", "dynamodb:DeleteItem", "dynamodb:CreateTable", "dynamodb:UpdateTimeToLive"] {
        calls.push(json!({"action": action, "resource": table, "by": "operator"}));
    }
    Value::Array(calls)
}

pub fn contract() -> Value {
    let ms = |d: std::time::Duration| d.as_millis() as u64;
    json!({
        "table": TableSpec::describe(),
        "environment": {
            "read": crate::config::VARIABLES,
            // What the Lambda build runs with (SQLite is not in it).
            "on_aws": REQUIRED_ON_LAMBDA
                .iter()
                .filter_map(|r| Some((r.name.to_owned(), Value::from(r.value?))))
                .collect::<serde_json::Map<_, _>>(),
            // The Lambda build refuses to start on Lambda without these.
            "required_on_lambda": REQUIRED_ON_LAMBDA.map(|r| r.name),
        },
        "lambda": {
            "sweep_event": {"forms_task": SWEEP_TASK},
            "origin_verify_header": ORIGIN_VERIFY_HEADER,
            "viewer_address_header": VIEWER_ADDRESS_HEADER,
            // SES's reports, through SNS: the configuration set must
            // publish these event types to a topic the function takes.
            "ses_feedback": {"event_source": SNS_EVENT_SOURCE, "event_types": EVENT_TYPES},
        },
        "aws_calls": aws_calls(),
        // Read from the published site while running (src/site_data.rs):
        // public files through CloudFront, no AWS call, no permission.
        "site_data": {"variable": "SITE_DATA", "keys": crate::site_data::keys()},
        "metrics": {"namespace": crate::metrics::NAMESPACE, "dimensions": [], "names": crate::metrics::NAMES, "alarmed": crate::metrics::ALARMED},
        "budgets_ms": {
            "user_wait": ms(budgets::USER_WAIT),
            "request_send": ms(budgets::REQUEST_SEND_BUDGET),
            "mail_timeout": ms(budgets::MAIL_TIMEOUT),
            "sweep": ms(budgets::SWEEP_BUDGET),
            "sweep_margin": ms(budgets::SWEEP_MARGIN),
            "lease": ms(budgets::LEASE),
            "max_backoff": ms(budgets::MAX_BACKOFF),
            "lambda_timeout": ms(budgets::LAMBDA_TIMEOUT),
            "api_gateway_timeout": ms(budgets::API_GATEWAY_TIMEOUT),
            "site_data": ms(budgets::SITE_DATA.operation),
            "site_data_fresh": ms(budgets::SITE_DATA_FRESH),
        },
    })
}
