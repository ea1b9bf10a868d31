//! A recipe: a name and the `retag retrain` flags it stands for, so that
//! every strategy, head, schedule and setting `retrain` knows can be compared
//! without a syntax of its own (`crf="--strategy warm-start --head crf"`).

use std::path::Path;

use crate::error::{CompareError, Result};

/// Epochs of `frozen` when the others train `epochs`: its epochs cost
/// milliseconds over cached features, and a head alone needs more of them.
pub const FROZEN_EPOCHS: usize = 20;

/// The `retrain` flags compare sets for each run itself: a recipe or the
/// flags common to every run must not fight them.
pub const SET_PER_RUN: [&str; 8] =
    ["--model", "--train", "--dev", "--test", "--out", "--seed", "--run-dir", "--resume"];

/// One entry of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recipe {
    pub name: String,
    /// The `retag retrain` flags, one argument each.
    pub flags: Vec<String>,
}

impl Recipe {
    pub fn new(name: &str, flags: &[&str]) -> Self {
        Self { name: name.to_string(), flags: flags.iter().map(|flag| flag.to_string()).collect() }
    }

    /// `NAME=FLAGS`, the flags split at whitespace (no shell quoting: a flag
    /// value with a space is not supported). The name is letters, digits,
    /// `-`, `_` and `+`, so that it can name a folder.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: &str| CompareError::option("recipe", format!("{text:?}: {reason}"));
        let (name, flags) = text.split_once('=').ok_or_else(|| bad("a recipe is NAME=\"RETRAIN FLAGS\""))?;
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_+".contains(c)) {
            return Err(bad("the name must be letters, digits, -, _ or +"));
        }
        let flags: Vec<String> = flags.trim().trim_matches('"').split_whitespace().map(str::to_string).collect();
        if !flags.iter().any(|flag| flag == "--strategy") {
            return Err(bad("the flags must say --strategy"));
        }
        for owned in SET_PER_RUN {
            if flags.iter().any(|flag| flag == owned) {
                return Err(bad(&format!("{owned} is set by compare for every run")));
            }
        }
        Ok(Self { name: name.to_string(), flags })
    }

    /// Whether the recipe sets its own length (progressive's stages).
    pub fn sets_epochs(&self) -> bool {
        self.flags.iter().any(|flag| flag == "--stages" || flag == "--epochs")
            || self.flags.windows(2).any(|pair| pair == ["--strategy", "progressive"])
    }
}

/// The plain strategies by name (`--strategies naive,frozen`), each as the
/// default recipes give it.
pub fn strategy_recipes(names: &[String], mapping: Option<&Path>, base: Option<&Path>) -> Result<Vec<Recipe>> {
    let all = default_recipes(mapping, base);
    names
        .iter()
        .map(|name| {
            all.iter().find(|recipe| &recipe.name == name).cloned().ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|recipe| recipe.name.as_str()).collect();
                CompareError::option("strategies", format!("{name:?} is not one of {}", known.join(", ")))
            })
        })
        .collect()
}

/// Every strategy that applies: warm-start with the inferred lineage, and
/// again with `mapping` when one is given; `full` when a base encoder is.
pub fn default_recipes(mapping: Option<&Path>, base: Option<&Path>) -> Vec<Recipe> {
    let frozen_epochs = FROZEN_EPOCHS.to_string();
    let mut recipes = vec![
        Recipe::new("naive", &["--strategy", "naive"]),
        Recipe::new("frozen", &["--strategy", "frozen", "--epochs", &frozen_epochs]),
        Recipe::new("warm-start", &["--strategy", "warm-start"]),
    ];
    if let Some(mapping) = mapping {
        let mut recipe = Recipe::new("warm-start-mapping", &["--strategy", "warm-start", "--mapping"]);
        recipe.flags.push(mapping.display().to_string());
        recipes.push(recipe);
    }
    recipes.push(Recipe::new("progressive", &["--strategy", "progressive"]));
    recipes.push(Recipe::new("adapter", &["--strategy", "adapter"]));
    if let Some(base) = base {
        let mut recipe = Recipe::new("full", &["--strategy", "full", "--base"]);
        recipe.flags.push(base.display().to_string());
        recipes.push(recipe);
    }
    recipes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_parse_and_bad_ones_are_named() {
        let recipe = Recipe::parse("crf=\"--strategy warm-start --head crf\"").unwrap();
        assert_eq!(recipe, Recipe::new("crf", &["--strategy", "warm-start", "--head", "crf"]));
        assert!(!recipe.sets_epochs());
        assert!(Recipe::parse("p=--strategy progressive").unwrap().sets_epochs());
        for (text, expected) in [
            ("crf", "NAME=\"RETRAIN FLAGS\""),
            ("a b=--strategy naive", "the name must be"),
            ("x=--head crf", "must say --strategy"),
            ("x=--strategy naive --seed 3", "--seed is set by compare"),
        ] {
            let error = Recipe::parse(text).unwrap_err().to_string();
            assert!(error.starts_with("recipe: ") && error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn the_defaults_follow_what_is_given() {
        let names = |recipes: Vec<Recipe>| recipes.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(default_recipes(None, None)), ["naive", "frozen", "warm-start", "progressive", "adapter"]);
        let both = default_recipes(Some(Path::new("map.toml")), Some(Path::new("base")));
        assert_eq!(both[3].flags, ["--strategy", "warm-start", "--mapping", "map.toml"]);
        assert_eq!(both.last().unwrap().flags, ["--strategy", "full", "--base", "base"]);
        assert_eq!(both[1].flags, ["--strategy", "frozen", "--epochs", "20"], "frozen gets its own epochs");
        let picked = strategy_recipes(&["frozen".into(), "naive".into()], None, None).unwrap();
        assert_eq!(names(picked), ["frozen", "naive"]);
        let error = strategy_recipes(&["full".into()], None, None).unwrap_err().to_string();
        assert!(error.contains("\"full\" is not one of naive, frozen"), "{error}");
    }
}
