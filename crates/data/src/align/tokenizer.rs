//! Loading a checkpoint's tokenizer, whichever of HuggingFace's two layouts it
//! ships: a `tokenizer.json` (the "fast" tokenizer, complete: WordPiece for
//! BERT and DistilBERT, byte-level BPE for RoBERTa, SentencePiece Unigram for
//! XLM-RoBERTa), or only a `vocab.txt` plus `tokenizer_config.json` (older
//! BERT checkpoints), from which we rebuild the BERT tokenizer that
//! `transformers`' `BertTokenizer` would use.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer};

use crate::error::DataError;

/// The window length assumed when the tokenizer does not say (BERT's 512
/// position embeddings).
pub const DEFAULT_MAX_LENGTH: usize = 512;

/// `transformers` writes `model_max_length = 1e30` when it does not know the
/// length; anything above this bound is treated as "not said".
const SANE_MAX_LENGTH: usize = 1 << 20;

/// The smallest window that holds `[CLS]`, one subword and `[SEP]`.
const MIN_MAX_LENGTH: usize = 3;

/// The ids of the special tokens alignment needs. Windows are framed as
/// `[CLS] subwords [SEP]` by alignment itself (not by the tokenizer's
/// post-processor) so that a long sentence can be cut into several framed
/// windows; `unk` stands in for words the tokenizer reduces to nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialTokens {
    pub cls: u32,
    pub sep: u32,
    pub pad: u32,
    pub unk: u32,
}

/// A tokenizer ready to turn pre-split words into subwords: its truncation
/// and padding are switched off (windows and batches do that, word-aware),
/// and its special tokens and maximum length are known.
#[derive(Debug, Clone)]
pub struct WordTokenizer {
    tokenizer: Tokenizer,
    path: PathBuf,
    special: SpecialTokens,
    max_length: usize,
}

/// [`WordTokenizer::load`]: a checkpoint folder, a `tokenizer.json` or a `vocab.txt`.
pub fn load_tokenizer(dir_or_file: &Path) -> Result<WordTokenizer, DataError> {
    WordTokenizer::load(dir_or_file)
}

impl WordTokenizer {
    /// Loads from a checkpoint folder (its `tokenizer.json`, or else its
    /// `vocab.txt` and `tokenizer_config.json`) or from either file itself.
    /// The maximum length comes from `tokenizer_config.json`'s
    /// `model_max_length` when it is sane, else [`DEFAULT_MAX_LENGTH`].
    pub fn load(dir_or_file: &Path) -> Result<Self, DataError> {
        Self::load_with_fallback_max_length(dir_or_file, DEFAULT_MAX_LENGTH)
    }

    /// As [`WordTokenizer::load`], with the maximum length to use when
    /// `tokenizer_config.json` does not give a sane one (e.g. from the
    /// model's `max_position_embeddings`).
    pub fn load_with_fallback_max_length(dir_or_file: &Path, fallback_max_length: usize) -> Result<Self, DataError> {
        if !(MIN_MAX_LENGTH..=SANE_MAX_LENGTH).contains(&fallback_max_length) {
            return Err(DataError::InvalidOption {
                option: "max_length".into(),
                reason: format!("{fallback_max_length} is outside {MIN_MAX_LENGTH}..={SANE_MAX_LENGTH}"),
            });
        }
        let source = TokenizerSource::find(dir_or_file)?;
        let config = TokenizerConfig::read(source.config.as_deref())?;
        let (mut tokenizer, path) = match source.kind {
            SourceKind::TokenizerJson(path) => {
                let mut tokenizer = Tokenizer::from_file(&path)
                    .map_err(|e| tokenizer_error(&path, format!("cannot read tokenizer.json: {e}")))?;
                if let Some(mut pre_tokenizer) = tokenizer.get_pre_tokenizer().cloned()
                    && add_prefix_space(&mut pre_tokenizer)
                {
                    tokenizer.with_pre_tokenizer(Some(pre_tokenizer));
                }
                (tokenizer, path)
            }
            SourceKind::VocabTxt(path) => (build_bert(&path, &config)?, path),
        };
        // A tokenizer.json often carries the truncation and padding it was
        // trained with (128 for all-MiniLM-L6-v2): they would silently drop
        // words, so alignment owns both.
        tokenizer
            .with_truncation(None)
            .map_err(|e| tokenizer_error(&path, format!("cannot turn truncation off: {e}")))?;
        tokenizer.with_padding(None);
        let special = config.special_tokens(&tokenizer, &path)?;
        let max_length = config.max_length.unwrap_or(fallback_max_length);
        Ok(Self { tokenizer, path, special, max_length })
    }

    pub fn special_tokens(&self) -> SpecialTokens {
        self.special
    }

