//! Logs through `tracing`. On Lambda: JSON without timestamps (CloudWatch
//! adds them); locally: readable lines. `RUST_LOG` sets the level, as a
//! level (`warn`) or per target (`info,forms=debug`).
//!
//! The filter is `Targets`, not `EnvFilter`: `EnvFilter` brings a regex
//! engine into the binary (about half a megabyte) for span-field filters
//! that we never use, and the Lambda zip has a size budget.

use std::io::IsTerminal;

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The filter from `RUST_LOG`; `info` when unset or not understood.
pub fn filter(rust_log: Option<&str>) -> Targets {
    rust_log.and_then(|s| s.parse().ok()).unwrap_or_else(|| Targets::new().with_default(Level::INFO))
}

pub fn init(on_lambda: bool) {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref());
    let builder = tracing_subscriber::fmt().with_target(false);
    let result = if on_lambda {
        builder.json().without_time().with_current_span(false).with_span_list(false).finish().with(filter).try_init()
    } else {
        // Colours only for a person at a terminal, not in a log file.
        builder.with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal()).finish().with(filter).try_init()
    };
    // A second init (tests) is harmless.
    let _ = result;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::level_filters::LevelFilter;

    #[test]
    fn rust_log_sets_the_level_per_target() {
        let f = filter(Some("warn,forms=debug"));
        assert!(f.would_enable("forms::dispatch", &Level::DEBUG));
        assert!(!f.would_enable("tower_http", &Level::INFO));
        assert!(f.would_enable("tower_http", &Level::WARN));
    }

    #[test]
    fn info_without_rust_log_or_when_it_is_not_understood() {
        for given in [None, Some("forms=verbose")] {
            let f = filter(given);
            assert!(f.would_enable("forms", &Level::INFO), "{given:?}");
            assert!(!f.would_enable("forms", &Level::DEBUG), "{given:?}");
        }
        assert_eq!(filter(Some("off")).default_level(), Some(LevelFilter::OFF));
    }
}
