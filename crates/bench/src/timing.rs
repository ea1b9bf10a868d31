//! Repeated timings reduced to what a reader compares: the median, which one
//! slow repetition on a shared machine does not move, and the spread.

use serde::{Deserialize, Serialize};

/// Seconds per repetition, with their median, fastest and slowest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub seconds: Vec<f64>,
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
}

impl Timings {
    /// `None` for no repetitions.
    pub fn new(seconds: Vec<f64>) -> Option<Self> {
        let mut sorted = seconds.clone();
        sorted.sort_by(f64::total_cmp);
        let (&min_s, &max_s) = (sorted.first()?, sorted.last()?);
        let middle = sorted.len() / 2;
        let median_s = if sorted.len() % 2 == 1 { sorted[middle] } else { (sorted[middle - 1] + sorted[middle]) / 2.0 };
        Some(Self { seconds, median_s, min_s, max_s })
    }

    /// The slowest minus the fastest repetition, as a fraction of the median.
    pub fn spread(&self) -> f64 {
        if self.median_s > 0.0 { (self.max_s - self.min_s) / self.median_s } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(seconds: &[f64], median: f64, spread: f64) {
        let timings = Timings::new(seconds.to_vec()).expect("non-empty");
        assert_eq!(timings.median_s, median, "median of {seconds:?}");
        assert!((timings.spread() - spread).abs() < 1e-12, "spread of {seconds:?}: {}", timings.spread());
    }

    #[test]
    fn median_and_spread() {
        check(&[2.0], 2.0, 0.0);
        check(&[3.0, 1.0, 2.0], 2.0, 1.0);
        check(&[4.0, 1.0, 2.0, 3.0], 2.5, 3.0 / 2.5);
        // One outlier moves the spread, not the median.
        check(&[1.0, 1.0, 1.0, 1.0, 9.0], 1.0, 8.0);
    }

    #[test]
    fn no_repetitions_is_no_timing() {
        assert_eq!(Timings::new(Vec::new()), None);
    }
}