    /// The longest input the model accepts, special tokens included.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// The file the tokenizer was loaded from, for error messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying `tokenizers` tokenizer (truncation and padding off).
    pub fn inner(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Writes the tokenizer as a `tokenizer.json`, so that a checkpoint
    /// rebuilt from `vocab.txt` ships the complete form.
    pub fn save(&self, path: &Path) -> Result<(), DataError> {
        self.tokenizer.save(path, true).map_err(|e| tokenizer_error(path, format!("cannot write tokenizer.json: {e}")))
    }
}

/// Turns on `add_prefix_space` in every byte-level pre-tokenizer of
/// `pre_tokenizer`; true if one was off.
///
/// Byte-level BPE (RoBERTa, GPT-2) reads the space before a word into the
/// word's first token, as `Ġ`: in running text `Paris` after a space is
/// `ĠParis`, and only a text's first word has no `Ġ`. Alignment tokenizes
/// each pre-split word alone, so with a `tokenizer.json` saved with
/// `add_prefix_space: false` (roberta-base's) every word would be read as
/// if it began the text, tokens the model rarely saw there. transformers
/// requires `add_prefix_space=True` for pre-split words and its
/// token-classification recipe (`run_ner.py`) sets it for RoBERTa, so a
/// fine-tuned model learned each word with its `Ġ`; the same is done here.
/// A word whose `Ġ` is a token of its own (`Ġ`, `H`, `ello`) is read at that
/// first token, as transformers' `word_ids()` place the label.
/// SentencePiece's Metaspace (`▁`, XLM-RoBERTa) needs nothing: with prepend
/// scheme `always`, or `first`, where each pre-split word is a first, every
/// word already gets its `▁`.
fn add_prefix_space(pre_tokenizer: &mut PreTokenizerWrapper) -> bool {
    match pre_tokenizer {
        PreTokenizerWrapper::ByteLevel(byte_level) if !byte_level.add_prefix_space => {
            byte_level.add_prefix_space = true;
            true
        }
        PreTokenizerWrapper::Sequence(sequence) => {
            sequence.as_mut().iter_mut().map(add_prefix_space).fold(false, |any, changed| any | changed)
        }
        _ => false,
    }
}

pub(crate) fn tokenizer_error(path: &Path, reason: String) -> DataError {
    DataError::Tokenizer { path: path.to_path_buf(), reason }
}

enum SourceKind {
    TokenizerJson(PathBuf),
    VocabTxt(PathBuf),
}

/// Which file to read, and the `tokenizer_config.json` beside it if any.
struct TokenizerSource {
    kind: SourceKind,
    config: Option<PathBuf>,
}

impl TokenizerSource {
    fn find(dir_or_file: &Path) -> Result<Self, DataError> {
        let (kind, dir) = if dir_or_file.is_dir() {
            let json = dir_or_file.join("tokenizer.json");
            let vocab = dir_or_file.join("vocab.txt");
            let kind = if json.is_file() {
                SourceKind::TokenizerJson(json)
            } else if vocab.is_file() {
                SourceKind::VocabTxt(vocab)
            } else {
                return Err(tokenizer_error(dir_or_file, "the folder has neither tokenizer.json nor vocab.txt".into()));
            };
            (kind, dir_or_file.to_path_buf())
        } else if dir_or_file.is_file() {
            let is_json = dir_or_file.extension().is_some_and(|ext| ext == "json");
            let kind = if is_json {
                SourceKind::TokenizerJson(dir_or_file.to_path_buf())
            } else {
                SourceKind::VocabTxt(dir_or_file.to_path_buf())
            };
            (kind, dir_or_file.parent().map(Path::to_path_buf).unwrap_or_default())
        } else {
            return Err(tokenizer_error(dir_or_file, "no such file or folder".into()));
        };
        let config = dir.join("tokenizer_config.json");
        Ok(Self { kind, config: config.is_file().then_some(config) })
    }
}

/// What we read from `tokenizer_config.json`; every field optional, with
/// `transformers`' `BertTokenizer` defaults. A field of the wrong type is an
/// error rather than a silent default: a cased model lower-cased by mistake
/// still runs, only worse.
#[derive(Debug, Default)]
struct TokenizerConfig {
    path: Option<PathBuf>,
    do_lower_case: Option<bool>,
    strip_accents: Option<bool>,
    tokenize_chinese_chars: Option<bool>,
    max_length: Option<usize>,
    cls: Option<String>,
    sep: Option<String>,
    pad: Option<String>,
    unk: Option<String>,
}

impl TokenizerConfig {
    fn read(path: Option<&Path>) -> Result<Self, DataError> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text =
            std::fs::read_to_string(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
        let json: Value =
            serde_json::from_str(&text).map_err(|e| tokenizer_error(path, format!("not valid JSON: {e}")))?;
        let Value::Object(map) = json else {
            return Err(tokenizer_error(path, "expected a JSON object".into()));
        };
        let flag = |key: &str| -> Result<Option<bool>, DataError> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Bool(b)) => Ok(Some(*b)),
                Some(other) => Err(tokenizer_error(path, format!("{key} must be true, false or null, not {other}"))),
            }
        };
        let token = |key: &str| -> Result<Option<String>, DataError> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                // transformers also saves AddedToken objects: {"content": "[CLS]", ...}.
                Some(Value::Object(o)) => match o.get("content") {
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    _ => Err(tokenizer_error(path, format!("{key} is an object without a string \"content\""))),
                },
                Some(other) => Err(tokenizer_error(path, format!("{key} must be a string, not {other}"))),
            }
        };
        // Integers too large for u64 (the 1e30 sentinel) read as "not said".
        let max_length = map
            .get("model_max_length")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (MIN_MAX_LENGTH..=SANE_MAX_LENGTH).contains(n));
        Ok(Self {
            path: Some(path.to_path_buf()),
            do_lower_case: flag("do_lower_case")?,
            strip_accents: flag("strip_accents")?,
            tokenize_chinese_chars: flag("tokenize_chinese_chars")?,
            max_length,
            cls: token("cls_token")?,
            sep: token("sep_token")?,
            pad: token("pad_token")?,
            unk: token("unk_token")?,
        })
    }

    fn unk_name(&self) -> &str {
        self.unk.as_deref().unwrap_or("[UNK]")
    }

    /// Resolves each special token: the name the config gives, else BERT's
    /// name, else RoBERTa's, so the usual encoders load without a config.
    fn special_tokens(&self, tokenizer: &Tokenizer, path: &Path) -> Result<SpecialTokens, DataError> {
        let resolve = |role: &str, configured: &Option<String>, defaults: [&str; 2]| {
            let candidates: Vec<&str> = match configured {
                Some(name) => vec![name.as_str()],
                None => defaults.to_vec(),
            };
            candidates.iter().find_map(|name| tokenizer.token_to_id(name)).ok_or_else(|| {
                let at = self.path.as_deref().unwrap_or(path);
                tokenizer_error(at, format!("the vocabulary has no {role} token (looked for {candidates:?})"))
            })
        };
        Ok(SpecialTokens {
            cls: resolve("classification", &self.cls, ["[CLS]", "<s>"])?,
            sep: resolve("separator", &self.sep, ["[SEP]", "</s>"])?,
            pad: resolve("padding", &self.pad, ["[PAD]", "<pad>"])?,
            unk: resolve("unknown", &self.unk, ["[UNK]", "<unk>"])?,
        })
    }
}

