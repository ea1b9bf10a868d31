//! Early stopping on dev F1: the best evaluation is remembered with its
//! weights, and the run ends once `patience` evaluations in a row have not
//! beaten it by more than `min_delta`.

use crate::checkpoint::{Best, TrainState};
use crate::config::TrainConfig;

/// What one evaluation means for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// A new best: keep these weights.
    pub improved: bool,
    /// Patience is exhausted: end the run.
    pub stop: bool,
}

/// Records an evaluation of dev F1 `f1`, made after 1-based `epoch`, in
/// `state` (its best and its count of evaluations since) and says what to do.
/// The first evaluation is always the best so far.
pub fn observe(state: &mut TrainState, config: &TrainConfig, epoch: usize, f1: f64) -> Verdict {
    let improved = state.best.is_none_or(|best| f1 > best.f1 + config.min_delta);
    if improved {
        state.best = Some(Best { f1, epoch, step: state.step });
        state.evaluations_without_improvement = 0;
    } else {
        state.evaluations_without_improvement += 1;
    }
    let stop = config.patience.is_some_and(|patience| state.evaluations_without_improvement >= patience);
    Verdict { improved, stop }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (patience, min_delta, F1 of each evaluation, expected verdicts as
    /// "i" improved / "-" not / "S" stop, and the best evaluation's index)
    #[test]
    fn stops_after_patience_evaluations_without_a_better_f1() {
        #[allow(clippy::type_complexity)]
        let cases: &[(Option<usize>, f64, &[f64], &str, usize)] = &[
            (Some(2), 0.0, &[0.5, 0.6, 0.6, 0.55], "ii-S", 1),
            (Some(2), 0.0, &[0.5, 0.4, 0.7, 0.6, 0.7], "i-i-S", 2),
            (Some(1), 0.0, &[0.0, 0.0], "iS", 0),
            // Better by less than min_delta is not better.
            (Some(3), 0.05, &[0.5, 0.54, 0.56, 0.57], "i-i-", 2),
            (None, 0.0, &[0.5, 0.4, 0.3, 0.2], "i---", 0),
        ];
        for (patience, min_delta, scores, expected, best) in cases {
            let config = TrainConfig { patience: *patience, min_delta: *min_delta, ..TrainConfig::default() };
            let mut state = TrainState::start();
            let mut verdicts = String::new();
            for (index, &f1) in scores.iter().enumerate() {
                state.step = index * 10;
                let verdict = observe(&mut state, &config, index + 1, f1);
                verdicts.push(match verdict {
                    Verdict { stop: true, .. } => 'S',
                    Verdict { improved: true, .. } => 'i',
                    _ => '-',
                });
            }
            assert_eq!(&verdicts, expected, "{scores:?} patience {patience:?}");
            assert_eq!(state.best.map(|b| b.step), Some(best * 10), "{scores:?}");
        }
    }
}
