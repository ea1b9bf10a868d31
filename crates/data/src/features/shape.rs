//! Word shape: what a word looks like, in one of eleven classes. The
//! classes NER has long used as features (capitalisation above all), plus
//! the social-media ones (URL, @mention, #hashtag, emoji) that decide much
//! of WNUT-17 and that a subword encoder sees only in pieces.
//!
//! A word gets the first class that applies, in this order:
//!
//! 1. `url`: starts with `http://`, `https://` or `www.` (any case);
//! 2. `mention`: `@` then one or more letters, digits or `_`;
//! 3. `hashtag`: `#` then one or more letters, digits or `_`;
//! 4. `emoji`: only emoji (the pictographic blocks U+2300–U+23FF,
//!    U+2600–U+27BF, U+2B00–U+2BFF and U+1F000–U+1FAFF) and the characters
//!    that join and modify them (ZWJ, variation selectors, the keycap mark,
//!    tag characters), at least one pictograph among them. A block list, not
//!    Unicode's emoji property: close enough for a feature, and no table to carry;
//! 5. `digits`: at least one digit and no letter (`1,000`, `3:30`, `$5`, `-2`);
//! 6. `punctuation`: no letter and no digit (`.`, `--`, `:)`);
//! 7. `other`: letters and digits mixed (`3rd`, `A4`, `COVID-19`), or
//!    letters without case (Chinese, Arabic...);
//! 8. by the cased letters alone (apostrophes, dots and hyphens ignored):
//!    `lower` when all are lowercase; `capitalised` when the first is
//!    uppercase and the rest lowercase (`Paris`, `I`, `Jean-paul`);
//!    `all-caps` when two or more are and all are uppercase (`IBM`,
//!    `U.S.`); `mixed-case` otherwise (`iPhone`, `McDonald`).
//!
//! The empty word is `other`.

/// A word's shape class. The order is the features' value order (id `i + 1`
/// for the `i`-th; 0 is no word), which saved models depend on: add new
/// classes at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    Capitalised,
    AllCaps,
    MixedCase,
    Lower,
    Digits,
    Punctuation,
    Url,
    Mention,
    Hashtag,
    Emoji,
    Other,
}

impl Shape {
    pub const ALL: [Shape; 11] = [
        Shape::Capitalised,
        Shape::AllCaps,
        Shape::MixedCase,
        Shape::Lower,
        Shape::Digits,
        Shape::Punctuation,
        Shape::Url,
        Shape::Mention,
        Shape::Hashtag,
        Shape::Emoji,
        Shape::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Capitalised => "capitalised",
            Shape::AllCaps => "all-caps",
            Shape::MixedCase => "mixed-case",
            Shape::Lower => "lower",
            Shape::Digits => "digits",
            Shape::Punctuation => "punctuation",
            Shape::Url => "url",
            Shape::Mention => "mention",
            Shape::Hashtag => "hashtag",
            Shape::Emoji => "emoji",
            Shape::Other => "other",
        }
    }

    /// The feature value of the class: its place in [`Shape::ALL`] plus one.
    pub fn id(self) -> u32 {
        Shape::ALL.iter().position(|&shape| shape == self).expect("ALL lists every class") as u32 + 1
    }

    /// The class of `word` (see the module doc).
    pub fn of(word: &str) -> Shape {
        let lower = word.to_lowercase();
        if ["http://", "https://", "www."].iter().any(|prefix| lower.starts_with(prefix)) {
            return Shape::Url;
        }
        let handle = |sigil: char| {
            word.strip_prefix(sigil)
                .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_alphanumeric() || c == '_'))
        };
        if handle('@') {
            return Shape::Mention;
        }
        if handle('#') {
            return Shape::Hashtag;
        }
        if word.chars().any(is_pictograph) && word.chars().all(|c| is_pictograph(c) || is_emoji_modifier(c)) {
            return Shape::Emoji;
        }
        let letters = word.chars().any(char::is_alphabetic);
        let digits = word.chars().any(char::is_numeric);
        match (letters, digits) {
            (false, true) => return Shape::Digits,
            (false, false) if !word.is_empty() => return Shape::Punctuation,
            (false, false) | (true, true) => return Shape::Other,
            (true, false) => {}
        }
        let cased: Vec<char> = word.chars().filter(|c| c.is_uppercase() || c.is_lowercase()).collect();
        match cased.split_first() {
            None => Shape::Other,
            Some(_) if cased.iter().all(|c| c.is_lowercase()) => Shape::Lower,
            Some((first, rest)) if first.is_uppercase() && rest.iter().all(|c| c.is_lowercase()) => Shape::Capitalised,
            Some(_) if cased.iter().all(|c| c.is_uppercase()) => Shape::AllCaps,
            Some(_) => Shape::MixedCase,
        }
    }
}

/// A character of the pictographic blocks (see the module doc).
fn is_pictograph(c: char) -> bool {
    matches!(u32::from(c), 0x2300..=0x23FF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x1F000..=0x1FAFF)
}

/// What joins or modifies emoji without being one: ZWJ, variation selectors,
/// the combining keycap, tag characters (subdivision flags).
fn is_emoji_modifier(c: char) -> bool {
    matches!(u32::from(c), 0x200D | 0xFE0E | 0xFE0F | 0x20E3 | 0xE0020..=0xE007F)
}
