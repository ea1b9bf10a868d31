//! The four operations, each on one sentence's tokens and tags, drawing
//! from the sentence's own stream. Each keeps the tag sequence valid by
//! construction: only mention replacement touches tags, and it writes them
//! from spans with [`encode`], the scheme's own writer.

use crate::rng::SplitMix64;
use crate::scheme::{OnInvalid, Scheme, Span, decode, encode};

use super::pools::Pools;

/// Mention replacement: each entity of `spans` (the spans `tags` encode),
/// with probability `rate`, becomes a mention of its type drawn from
/// `pools`; the tags are written anew in `scheme` when any entity changed
/// (a replacement may be longer or shorter than what it replaces).
#[allow(clippy::too_many_arguments)] // the sentence, its spans and the draw's settings, each needed
pub(crate) fn replace_mentions(
    tokens: &mut Vec<String>,
    tags: &mut Vec<String>,
    spans: &[Span],
    scheme: Scheme,
    rate: f64,
    pools: &Pools,
    aims_at: &dyn Fn(&str) -> bool,
    rng: &mut SplitMix64,
) -> bool {
    let mut new_tokens = Vec::with_capacity(tokens.len());
    let mut new_spans = Vec::with_capacity(spans.len());
    let mut replaced = false;
    let mut cursor = 0;
    for span in spans {
        new_tokens.extend_from_slice(&tokens[cursor..span.start]);
        let pool = pools.mentions(&span.kind);
        let start = new_tokens.len();
        if rng.chance(rate) && aims_at(&span.kind) && !pool.is_empty() {
            new_tokens.extend_from_slice(&pool[rng.below(pool.len())]);
            replaced = true;
        } else {
            new_tokens.extend_from_slice(&tokens[span.start..span.end]);
        }
        new_spans.push(Span { start, end: new_tokens.len(), kind: span.kind.clone() });
        cursor = span.end;
    }
    if !replaced {
        return false;
    }
    new_tokens.extend_from_slice(&tokens[cursor..]);
    *tags = encode(&new_spans, new_tokens.len(), scheme);
    *tokens = new_tokens;
    true
}

/// Label-wise token replacement: each token, with probability `rate`,
/// becomes a token drawn from those the training data tags with its label.
/// Tags do not change.
pub(crate) fn replace_tokens(tokens: &mut [String], tags: &[String], rate: f64, pools: &Pools, rng: &mut SplitMix64) {
    for (token, tag) in tokens.iter_mut().zip(tags) {
        let pool = pools.tokens(tag);
        if rng.chance(rate) && !pool.is_empty() {
            *token = pool[rng.below(pool.len())].clone();
        }
    }
}

/// Shuffle within segments: the sentence is cut into maximal runs of one
/// entity or of `O` (two adjacent entities are two segments), and each
/// segment, with probability `rate`, has its tokens shuffled. Each position
/// keeps its tag, and a segment's tags are all of one entity or all `O`, so
/// the tags do not change.
pub(crate) fn shuffle_segments(tokens: &mut [String], spans: &[Span], rate: f64, rng: &mut SplitMix64) {
    for segment in segments(spans, tokens.len()) {
        if rng.chance(rate) {
            rng.shuffle(&mut tokens[segment]);
        }
    }
}

/// The segments of a sentence of `len` tokens whose entities are `spans`
/// (sorted, not overlapping, as [`decode`] gives them), in order.
pub(crate) fn segments(spans: &[Span], len: usize) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::with_capacity(2 * spans.len() + 1);
    let mut cursor = 0;
    for span in spans {
        if cursor < span.start {
            found.push(cursor..span.start);
        }
        found.push(span.start..span.end);
        cursor = span.end;
    }
    if cursor < len {
        found.push(cursor..len);
    }
    found
}

/// Casing noise: each token, with probability `rate`, is lowercased,
/// uppercased or title-cased (first letter up, the rest down), one of the
/// three equally likely. Tags do not change.
pub(crate) fn change_case(tokens: &mut [String], rate: f64, rng: &mut SplitMix64) {
    for token in tokens {
        if rng.chance(rate) {
            *token = match rng.below(3) {
                0 => token.to_lowercase(),
                1 => token.to_uppercase(),
                _ => title_case(token),
            };
        }
    }
}

fn title_case(token: &str) -> String {
    let mut chars = token.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars.as_str().to_lowercase().chars()).collect(),
        None => String::new(),
    }
}

/// The spans of `tags` under `scheme`, or `None` when they break it (the
/// operations that need spans then leave the sentence alone rather than
/// guess: a repair would change its labels).
pub(crate) fn valid_spans(tags: &[String], scheme: Scheme) -> Option<Vec<Span>> {
    decode(tags, scheme, OnInvalid::Error).ok()
}
