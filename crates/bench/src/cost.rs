//! What a forward pass costs in floating-point operations, from the shapes
//! alone, so that a throughput can be read as a fraction of what the machine
//! could do.
//!
//! One multiply-add counts as 2 FLOP. Per token and per layer, a BERT layer of
//! width `H` with feed-forward width `I` over a padded row of `S` positions does
//!
//! | product | FLOP |
//! | --- | --- |
//! | Q, K, V projections | 3 · 2·H·H |
//! | attention output projection | 2·H·H |
//! | feed-forward up and down | 2·H·I + 2·I·H |
//! | scores Q·Kᵀ (all heads together) | 2·S·H |
//! | probabilities · V | 2·S·H |
//!
//! that is `8H² + 4HI + 4SH`. Embeddings, layer norms, softmax, GELU, biases
//! and residual adds are O(H) per token and left out (under 1% for MiniLM).
//! For all-MiniLM-L6-v2 (6 layers, H = 384, I = 1536) this is 21.5 MFLOP per
//! word-piece at S = 32 and 22.4 MFLOP at S = 128. Padding positions are
//! computed like real ones, so a batch costs `batch · S` tokens' worth.

use retag_bert::BertConfig;

/// The sizes of a BERT encoder that set its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderShape {
    pub layers: usize,
    pub hidden: usize,
    pub intermediate: usize,
}

impl EncoderShape {
    pub fn of(config: &BertConfig) -> Self {
        Self { layers: config.num_hidden_layers, hidden: config.hidden_size, intermediate: config.intermediate_size }
    }

    /// FLOP of one token's forward pass through all layers, in a row padded to `seq`.
    pub fn flop_per_token(&self, seq: usize) -> f64 {
        let (h, i, s) = (self.hidden as f64, self.intermediate as f64, seq as f64);
        self.layers as f64 * (8.0 * h * h + 4.0 * h * i + 4.0 * s * h)
    }

    /// FLOP of the forward pass of a `[batch, seq]` batch, padding included.
    pub fn flop(&self, batch: usize, seq: usize) -> f64 {
        (batch * seq) as f64 * self.flop_per_token(seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINILM: EncoderShape = EncoderShape { layers: 6, hidden: 384, intermediate: 1536 };

    fn check(shape: EncoderShape, seq: usize, expected_mflop: f64) {
        let actual = shape.flop_per_token(seq) / 1e6;
        assert!(
            (actual - expected_mflop).abs() < 0.01,
            "{shape:?} at {seq}: {actual} MFLOP, expected {expected_mflop}"
        );
    }

    #[test]
    fn per_token_cost_matches_the_hand_count() {
        // 6 · (8·384² + 4·384·1536 + 4·S·384)
        check(MINILM, 32, 21.528576);
        check(MINILM, 128, 22.413312);
        check(MINILM, 1, 21.242880);
        // bert-base: 12 layers, 768 wide.
        check(EncoderShape { layers: 12, hidden: 768, intermediate: 3072 }, 128, 174.587904);
    }

    #[test]
    fn a_batch_costs_every_padded_position() {
        assert_eq!(MINILM.flop(32, 32), 1024.0 * MINILM.flop_per_token(32));
        assert_eq!(MINILM.flop(0, 32), 0.0);
    }
}
