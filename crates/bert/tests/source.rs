//! `resolve_model`: what a `--model` argument may name. Local folders here;
//! the hub side only against a temporary cache and an unreachable endpoint,
//! so no test touches the network.

use std::path::Path;

mod common;

use common::{assert_mentions, model_source_message};
use retag_bert::{HubId, ResolveOptions, resolve_model};

/// A folder with the files of a checkpoint (contents do not matter here).
fn model_folder(dir: &Path, files: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    for file in files {
        std::fs::write(dir.join(file), "{}").unwrap();
    }
}

/// The error `resolve_model` gives for `spec`, which must be a `ModelSource` one.
fn message(spec: &str, options: &ResolveOptions) -> String {
    model_source_message(resolve_model(spec, options))
}

#[test]
fn hub_ids_are_parsed_like_huggingface_hub() {
    let check = |spec: &str, expected: Option<(&str, &str)>| {
        let parsed = HubId::parse(spec);
        let parsed = parsed.as_ref().map(|id| (id.repo.as_str(), id.revision.as_str()));
        assert_eq!(parsed, expected, "{spec:?}");
    };
    check("google-bert/bert-base-cased", Some(("google-bert/bert-base-cased", "main")));
    check("dslim/bert-base-NER@v1.0", Some(("dslim/bert-base-NER", "v1.0")));
    check("a_b/c.d@refs/pr/1", Some(("a_b/c.d", "refs/pr/1")));
    check("o/n@0123456789abcdef0123456789abcdef01234567", Some(("o/n", "0123456789abcdef0123456789abcdef01234567")));
    for bad in [
        "bert-base-cased", // the owner is required
        "./nope",
        "../x/y",
        "/abs/path",
        "a/b/c",
        "a//b",
        "a/b@",
        "a/b@x y",
        "a/b@../x",
        "a--b/c",
        "a/b.",
        "-a/b",
        "a/b c",
        "C:/models/bert",
        "",
    ] {
        check(bad, None);
    }
    let long = format!("owner/{}", "n".repeat(91));
    check(&long, None);
}

#[test]
fn an_existing_folder_resolves_to_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bert");
    model_folder(&dir, &["config.json", "model.safetensors", "tokenizer.json"]);
    let spec = dir.to_str().unwrap();
    assert_eq!(resolve_model(spec, &ResolveOptions::default()).unwrap(), dir);
}

#[test]
fn a_folder_without_config_json_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("no-config");
    model_folder(&dir, &["model.safetensors"]);
    let spec = dir.to_str().unwrap();
    let message = message(spec, &ResolveOptions::default());
    assert_mentions(&message, &[spec, "config.json"]);
}

#[test]
fn a_file_is_not_a_model_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bert");
    model_folder(&dir, &["config.json"]);
    let file = dir.join("config.json");
    let spec = file.to_str().unwrap();
    assert_mentions(&message(spec, &ResolveOptions::default()), &[spec, "is a file"]);
}

#[test]
fn a_missing_path_that_is_no_hub_id_is_named() {
    let message = message("./nope", &ResolveOptions::default());
    let absolute = std::path::absolute("./nope").unwrap();
    assert_mentions(&message, &["\"./nope\"", "no folder", absolute.to_str().unwrap(), "not a hub model id"]);
}

#[cfg(not(feature = "hub"))]
#[test]
fn a_hub_id_needs_the_hub_feature() {
    let spec = "retag-test-owner/no-such-model";
    let message = message(spec, &ResolveOptions::default());
    let absolute = std::path::absolute(spec).unwrap();
    assert_mentions(&message, &[spec, absolute.to_str().unwrap(), "built without `--features hub`"]);
}

#[cfg(feature = "hub")]
mod hub {
    use std::path::{Path, PathBuf};

    use super::{assert_mentions, message, model_folder};
    use retag_bert::{ResolveOptions, resolve_model};

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    fn offline(cache: &Path) -> ResolveOptions {
        ResolveOptions { offline: true, cache_dir: Some(cache.to_path_buf()), ..ResolveOptions::default() }
    }

    /// What huggingface_hub leaves in the cache after fetching `owner/name`
    /// at `main` (files stand in for the blob symlinks).
    fn cached(cache: &Path, files: &[&str]) -> PathBuf {
        let repo = cache.join("models--retag-test--tiny-bert");
        std::fs::create_dir_all(repo.join("refs")).unwrap();
        std::fs::write(repo.join("refs/main"), COMMIT).unwrap();
        let snapshot = repo.join("snapshots").join(COMMIT);
        model_folder(&snapshot, files);
        snapshot
    }

    const ALL: &[&str] = &["config.json", "model.safetensors", "tokenizer.json", "vocab.txt"];

    #[test]
    fn offline_an_uncached_id_names_the_cache_entry() {
        let cache = tempfile::tempdir().unwrap();
        let message = message("retag-test/tiny-bert", &offline(cache.path()));
        let ref_path = cache.path().join("models--retag-test--tiny-bert/refs/main");
        assert_mentions(&message, &["retag-test/tiny-bert", "offline", "not in the cache", ref_path.to_str().unwrap()]);
    }

    #[test]
    fn offline_a_cached_id_resolves_to_its_snapshot() {
        let cache = tempfile::tempdir().unwrap();
        let snapshot = cached(cache.path(), ALL);
        assert_eq!(resolve_model("retag-test/tiny-bert", &offline(cache.path())).unwrap(), snapshot);
        // A commit as the revision needs no ref file.
        let spec = format!("retag-test/tiny-bert@{COMMIT}");
        assert_eq!(resolve_model(&spec, &offline(cache.path())).unwrap(), snapshot);
    }

    #[test]
    fn offline_an_incomplete_snapshot_names_the_missing_file() {
        let cache = tempfile::tempdir().unwrap();
        let snapshot = cached(cache.path(), &["config.json", "model.safetensors"]);
        let message = message("retag-test/tiny-bert", &offline(cache.path()));
        assert_mentions(&message, &["incomplete", snapshot.join("tokenizer.json").to_str().unwrap()]);
    }

    /// Port 1 on the loopback refuses at once: the hub is unreachable
    /// without any traffic leaving the machine.
    fn unreachable(cache: &Path) -> ResolveOptions {
        ResolveOptions {
            cache_dir: Some(cache.to_path_buf()),
            endpoint: Some("http://127.0.0.1:1".to_owned()),
            ..ResolveOptions::default()
        }
    }

    #[test]
    fn an_unreachable_hub_falls_back_to_the_cache() {
        let cache = tempfile::tempdir().unwrap();
        let snapshot = cached(cache.path(), ALL);
        assert_eq!(resolve_model("retag-test/tiny-bert", &unreachable(cache.path())).unwrap(), snapshot);
    }

    #[test]
    fn an_unreachable_hub_and_empty_cache_is_an_error_naming_the_id() {
        let cache = tempfile::tempdir().unwrap();
        let message = message("retag-test/tiny-bert", &unreachable(cache.path()));
        assert_mentions(&message, &["retag-test/tiny-bert"]);
    }
}
