//! Median and spread of repeated timings.

use serde_json::{Value, json};

/// The `q`-quantile (0.0..=1.0) of sorted samples, nearest rank.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "no samples");
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub fn sorted(mut samples: Vec<f64>) -> Vec<f64> {
    samples.sort_by(f64::total_cmp);
    samples
}

/// Median, quartiles and extremes, rounded for the report.
pub fn summary(samples: &[f64]) -> Value {
    let s = sorted(samples.to_vec());
    json!({
        "n": s.len(),
        "median": round(quantile(&s, 0.5)),
        "p25": round(quantile(&s, 0.25)),
        "p75": round(quantile(&s, 0.75)),
        "min": round(s[0]),
        "max": round(s[s.len() - 1]),
    })
}

pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let s = sorted((1..=100).map(f64::from).rev().collect());
        assert_eq!(quantile(&s, 0.5), 50.0);
        assert_eq!(quantile(&s, 0.99), 99.0);
        assert_eq!(quantile(&s, 1.0), 100.0);
        assert_eq!(quantile(&s, 0.0), 1.0);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
    }
}
