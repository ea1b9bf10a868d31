//! The runner and the report on a stand-in for `retag`: a shell script that
//! writes what `retag retrain` leaves (metrics.json, test-predictions.txt),
//! better tags for one recipe than for the other, and fails for a recipe
//! that asks it to. What is checked: every recipe and seed runs once and is
//! not run again, a failure is reported and the others go on, the budget
//! stops new runs, and the report's JSON and Markdown say what the runs did.

use std::path::{Path, PathBuf};
use std::time::Duration;

use retag_compare::report::{CompareReport, REPORT_JSON, REPORT_MARKDOWN};
use retag_compare::{CompareSpec, Event, Recipe, run_all};
use tempfile::TempDir;

/// Twenty test sentences of one PER entity each.
fn gold() -> String {
    (0..20).map(|i| format!("w{i} B-PER\nsaid O\n\n")).collect()
}

/// The stand-in: `--strategy good` tags every entity, `--strategy poor`
/// only the first 10 (seed 2 also the 11th), `--strategy broken` fails.
const FAKE_RETAG: &str = r#"#!/bin/sh
out=""; seed=""; strategy=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift ;;
    --seed) seed="$2"; shift ;;
    --strategy) strategy="$2"; shift ;;
  esac
  shift
done
[ "$strategy" = broken ] && { echo "retag: no such strategy" >&2; exit 2; }
mkdir -p "$out"
echo "$strategy $seed" >> "$(dirname "$out")/../calls.txt"
hits=20
[ "$strategy" = poor ] && hits=10
[ "$strategy" = poor ] && [ "$seed" = 2 ] && hits=11
i=0
: > "$out/test-predictions.txt"
while [ $i -lt 20 ]; do
  if [ $i -lt $hits ]; then tag=B-PER; else tag=O; fi
  printf 'w%s B-PER %s\nsaid O O\n\n' "$i" "$tag" >> "$out/test-predictions.txt"
  i=$((i + 1))
done
f1=$(awk "BEGIN { print 2 * $hits / (20 + $hits) }")
cat > "$out/metrics.json" <<JSON
{"strategy": "$strategy", "labels": ["O", "B-PER", "I-PER"], "best_epoch": 1,
 "dev": {"micro": {"precision": 1, "recall": 1, "f1": 1}, "accuracy": 1, "per_type": {}},
 "test": {"micro": {"precision": 1, "recall": 1, "f1": $f1}, "accuracy": 1,
          "per_type": {"PER": {"precision": 1, "recall": 1, "f1": $f1, "support": 20}}},
 "timing": {"setup_secs": 0, "train_secs": 1, "epochs": 1, "secs_per_epoch": 1, "eval_secs": 0, "total_secs": 1},
 "run_dir": "/tmp/run"}
JSON
"#;

