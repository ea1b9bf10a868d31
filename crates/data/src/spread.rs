//! Mean and spread of one figure over seeds: how every table of retag
//! (`retag compare`'s report, the `cargo xtask` tables) states a result
//! measured more than once, since one seed on a small test set is noise.

use serde::{Deserialize, Serialize};

/// Mean and sample standard deviation (n − 1) of one figure over seeds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub mean: f64,
    /// `None` with fewer than two values.
    pub sd: Option<f64>,
    pub n: usize,
}

impl Spread {
    /// `None` for no values.
    pub fn of(values: &[f64]) -> Option<Self> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = (n > 1).then(|| (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt());
        Some(Self { mean, sd, n })
    }

    /// `mean ± sd`, scaled (100 for F1 in %), with `digits` decimals; the
    /// mean alone for one value.
    pub fn show(&self, scale: f64, digits: usize) -> String {
        match self.sd {
            Some(sd) => format!("{:.digits$} ± {:.digits$}", self.mean * scale, sd * scale),
            None => format!("{:.digits$}", self.mean * scale),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_deviation() {
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[0.415]), Some(Spread { mean: 0.415, sd: None, n: 1 }));
        let three = Spread::of(&[40.0, 42.0, 44.0]).unwrap();
        assert_eq!((three.mean, three.sd, three.n), (42.0, Some(2.0), 3));
        assert_eq!(three.show(1.0, 1), "42.0 ± 2.0");
        assert_eq!(Spread::of(&[0.415]).unwrap().show(100.0, 2), "41.50");
    }
}
