//! The learning-rate schedule: linear warm-up, then linear decay to 0.
//!
//! A pure function of the step rather than a stateful scheduler, so that a
//! resumed run needs nothing but the step number to be where it was.

/// transformers' `get_linear_schedule_with_warmup`: the factor applied to the
/// peak rate at optimizer update `step` (0-based) of `total`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearSchedule {
    warmup_steps: usize,
    total_steps: usize,
}

impl LinearSchedule {
    /// `warmup_ratio` of `total_steps`, rounded up (transformers'
    /// `get_warmup_steps`), is warm-up.
    pub fn new(total_steps: usize, warmup_ratio: f64) -> Self {
        let warmup_steps = (total_steps as f64 * warmup_ratio).ceil() as usize;
        Self { warmup_steps: warmup_steps.min(total_steps), total_steps }
    }

    pub fn warmup_steps(&self) -> usize {
        self.warmup_steps
    }

    pub fn total_steps(&self) -> usize {
        self.total_steps
    }

    /// The multiplier of the peak learning rate for update `step`. As in
    /// transformers, update 0 gets factor 0 when there is warm-up (the first
    /// update only feeds AdamW's moments), so that numbers compare with runs
    /// of the reference recipe.
    pub fn factor(&self, step: usize) -> f64 {
        if step < self.warmup_steps {
            return step as f64 / self.warmup_steps.max(1) as f64;
        }
        let decay_steps = (self.total_steps - self.warmup_steps).max(1);
        (self.total_steps.saturating_sub(step)) as f64 / decay_steps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_then_decays_like_transformers() {
        // (total, ratio, expected factors for steps 0..=total)
        let cases: &[(usize, f64, &[f64])] = &[
            (10, 0.2, &[0.0, 0.5, 1.0, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0.0]),
            (4, 0.0, &[1.0, 0.75, 0.5, 0.25, 0.0]),
            // ceil(0.1 * 5) = 1 warm-up step.
            (5, 0.1, &[0.0, 1.0, 0.75, 0.5, 0.25, 0.0]),
        ];
        for (total, ratio, expected) in cases {
            let schedule = LinearSchedule::new(*total, *ratio);
            let factors: Vec<f64> = (0..=*total).map(|step| schedule.factor(step)).collect();
            assert_eq!(&factors, expected, "total {total}, ratio {ratio}");
        }
        assert_eq!(LinearSchedule::new(5, 0.1).factor(7), 0.0, "past the end");
    }
}
