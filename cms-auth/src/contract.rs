//! `cms-auth contract`: what this binary expects of the template, as JSON.
//! infra/checks/contracts.py compares the template with it, so no check
//! reads this crate's source.

use serde_json::{Value, json};

use crate::config::{REQUIRED, VARIABLES};
use crate::handshake::SCRIPT_PATH;
use crate::routes::{AUTH_PATH, CALLBACK_PATH, PREFIX};
use crate::state::COOKIE;

pub fn contract() -> Value {
    json!({
        "environment": { "read": VARIABLES, "required": REQUIRED },
        "route_prefix": PREFIX,
        "routes": [AUTH_PATH, CALLBACK_PATH, SCRIPT_PATH],
        "cookie": COOKIE,
        // Every AWS call it makes, on the resource a variable names
        // (infra/checks/permissions.py proves its role allows each).
        "aws_calls": [
            {"action": "secretsmanager:GetSecretValue", "resource": {"secret": "CMS_OAUTH_SECRET_ID"}, "by": "lambda"},
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
            assert!(route.as_str().unwrap().starts_with(PREFIX), "{route}");
        }
    }
}
