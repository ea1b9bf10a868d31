//! The examples every command's `--help` ends with. A test parses each
//! `retag ...` line here with the real parser (`tests` below), so an example
//! cannot name a flag that does not exist.

pub const STATS: &str = "\
Examples:
  retag data stats data/wnut17/train.txt
  retag data stats train.parquet --json";

pub const CONVERT: &str = "\
Examples:
  retag data convert --from iob1 --to iob2 old.txt new.txt
  retag data convert --from iob2 --to bioes --repair train.txt train.bioes.txt";

pub const RELABEL: &str = "\
Examples:
  retag data relabel --mapping conll-to-coarse.toml train.txt train.coarse.txt
  retag data relabel --mapping fine.toml --keep-unmapped train.txt train.fine.txt";

pub const GAZETTEER: &str = "\
Examples:
  retag data gazetteer --from conll2003/train.txt --out gazetteers/conll-mentions.txt";

pub const AUGMENT: &str = "\
Examples:
  retag data augment --augment mr=0.3,lwtr=0.3 train.txt train.augmented.txt
  retag data augment --augment mr=0.5 --augment-only product,creative_work --seed 7 train.txt out.txt";

pub const TRAIN: &str = "\
Examples:
  retag train --model models/all-MiniLM-L6-v2 --train conll/train.txt --dev conll/dev.txt --out models/conll
  retag train --model models/all-MiniLM-L6-v2 --train train.txt --dev dev.txt --test test.txt --epochs 5 --head mlp-crf --out m";

pub const RETRAIN: &str = "\
Examples:
  retag retrain --model models/conll --strategy warm-start --train wnut/train.txt --dev wnut/dev.txt --test wnut/test.txt --out models/wnut
  retag retrain --model models/conll --strategy frozen --train train.txt --dev dev.txt --epochs 20 --input-features shape --out m
  retag retrain --model models/conll --strategy naive --train train.txt --dev dev.txt --out m --run-dir runs/naive --resume";

pub const PLAN: &str = "\
Examples:
  retag plan --model models/conll --train wnut/train.txt
  retag plan --model models/conll --train wnut/train.txt --out plan/";

pub const COMPARE: &str = "\
Examples:
  retag compare --model models/conll --train train.txt --dev dev.txt --test test.txt --strategies naive,frozen,warm-start --out report/
  retag compare --model models/conll --train train.txt --dev dev.txt --test test.txt --seeds 5 --epochs 2 --recipe naive --recipe frozen --out r";

pub const EXTEND: &str = "\
Examples:
  retag extend --model models/conll --train new-types/train.txt --dev new-types/dev.txt --out models/conll+product";

pub const PREDICT: &str = "\
Examples:
  retag predict --model models/wnut --input tweets.txt --output tagged.conll
  retag predict --model models/wnut --input texts.jsonl --output entities.jsonl --batch-size 64";

pub const PLOT: &str = "\
Examples:
  retag plot runs/naive runs/warm-start --out curves.svg";

pub const EVAL: &str = "\
Examples:
  retag eval --gold test.txt --pred predictions.txt
  retag eval --model models/wnut --data wnut/test.txt --json";

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use crate::args::Cli;

    /// Every subcommand, its help's examples.
    fn examples() -> Vec<(String, Vec<String>)> {
        let mut found = Vec::new();
        let mut queue = vec![(String::from("retag"), Cli::command())];
        while let Some((path, mut command)) = queue.pop() {
            let subcommands: Vec<_> = command.get_subcommands().cloned().collect();
            if subcommands.is_empty() {
                let help = command.render_help().to_string();
                let lines = help.lines().map(str::trim).filter(|line| line.starts_with("retag ")).map(String::from);
                found.push((path.clone(), lines.collect()));
            }
            for subcommand in subcommands {
                queue.push((format!("{path} {}", subcommand.get_name()), subcommand));
            }
        }
        found
    }

    #[test]
    fn every_command_ends_its_help_with_examples_of_itself() {
        let all = examples();
        assert!(all.len() >= 13, "{all:?}");
        for (path, lines) in &all {
            assert!(!lines.is_empty(), "`{path} --help` has no example");
            for line in lines {
                assert!(
                    line.starts_with(&format!("{path} ")),
                    "`{path} --help` shows an example of another command: {line}"
                );
            }
        }
    }

    #[test]
    fn every_example_parses() {
        for (_, lines) in examples() {
            for line in lines {
                if let Err(error) = Cli::try_parse_from(line.split_whitespace()) {
                    panic!("the example `{line}` does not parse:\n{}", error.render());
                }
            }
        }
    }
}
