//! How to read a CoNLL column file: which columns hold the token and the tag,
//! what separates columns, and which lines are comments.

/// Which column holds the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagColumn {
    /// The last column, whatever the number of columns: NER tags are last in
    /// CoNLL-2003 (`token POS chunk NER`), WNUT and most exports.
    #[default]
    Last,
    /// A 0-based column.
    Index(usize),
    /// No tag column: text to predict on. Sentences come back with empty `tags`;
    /// any columns besides the token are ignored.
    None,
}

/// What separates the columns of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// Runs of ASCII spaces and tabs; trailing ones are ignored. Only ASCII
    /// space and tab separate: a token may be or contain Unicode whitespace
    /// (U+00A0, U+2028, U+200B...), so such characters stay in the token.
    /// With two columns this reads a line exactly as "split on the last ASCII
    /// space or tab" does, and a token that itself contains an ASCII space is
    /// caught by the column-count check instead of being mis-split.
    #[default]
    AsciiWhitespace,
    /// Every single TAB separates and nothing else does: for TSV files whose
    /// tokens contain spaces. Empty fields are errors.
    Tab,
}

/// Options of [`crate::conll::ConllReader`]. The default reads the files of
/// `shared/data`: token first, tag last, columns split on ASCII spaces or tabs,
/// no comment lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConllOptions {
    /// 0-based column of the token (default 0).
    pub token_column: usize,
    /// Column of the tag (default the last one).
    pub tag_column: TagColumn,
    pub delimiter: Delimiter,
    /// Prefix of comment lines (such as `#` for CoNLL-U style `# text = ...`
    /// headers); `None` (the default) means no line is a comment, which can
    /// never drop a token.
    ///
    /// Tweets have `#` tokens (WNUT-17 has `# O` lines), so a prefixed line
    /// is a comment only when it cannot be a token line: when reading tags,
    /// a line that starts with the prefix is still a token line if it has the
    /// tag column and that column parses as a scheme tag (`O`, `B-PER`...,
    /// see [`crate::scheme::Tag::parse`]). `# O` stays a token; `# text = EU
    /// rejects ...` and `# sent_id = 3` are comments. Without a tag column
    /// (`TagColumn::None`) nothing tells the two apart, so every prefixed line
    /// is a comment: leave this `None` for such text if tokens may start with
    /// the prefix.
    pub comment_prefix: Option<String>,
}

impl Default for ConllOptions {
    fn default() -> Self {
        Self {
            token_column: 0,
            tag_column: TagColumn::Last,
            delimiter: Delimiter::AsciiWhitespace,
            comment_prefix: None,
        }
    }
}

impl ConllOptions {
    /// Options for untagged text: one token per line (or the token column of
    /// a wider file), no tags.
    pub fn untagged() -> Self {
        Self { tag_column: TagColumn::None, ..Self::default() }
    }

    /// Whether sentences read with these options carry tags.
    pub fn reads_tags(&self) -> bool {
        self.tag_column != TagColumn::None
    }
}
