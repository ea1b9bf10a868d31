//! How far two taggings of the same words agree: the pipeline bench's check
//! that every side tagged alike, read from their output files.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use retag_data::conll::{ConllOptions, read_conll_file};

/// How far two taggings of the same words agree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agreement {
    pub words: u64,
    pub equal: u64,
}

impl Agreement {
    pub fn percent(&self) -> f64 {
        if self.words == 0 { 100.0 } else { 100.0 * self.equal as f64 / self.words as f64 }
    }
}

/// Compares the tags of two predicted CoNLL files word by word. They must
/// hold the same sentences and tokens; the first difference is an error that
/// names both files and the sentence.
pub fn agreement(left: &Path, right: &Path) -> Result<Agreement> {
    let read = |path: &Path| {
        read_conll_file(path, &ConllOptions::default()).with_context(|| format!("cannot read {}", path.display()))
    };
    let (a, b) = (read(left)?, read(right)?);
    if a.len() != b.len() {
        bail!("{} has {} sentences, {} has {}", left.display(), a.len(), right.display(), b.len());
    }
    let mut result = Agreement { words: 0, equal: 0 };
    for (index, (x, y)) in a.iter().zip(&b).enumerate() {
        if x.tokens != y.tokens {
            let mut message = String::new();
            let _ =
                write!(message, "sentence {} (line {} of {}) differs in its tokens", index + 1, x.line, left.display());
            bail!("{message} from line {} of {}", y.line, right.display());
        }
        result.words += x.tags.len() as u64;
        result.equal += x.tags.iter().zip(&y.tags).filter(|(p, q)| p == q).count() as u64;
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("temp dir is writable");
        path
    }

    #[test]
    fn compares_word_by_word() {
        let dir = std::env::temp_dir().join(format!("retag-bench-agreement-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let out = write(&dir, "out.txt", "a O\nb B-x\n\nc O\n\nd I-x\n\na O\nb B-x\n\nc O\n\n");
        let other = write(&dir, "other.txt", "a O\nb O\n\nc O\n\nd I-x\n\na O\nb B-x\n\nc B-x\n\n");
        let agreed = agreement(&out, &other).expect("same tokens");
        assert_eq!(agreed, Agreement { words: 7, equal: 5 });
        let shorter = write(&dir, "short.txt", "a O\nb O\n\n");
        assert!(agreement(&out, &shorter).is_err());
        let renamed = write(&dir, "renamed.txt", "a O\nz B-x\n\nc O\n\nd I-x\n\na O\nb B-x\n\nc O\n\n");
        let error = format!("{:#}", agreement(&out, &renamed).unwrap_err());
        assert!(error.contains("sentence 1"), "{error}");
        assert_eq!(Agreement { words: 0, equal: 0 }.percent(), 100.0);
        assert_eq!(agreed.percent(), 100.0 * 5.0 / 7.0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