fn fake_retag(dir: &Path) -> PathBuf {
    let path = dir.join("retag");
    std::fs::write(&path, FAKE_RETAG).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn spec(dir: &Path, recipes: Vec<Recipe>, budget: Option<Duration>) -> CompareSpec {
    let test = dir.join("test.txt");
    std::fs::write(&test, gold()).unwrap();
    CompareSpec {
        old_model: dir.join("old"),
        train: dir.join("train.txt"),
        dev: dir.join("dev.txt"),
        test,
        retain_data: None,
        recipes,
        seeds: vec![1, 2],
        epochs: 3,
        budget,
        common_flags: vec!["--max-len".into(), "128".into()],
        out: dir.join("compare"),
    }
}

#[test]
fn every_recipe_runs_once_per_seed_and_the_report_tests_the_difference() {
    if !Path::new("/bin/sh").exists() {
        eprintln!("skipped: no /bin/sh to stand in for retag");
        return;
    }
    let dir = TempDir::new().unwrap();
    let retag = fake_retag(dir.path());
    let recipes = vec![
        Recipe::new("poor", &["--strategy", "poor"]),
        Recipe::new("good", &["--strategy", "good"]),
        Recipe::new("broken", &["--strategy", "broken"]),
    ];
    let spec = spec(dir.path(), recipes, None);
    let mut started = Vec::new();
    let (records, missing) = run_all(&spec, &retag, |event| {
        if let Event::Starting { recipe, seed, .. } = event {
            started.push(format!("{recipe} {seed}"));
        }
    })
    .unwrap();
    assert_eq!(started, ["poor 1", "good 1", "broken 1", "poor 2", "good 2", "broken 2"], "seed by seed");
    assert_eq!(records.len(), 4);
    assert_eq!(missing.len(), 2);
    assert!(missing[0].reason.contains("broken-s1.log"), "the failure names its log: {:?}", missing[0]);

    // Again: the finished runs are read, not run; only the broken one tries again.
    let (again, _) = run_all(&spec, &retag, |_| {}).unwrap();
    assert_eq!(again.len(), 4);
    let calls = std::fs::read_to_string(spec.out.join("calls.txt")).unwrap();
    assert_eq!(calls.lines().count(), 4, "each good run once: {calls}");

    // The recipes are named with no baseline called naive: the first is the baseline.
    let report = CompareReport::new(&spec, &records, missing).unwrap();
    assert_eq!(report.baseline.as_deref(), Some("poor"));
    let good = &report.recipes[1];
    let versus = good.versus_baseline.expect("good is tested against poor");
    // poor's counts averaged over seeds: 10.5 of 20 found, F1 = 21/30.5; good finds all 20.
    assert!((versus.delta - (1.0 - 21.0 / 30.5)).abs() < 1e-9, "{versus:?}");
    assert!(versus.significant(0.05), "every resample favours good: {versus:?}");
    let poor = &report.recipes[0];
    let f1 = poor.test_f1.unwrap();
    assert_eq!(f1.n, 2);
    assert!((f1.mean - (20.0 / 30.0 + 22.0 / 31.0) / 2.0).abs() < 1e-6, "{f1:?}");
    assert!(poor.per_type_f1.contains_key("PER"));
    assert!(report.recipes[2].runs.is_empty() && report.recipes[2].test_f1.is_none());

    report.write(&spec.out).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(spec.out.join(REPORT_JSON)).unwrap()).unwrap();
    assert_eq!(json["format"], "retag-compare");
    assert_eq!(json["version"], 1);
    for key in ["old_model", "train", "dev", "test", "seeds", "baseline", "recipes", "missing"] {
        assert!(json.get(key).is_some(), "{key} missing");
    }
    let row = &json["recipes"][1];
    for key in ["name", "flags", "runs", "test_f1", "per_type_f1", "wall_secs", "peak_rss_mib", "versus_baseline"] {
        assert!(row.get(key).is_some(), "recipes[1].{key} missing: {row}");
    }
    assert!(row["versus_baseline"]["p_value"].is_number());
    // It reads back (floats to serde_json's printing precision, so not compared bit for bit).
    let back = serde_json::from_value::<CompareReport>(json).unwrap();
    assert_eq!((back.baseline, back.recipes.len(), back.missing), (report.baseline.clone(), 3, report.missing.clone()));
    assert_eq!(back.recipes[1].versus_baseline, report.recipes[1].versus_baseline);
    let markdown = std::fs::read_to_string(spec.out.join(REPORT_MARKDOWN)).unwrap();
    assert!(markdown.contains("| poor | 68.82 ± 3.04 | baseline |"), "{markdown}");
    assert!(markdown.contains("| good | 100.00 ± 0.00 | +31.15 ["), "{markdown}");
    assert!(markdown.contains("## Runs without a result") && markdown.contains("broken, seed 1"), "{markdown}");

    // The pictures the data allows (the stand-in leaves no learning curve), as SVG and PNG, and the HTML page.
    let pictures = retag_compare::write_report(&report, &spec.out).unwrap();
    let stems: Vec<&str> = pictures.iter().map(|picture| picture.stem).collect();
    assert_eq!(stems, ["per-type-f1", "f1-vs-time"]);
    for stem in stems {
        let svg = std::fs::read_to_string(spec.out.join(format!("{stem}.svg"))).unwrap();
        assert!(svg.contains("<svg") && svg.contains("good"), "{stem}: {svg}");
        let png = std::fs::read(spec.out.join(format!("{stem}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is a PNG");
    }
    let html = std::fs::read_to_string(spec.out.join(retag_compare::html::REPORT_HTML)).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.matches("<svg").count() == 2, "two inline pictures");
    assert!(html.contains("<td>good</td><td>100.00 ± 0.00</td><td class=\"sig\">+31.15"), "{html}");
}

#[test]
fn the_budget_stops_new_runs_and_says_which() {
    if !Path::new("/bin/sh").exists() {
        eprintln!("skipped: no /bin/sh to stand in for retag");
        return;
    }
    let dir = TempDir::new().unwrap();
    let retag = fake_retag(dir.path());
    let spec = spec(dir.path(), vec![Recipe::new("good", &["--strategy", "good"])], Some(Duration::ZERO));
    let (records, missing) = run_all(&spec, &retag, |_| {}).unwrap();
    assert!(records.is_empty());
    assert_eq!(missing.len(), 2);
    assert!(missing[0].reason.contains("budget of 0 minutes"), "{missing:?}");
}
