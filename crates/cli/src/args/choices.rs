//! Value parsers for flags that take one of a closed list of library values
//! (`--scheme`, `--mode`, `--head`, `--head-activation`): `--help` lists the
//! values with a line each, and shell completions offer them.
//!
//! Parsing stays the library type's own `FromStr`, so its aliases (`bio`,
//! `iobes`, `conlleval`, any case) and its errors (why `iob` is ambiguous)
//! are what the command line gives too; only the listing is added here.
//! Each list is built from an exhaustive `match`, so a value added to the
//! library type does not compile until it is listed.

use std::ffi::OsStr;
use std::str::FromStr;

use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
use retag_data::Scheme;
use retag_data::metrics::Mode;
use retag_heads::HeadKind;
use retag_retrain::HeadChoice;

/// A parser that lists `values` in `--help` and parses with `inner`.
#[derive(Clone)]
pub struct Listed<P> {
    inner: P,
    values: Vec<PossibleValue>,
}

impl<P: TypedValueParser> TypedValueParser for Listed<P> {
    type Value = P::Value;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &OsStr) -> Result<P::Value, clap::Error> {
        self.inner.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().cloned()))
    }
}

/// Lists `values` and parses with `T`'s `FromStr`, whose error clap prints
/// after "invalid value 'X' for '--flag'".
fn listed<T>(values: impl IntoIterator<Item = PossibleValue>) -> Listed<impl TypedValueParser<Value = T>>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    Listed {
        inner: StringValueParser::new().try_map(|text: String| text.parse::<T>()),
        values: values.into_iter().collect(),
    }
}

/// `--scheme`, `--from`, `--to`: the tag schemes, by their flag names.
pub fn scheme_parser() -> Listed<impl TypedValueParser<Value = Scheme>> {
    listed(Scheme::ALL.map(|scheme| {
        let (name, help, aliases): (&'static str, &'static str, &[&'static str]) = match scheme {
            Scheme::Io => ("io", "only I-X: adjacent entities of one type run together", &[]),
            Scheme::Iob1 => {
                ("iob1", "I-X, and B-X only between adjacent entities of one type (CoNLL-2003 as published)", &[])
            }
            Scheme::Iob2 => ("iob2", "B-X starts every entity, I-X continues it (also: bio)", &["bio"]),
            Scheme::Ioe2 => ("ioe2", "E-X ends every entity, I-X comes before the end (also: ioe)", &["ioe"]),
            Scheme::Bioes => ("bioes", "S-X for a one-token entity, else B-X I-X... E-X (also: iobes)", &["iobes"]),
            Scheme::Bilou => ("bilou", "BIOES written with U-X (unit) and L-X (last)", &[]),
        };
        PossibleValue::new(name).help(help).aliases(aliases.iter().copied())
    }))
}

/// `--mode`: seqeval's two readings of the tags.
pub fn mode_parser() -> Listed<impl TypedValueParser<Value = Mode>> {
    listed([Mode::Default, Mode::Strict].map(|mode| {
        match mode {
            Mode::Default => PossibleValue::new("default")
                .help("seqeval's default (conlleval) mode: an I-X after O starts an entity")
                .alias("conlleval"),
            Mode::Strict => PossibleValue::new("strict")
                .help("seqeval's mode=\"strict\", scheme=IOB2: invalid sequences are not entities"),
        }
    }))
}

/// `--head`: the heads a run can put on the encoder.
pub fn head_parser() -> Listed<impl TypedValueParser<Value = HeadChoice>> {
    listed(HeadChoice::ALL.map(|head| {
        let help = match (head.kind, head.crf) {
            (HeadKind::Linear, false) => "one linear layer, what HuggingFace models have",
            (HeadKind::Mlp, false) => "hidden layers before the linear one (--head-hidden, --head-layers...)",
            (HeadKind::Linear, true) => "linear scores under a CRF that forbids what the tag scheme forbids",
            (HeadKind::Mlp, true) => "an MLP's scores under that CRF",
        };
        PossibleValue::new(head.name()).help(help)
    }))
}

/// `--head-activation`: the activations of an MLP head.
pub fn activation_parser() -> Listed<impl TypedValueParser<Value = retag_heads::Activation>> {
    use retag_heads::Activation;
    listed(Activation::ALL.map(|activation| {
        let help = match activation {
            Activation::Gelu => "exact GELU, as in the encoder's own layers",
            Activation::Relu => "ReLU",
            Activation::Tanh => "tanh, as in RoBERTa's classification head",
        };
        PossibleValue::new(activation.name()).help(help)
    }))
}

#[cfg(test)]
mod tests {
    use clap::builder::TypedValueParser;

    use super::*;

    /// Every listed name and alias parses, through the library, to a value
    /// whose own name is the listed one: the list and `FromStr` agree.
    fn check<P>(parser: &Listed<P>, name_of: impl Fn(&P::Value) -> String, expected: &[&str])
    where
        P: TypedValueParser,
    {
        let cmd = clap::Command::new("test");
        let values: Vec<PossibleValue> = parser.possible_values().expect("a listed parser lists values").collect();
        let names: Vec<&str> = values.iter().map(PossibleValue::get_name).collect();
        assert_eq!(names, expected);
        for value in &values {
            for spelling in value.get_name_and_aliases() {
                let parsed = parser.parse_ref(&cmd, None, OsStr::new(spelling)).expect("a listed value parses");
                assert_eq!(name_of(&parsed), value.get_name(), "{spelling}");
            }
        }
    }

    #[test]
    fn listed_values_parse_to_themselves() {
        check(
            &scheme_parser(),
            |scheme| scheme.to_string().to_ascii_lowercase(),
            &["io", "iob1", "iob2", "ioe2", "bioes", "bilou"],
        );
        check(&mode_parser(), Mode::to_string, &["default", "strict"]);
        check(&head_parser(), |head| head.name().to_owned(), &["linear", "mlp", "crf", "mlp-crf"]);
        check(&activation_parser(), |activation| activation.name().to_owned(), &["gelu", "relu", "tanh"]);
    }

    #[test]
    fn the_librarys_errors_come_through() {
        let cmd = clap::Command::new("test");
        let cases = [("iob", "ambiguous"), ("bieos", "unknown scheme")];
        for (value, part) in cases {
            let error = scheme_parser().parse_ref(&cmd, None, OsStr::new(value)).expect_err(value).to_string();
            assert!(error.contains(part), "{value}: {error}");
        }
    }
}
