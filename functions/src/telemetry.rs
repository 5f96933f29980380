//! Logs through `tracing`. On Lambda: JSON without timestamps (CloudWatch
//! adds them); locally: readable lines. `RUST_LOG` sets the level.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init(on_lambda: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let result = if on_lambda {
        builder.json().without_time().with_current_span(false).with_span_list(false).try_init()
    } else {
        // Colours only for a person at a terminal, not in a log file.
        builder.with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal()).try_init()
    };
    // A second init (tests) is harmless.
    let _ = result;
}
