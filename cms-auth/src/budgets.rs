//! Every time and size budget of the editor's server in one place. The
//! template's Lambda and API Gateway timeouts are checked against these
//! (`cms-auth contract`, infra/checks/contracts.py).

use std::time::Duration;

/// One call to DynamoDB, SES or Secrets Manager, waited for as a whole.
/// The clients themselves (`forms::aws`) end each call sooner, retries
/// counted in (`forms::budgets`); this bounds the rest (the mailer's work).
pub const AWS_CALL: Duration = Duration::from_secs(5);
/// One call to GitHub's API.
pub const GITHUB_CALL: Duration = Duration::from_secs(10);
/// A whole request: a save is a few GitHub calls in a row.
pub const REQUEST: Duration = Duration::from_secs(25);
/// `TimeoutInMillis` of the API Gateway integration.
pub const API_GATEWAY_TIMEOUT: Duration = Duration::from_secs(29);
/// `Timeout` of the function.
pub const LAMBDA_TIMEOUT: Duration = Duration::from_secs(30);

/// A sign-in link works this long, once.
pub const LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// A session lasts a working day.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(10 * 3600);
/// An installation token is kept this long; GitHub makes it for an hour.
pub const INSTALLATION_TOKEN_KEPT: Duration = Duration::from_secs(50 * 60);

/// Sign-in requests: this many per address and per client in one window.
pub const SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);
pub const SIGN_IN_PER_ADDRESS: u32 = 3;
pub const SIGN_IN_PER_CLIENT: u32 = 10;

/// Largest request body: a save with a page and one picture (base64 is 4/3 of it).
pub const BODY_LIMIT: usize = (crate::policy::MEDIA_MAX_BYTES + crate::policy::ENTRY_MAX_BYTES) * 4 / 3 + 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_ends_before_the_gateway_and_lambda_give_up() {
        assert!(GITHUB_CALL < REQUEST && AWS_CALL < REQUEST);
        assert!(REQUEST < API_GATEWAY_TIMEOUT && API_GATEWAY_TIMEOUT < LAMBDA_TIMEOUT);
        assert!(INSTALLATION_TOKEN_KEPT < Duration::from_secs(3600), "a token is never used near its end");
    }

    #[test]
    fn the_aws_clients_give_up_before_this_server_stops_waiting() {
        for calls in [forms::budgets::DYNAMODB, forms::budgets::SES, forms::budgets::SECRETS_MANAGER] {
            assert!(calls.operation < AWS_CALL, "{calls:?}");
        }
    }
}
