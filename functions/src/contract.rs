//! `forms contract`: what this build expects from the infrastructure, as
//! JSON, so infra/checks/contracts.py compares the template with the
//! binary itself instead of reading Rust source.

use serde_json::{Value, json};

use crate::budgets;
use crate::config::REQUIRED_ON_LAMBDA;
use crate::lambda::{ORIGIN_VERIFY_HEADER, SWEEP_TASK, VIEWER_ADDRESS_HEADER};
use crate::store::TableSpec;

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
        },
        "metrics": {"namespace": crate::metrics::NAMESPACE, "dimensions": [], "names": crate::metrics::NAMES},
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
        },
    })
}
