//! Every flag that takes one of a closed list of values lists them, in
//! order, in `retag <command> --help`: what a user reads before guessing.

use std::process::Command;

/// `retag <command> --help`, which must succeed.
fn help(command: &[&str]) -> String {
    let output =
        Command::new(env!("CARGO_BIN_EXE_retag")).args(command).arg("--help").output().expect("the retag binary runs");
    assert!(output.status.success(), "{command:?} --help failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

/// The lines of `flag`'s entry in a long help: from its `--flag` line to the
/// next flag's.
fn entry<'a>(help: &'a str, flag: &str) -> Vec<&'a str> {
    let is_flag_line = |line: &str| {
        let trimmed = line.trim_start();
        line.len() - trimmed.len() <= 6 && (trimmed.starts_with("--") || trimmed.starts_with('-'))
    };
    let named = |line: &str| line.trim_start().split([' ', ',', '=']).any(|word| word == flag);
    let mut lines = help.lines().skip_while(|line| !(is_flag_line(line) && named(line)));
    let Some(first) = lines.next() else { return Vec::new() };
    std::iter::once(first).chain(lines.take_while(|line| !is_flag_line(line))).collect()
}

/// The values an entry lists, in either of clap's layouts: a
/// `Possible values:` list of `- value: help` lines (values with help), or
/// `[possible values: a, b]` (values without).
fn listed_values(entry: &[&str]) -> Vec<String> {
    if let Some(start) = entry.iter().position(|line| line.trim() == "Possible values:") {
        return entry[start + 1..]
            .iter()
            .map(|line| line.trim())
            .take_while(|line| line.starts_with("- "))
            .map(|line| line[2..].split(':').next().unwrap_or_default().trim().to_owned())
            .collect();
    }
    let text = entry.join(" ");
    match text.split_once("[possible values: ") {
        Some((_, rest)) => rest.split(']').next().unwrap_or_default().split(", ").map(str::to_owned).collect(),
        None => Vec::new(),
    }
}

const SCHEMES: &[&str] = &["io", "iob1", "iob2", "ioe2", "bioes", "bilou"];
const FORMATS: &[&str] = &["conll", "jsonl", "parquet", "arrow"];
const BACKENDS: &[&str] = &["cpu", "gpu"];
const PROGRESS: &[&str] = &["auto", "bar", "plain", "off"];
const HEADS: &[&str] = &["linear", "mlp", "crf", "mlp-crf"];
const ACTIVATIONS: &[&str] = &["gelu", "relu", "tanh"];
const STRATEGIES: &[&str] = &["naive", "frozen", "full", "warm-start", "progressive", "adapter"];
const ADAPTER_LAYERS: &[&str] = &["bilstm", "linear"];
const BOOLS: &[&str] = &["true", "false"];

/// Flags and the values each must list, in order.
type Flags = &'static [(&'static str, &'static [&'static str])];

/// What `train`, `retrain` and `extend` share (`TrainingArgs`).
const TRAINING: Flags = &[
    ("--scheme", SCHEMES),
    ("--progress", PROGRESS),
    ("--head", HEADS),
    ("--head-activation", ACTIVATIONS),
    ("--backend", BACKENDS),
    ("--format", FORMATS),
];

#[test]
fn closed_flags_list_their_values_in_help() {
    let cases: &[(&[&str], Flags)] = &[
        (&["data", "stats"], &[("--scheme", SCHEMES), ("--format", FORMATS)]),
        (&["data", "convert"], &[("--from", SCHEMES), ("--to", SCHEMES), ("--format", FORMATS)]),
        (&["data", "relabel"], &[("--scheme", SCHEMES), ("--format", FORMATS)]),
        (&["train"], TRAINING),
        (&["retrain"], &[("--strategy", STRATEGIES), ("--adapter-layer", ADAPTER_LAYERS)]),
        (&["retrain"], TRAINING),
        (&["extend"], &[("--leave-out-unsure", BOOLS)]),
        (&["extend"], TRAINING),
        (
            &["predict"],
            &[
                ("--input-format", &["conll", "jsonl", "parquet", "arrow", "text"]),
                ("--output-format", &["conll", "jsonl", "jsonl-tokens"]),
                ("--scheme", SCHEMES),
                ("--backend", BACKENDS),
            ],
        ),
        (&["eval"], &[("--mode", &["default", "strict"]), ("--format", FORMATS), ("--backend", BACKENDS)]),
    ];
    for (command, flags) in cases {
        let help = help(command);
        for (flag, expected) in *flags {
            let entry = entry(&help, flag);
            assert!(!entry.is_empty(), "retag {} --help has no {flag}:\n{help}", command.join(" "));
            assert_eq!(
                listed_values(&entry),
                *expected,
                "retag {} --help, {flag}:\n{}",
                command.join(" "),
                entry.join("\n")
            );
        }
    }
}

/// The values clap lists are the ones the library reads: each parses, and
/// the library's own errors (why `iob` is ambiguous) still reach the user.
#[test]
fn listed_values_are_accepted_and_library_errors_kept() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (input, output) = (dir.path().join("no-such-input.txt"), dir.path().join("out.txt"));
    let convert = |from: &str| {
        Command::new(env!("CARGO_BIN_EXE_retag"))
            .args(["data", "convert", "--from", from, "--to", "iob2"])
            .args([&input, &output])
            .output()
            .expect("the retag binary runs")
    };
    for scheme in SCHEMES {
        let stderr = String::from_utf8_lossy(&convert(scheme).stderr).into_owned();
        // Parsing succeeds, so the error is about the missing file, not the flag.
        assert!(!stderr.contains("invalid value"), "--from {scheme}: {stderr}");
        assert!(stderr.contains("no-such-input.txt"), "--from {scheme}: {stderr}");
    }
    let cases = [("iob", "ambiguous"), ("BIO", "no-such-input.txt"), ("bieos", "unknown scheme")];
    for (scheme, part) in cases {
        let stderr = String::from_utf8_lossy(&convert(scheme).stderr).into_owned();
        assert!(stderr.contains(part), "--from {scheme}: {stderr}");
    }
}
