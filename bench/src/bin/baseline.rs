//! The floor for cold starts: the least a Rust Lambda behind API Gateway
//! can be (lambda_http + an axum Router answering "hello"). `make bench`
//! starts it beside `forms`, with the same profile and the same event.

use axum::Router;
use axum::routing::any;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let app = Router::new().fallback(any(|| async { "hello" }));
    lambda_http::run(app).await
}