/// BERT's tokenizer from a `vocab.txt`, as `transformers`' `BertTokenizerFast`
/// converts it: BERT normalizer (clean text, Chinese characters split,
/// lower-casing per `do_lower_case`, default true), BERT pre-tokenizer,
/// WordPiece with `##` continuations and 100-character words, and
/// `[CLS] $A [SEP]` framing.
fn build_bert(vocab_path: &Path, config: &TokenizerConfig) -> Result<Tokenizer, DataError> {
    let bytes = std::fs::read(vocab_path).map_err(|source| DataError::Io { path: vocab_path.to_path_buf(), source })?;
    let vocab = WordPiece::read_bytes(&bytes)
        .map_err(|e| tokenizer_error(vocab_path, format!("cannot read the vocabulary: {e}")))?;
    let unk = config.unk_name().to_string();
    if !vocab.contains_key(&unk) {
        return Err(tokenizer_error(vocab_path, format!("the vocabulary has no unknown token {unk:?}")));
    }
    let model = WordPiece::builder()
        .vocab(vocab)
        .unk_token(unk)
        .continuing_subword_prefix("##".into())
        .max_input_chars_per_word(100)
        .build()
        .map_err(|e| tokenizer_error(vocab_path, format!("cannot build WordPiece: {e}")))?;
    let mut tokenizer = Tokenizer::new(model);
    let lowercase = config.do_lower_case.unwrap_or(true);
    tokenizer.with_normalizer(Some(BertNormalizer::new(
        true,
        config.tokenize_chinese_chars.unwrap_or(true),
        config.strip_accents,
        lowercase,
    )));
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    tokenizer.with_decoder(Some(WordPieceDecoder::default()));

    let names = [
        config.cls.as_deref().unwrap_or("[CLS]"),
        config.sep.as_deref().unwrap_or("[SEP]"),
        config.pad.as_deref().unwrap_or("[PAD]"),
        config.unk_name(),
    ];
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let id = tokenizer
            .token_to_id(name)
            .ok_or_else(|| tokenizer_error(vocab_path, format!("the vocabulary has no special token {name:?}")))?;
        ids.push(id);
    }
    let specials: Vec<AddedToken> = names.iter().map(|name| AddedToken::from(*name, true)).collect();
    tokenizer.add_special_tokens(&specials);
    let (cls, sep) = (names[0], names[1]);
    let template = TemplateProcessing::builder()
        .try_single(format!("{cls} $A {sep}"))
        .and_then(|b| b.try_pair(format!("{cls} $A {sep} $B:1 {sep}:1")))
        .map_err(|e| tokenizer_error(vocab_path, format!("cannot frame with {cls} and {sep}: {e}")))?
        .special_tokens(vec![(cls, ids[0]), (sep, ids[1])])
        .build()
        .map_err(|e| tokenizer_error(vocab_path, format!("cannot frame with {cls} and {sep}: {e}")))?;
    tokenizer.with_post_processor(Some(template));
    Ok(tokenizer)
}
