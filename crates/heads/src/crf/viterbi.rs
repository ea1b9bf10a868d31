//! Viterbi decoding on the host: the highest-scoring label sequence.

/// A CRF's scores read back from the device, row-major.
pub(crate) struct HostScores {
    pub(crate) num_labels: usize,
    pub(crate) transitions: Vec<f32>,
    pub(crate) start: Vec<f32>,
    pub(crate) end: Vec<f32>,
}

impl HostScores {
    /// The best path through `emissions` (one `[labels]` slice per step);
    /// empty for no step. Ties go to the lower label id, so the result is
    /// deterministic.
    pub(crate) fn best_path(&self, emissions: &[&[f32]]) -> Vec<usize> {
        let labels = self.num_labels;
        let Some((first, rest)) = emissions.split_first() else {
            return Vec::new();
        };
        let mut best: Vec<f32> = (0..labels).map(|j| self.start[j] + first[j]).collect();
        // back[t][j]: the label before `j` on the best path ending in `j` at step t + 1.
        let mut back: Vec<Vec<usize>> = Vec::with_capacity(rest.len());
        for emission in rest {
            let mut next = vec![f32::NEG_INFINITY; labels];
            let mut from = vec![0usize; labels];
            for to in 0..labels {
                for (previous, &so_far) in best.iter().enumerate() {
                    let score = so_far + self.transitions[previous * labels + to];
                    if score > next[to] {
                        next[to] = score;
                        from[to] = previous;
                    }
                }
                next[to] += emission[to];
            }
            best = next;
            back.push(from);
        }
        let mut last = 0;
        for label in 1..labels {
            if best[label] + self.end[label] > best[last] + self.end[last] {
                last = label;
            }
        }
        let mut path = vec![last];
        for from in back.iter().rev() {
            last = from[last];
            path.push(last);
        }
        path.reverse();
        path
    }
}
