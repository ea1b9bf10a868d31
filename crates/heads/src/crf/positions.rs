//! The positions a CRF scores: the unmasked ones of each row, in order.
//!
//! A mask is not only trailing padding: `[CLS]`, `[SEP]` and the second
//! subword of a word carry no label either, so unmasked positions can have
//! holes between them. The CRF chains labels over the unmasked positions
//! (a transition links one labelled token to the next labelled token,
//! whatever lies between), which is what the tags mean. To keep the forward
//! algorithm textbook, the unmasked emissions of each row are first packed
//! to the front (`gather`, differentiable); afterwards the mask of the packed
//! batch is a plain prefix.

use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

use crate::error::{HeadError, Result};

/// For each row, the unmasked positions of the original sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Positions {
    pub(crate) rows: Vec<Vec<usize>>,
}

impl Positions {
    /// Reads a `[batch, seq]` mask (true = scored) back to the host.
    pub(crate) fn from_mask(mask: &Tensor<2, Bool>) -> Result<Self> {
        let [batch, seq] = mask.dims();
        let flags = mask
            .clone()
            .int()
            .try_into_vec_as::<i64>()
            .map_err(|error| HeadError::TensorRead { tensor: "mask".into(), reason: error.to_string() })?;
        let rows =
            (0..batch).map(|row| (0..seq).filter(|&position| flags[row * seq + position] != 0).collect()).collect();
        Ok(Self { rows })
    }

    pub(crate) fn batch(&self) -> usize {
        self.rows.len()
    }

    /// The most positions any row has: the number of steps of the packed batch.
    pub(crate) fn longest(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// Indices that gather `[batch, seq, labels]` emissions into a packed
    /// `[batch, longest, labels]` tensor. Steps past a row's end point at
    /// position 0; the prefix mask keeps them out of every score.
    pub(crate) fn gather_index(&self, labels: usize, device: &Device) -> Tensor<3, Int> {
        let longest = self.longest();
        let mut index = Vec::with_capacity(self.batch() * longest * labels);
        for row in &self.rows {
            for step in 0..longest {
                let position = row.get(step).copied().unwrap_or(0) as i64;
                index.extend(std::iter::repeat_n(position, labels));
            }
        }
        Tensor::from_data(TensorData::new(index, [self.batch(), longest, labels]), device)
    }

    /// `[batch, longest]`: true where a packed step holds a real position.
    pub(crate) fn step_mask(&self, device: &Device) -> Tensor<2, Bool> {
        let longest = self.longest();
        let flags: Vec<bool> =
            self.rows.iter().flat_map(|row| (0..longest).map(move |step| step < row.len())).collect();
        Tensor::from_data(TensorData::new(flags, [self.batch(), longest]), device)
    }

    /// `[batch]`: true for rows with no position at all (their loss is 0).
    pub(crate) fn empty_rows(&self, device: &Device) -> Tensor<1, Bool> {
        let flags: Vec<bool> = self.rows.iter().map(Vec::is_empty).collect();
        Tensor::from_data(TensorData::new(flags, [self.batch()]), device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_and_padding_are_skipped() {
        let device = Device::flex();
        let mask = Tensor::<2, Bool>::from_data(
            TensorData::new(vec![false, true, false, true, true, false, false, false, false, false], [2, 5]),
            &device,
        );
        let positions = Positions::from_mask(&mask).unwrap();
        assert_eq!(positions.rows, vec![vec![1, 3, 4], vec![]]);
        assert_eq!(positions.longest(), 3);
        let index = positions.gather_index(2, &device).into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
        assert_eq!(index, vec![1, 1, 3, 3, 4, 4, 0, 0, 0, 0, 0, 0]);
        let steps = positions.step_mask(&device).into_data().try_to_vec::<bool>().unwrap();
        assert_eq!(steps, vec![true, true, true, false, false, false]);
        assert_eq!(positions.empty_rows(&device).into_data().try_to_vec::<bool>().unwrap(), vec![false, true]);
    }
}
