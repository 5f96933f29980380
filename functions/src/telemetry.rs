//! Logs through `tracing`. On Lambda: JSON without timestamps (CloudWatch
//! adds them); locally: readable lines. `RUST_LOG` sets the level.

use tracing_subscriber::EnvFilter;

pub fn init(on_lambda: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let result = if on_lambda {
        builder.json().without_time().with_current_span(false).with_span_list(false).try_init()
    } else {
        builder.with_writer(std::io::stderr).try_init()
    };
    // A second init (tests) is harmless.
    let _ = result;
}
