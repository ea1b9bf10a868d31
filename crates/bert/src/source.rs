//! Where a model comes from: what a `--model` argument may name.
//!
//! [`resolve_model`] turns the argument into a folder holding a HuggingFace
//! checkpoint (`config.json`, `model.safetensors`, `tokenizer.json`...):
//!
//! 1. an existing folder is used as it is, once it is seen to hold `config.json`;
//! 2. otherwise a hub model id, `owner/name` or `owner/name@revision`, is
//!    fetched into the HuggingFace cache and its snapshot folder returned.
//!    This needs cargo feature `hub` (off by default, so that CI and offline
//!    builds pull no HTTP or TLS stack); without it the id is an error that
//!    says so.
//!
//! The cache is the one `huggingface_hub` (Python) and the `hf-hub` crate
//! share, `<cache>/models--owner--name/{refs,snapshots,blobs}`, so a model
//! downloaded by either is found here, and the environment means what it
//! means there: `HF_HOME`, `HF_HUB_CACHE`, `HF_ENDPOINT`, `HF_TOKEN`,
//! `HF_HUB_OFFLINE` (see `docs/model-sources.md`).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{BertError, Result};

/// Files a hub snapshot must provide: the architecture, the weights (retag
/// reads safetensors only) and the fast tokenizer.
pub const REQUIRED_FILES: [&str; 3] = ["config.json", "model.safetensors", "tokenizer.json"];

/// Files fetched with the required ones when the hub repo has them; older
/// repos carry only some of them, which is fine.
pub const OPTIONAL_FILES: [&str; 3] = ["tokenizer_config.json", "special_tokens_map.json", "vocab.txt"];

/// How [`resolve_model`] may reach the hub. `Default` follows the environment
/// exactly as `huggingface_hub` does; each field set here overrides it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Consult only the local hub cache, never the network. Also on when the
    /// environment sets `HF_HUB_OFFLINE` to `1`, `ON`, `YES` or `TRUE`.
    pub offline: bool,
    /// The hub cache folder, the one holding `models--owner--name`. `None`:
    /// `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
    /// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
    pub cache_dir: Option<PathBuf>,
    /// The hub URL. `None`: `$HF_ENDPOINT`, else `https://huggingface.co`.
    pub endpoint: Option<String>,
    /// The access token for private or gated models. `None`: `$HF_TOKEN`,
    /// else the `token` file next to the cache folder (`$HF_HOME/token`,
    /// written by `huggingface-cli login`).
    pub token: Option<String>,
    /// Draw a progress bar on stderr for each download.
    pub progress: bool,
}

/// A hub model id, `owner/name` with an optional `@revision` (a branch, tag
/// or commit; `main` when absent). Checked as `huggingface_hub`'s
/// `validate_repo_id` checks it, except that the owner is required: a bare
/// `name` is far more likely a mistyped folder than a legacy hub model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubId {
    /// `owner/name`.
    pub repo: String,
    /// The branch, tag or commit; `main` when the spec names none.
    pub revision: String,
}

impl HubId {
    /// Reads `owner/name[@revision]`; `None` if `spec` is not of that form.
    pub fn parse(spec: &str) -> Option<Self> {
        let (repo, revision) = match spec.split_once('@') {
            Some((repo, revision)) => (repo, revision),
            None => (spec, "main"),
        };
        let (owner, name) = repo.split_once('/')?;
        let revision_ok = !revision.is_empty()
            && !revision.contains("..")
            && !revision.starts_with('/')
            && !revision.chars().any(|c| c.is_whitespace() || c.is_control() || c == '@');
        (repo.len() <= 96 && is_hub_name(owner) && is_hub_name(name) && revision_ok)
            .then(|| Self { repo: repo.to_owned(), revision: revision.to_owned() })
    }
}

impl fmt::Display for HubId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.repo, self.revision)
    }
}

/// One part of a hub id: `[A-Za-z0-9_.-]+`, no `--` or `..`, not starting or
/// ending with `-` or `.` (so `.`, `..` and `./x` are never hub ids).
fn is_hub_name(part: &str) -> bool {
    !part.is_empty()
        && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !part.contains("--")
        && !part.contains("..")
        && !part.starts_with(['-', '.'])
        && !part.ends_with(['-', '.'])
}

/// The folder holding the checkpoint that `spec` names: `spec` itself if it
/// is a folder with a `config.json`, else the snapshot folder of the hub
/// model `spec` names (feature `hub`), fetched unless already cached.
///
/// Errors ([`BertError::ModelSource`]) name the spec and what was looked
/// for: the missing `config.json`, the folder that does not exist, the cache
/// entry or URL that failed.
pub fn resolve_model(spec: &str, options: &ResolveOptions) -> Result<PathBuf> {
    let path = Path::new(spec);
    if path.is_dir() {
        let config = path.join("config.json");
        if !config.is_file() {
            return Err(source_error(
                spec,
                format!("the folder {} has no config.json, so it is not a HuggingFace model folder", path.display()),
            ));
        }
        return Ok(path.to_path_buf());
    }
    if path.exists() {
        return Err(source_error(
            spec,
            format!("{} is a file; --model takes the folder holding config.json", path.display()),
        ));
    }
    match HubId::parse(spec) {
        Some(id) => fetch(spec, &id, options),
        None => Err(source_error(
            spec,
            format!(
                "no folder {}, and not a hub model id (owner/name or owner/name@revision)",
                looked_for(spec).display()
            ),
        )),
    }
}

#[cfg(not(feature = "hub"))]
fn fetch(spec: &str, id: &HubId, _options: &ResolveOptions) -> Result<PathBuf> {
    Err(source_error(
        spec,
        format!(
            "no folder {}, and this retag was built without `--features hub`, so it cannot fetch {id} from the HuggingFace hub",
            looked_for(spec).display()
        ),
    ))
}

#[cfg(feature = "hub")]
fn fetch(spec: &str, id: &HubId, options: &ResolveOptions) -> Result<PathBuf> {
    hub::fetch(spec, id, options)
}

/// The absolute path a relative spec was looked for at, for error messages.
fn looked_for(spec: &str) -> PathBuf {
    std::path::absolute(spec).unwrap_or_else(|_| PathBuf::from(spec))
}

fn source_error(spec: &str, reason: String) -> BertError {
    BertError::ModelSource { spec: spec.to_owned(), reason }
}

/// The hub side, with the sync (ureq) client of `hf-hub`.
#[cfg(feature = "hub")]
mod hub {
    use std::path::{Path, PathBuf};

    use hf_hub::api::sync::ApiBuilder;
    use hf_hub::{Cache, Repo, RepoType};

    use super::{HubId, OPTIONAL_FILES, REQUIRED_FILES, ResolveOptions, looked_for, source_error};
    use crate::error::{BertError, Result};

    const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

    pub(super) fn fetch(spec: &str, id: &HubId, options: &ResolveOptions) -> Result<PathBuf> {
        let cache_dir = cache_dir(spec, options)?;
        if options.offline || env_is_true("HF_HUB_OFFLINE") {
            return cached_snapshot(id, &cache_dir).map_err(|reason| {
                source_error(
                    spec,
                    format!(
                        "offline (HF_HUB_OFFLINE or the offline option), and {reason}; no folder {} either",
                        looked_for(spec).display()
                    ),
                )
            });
        }
        let endpoint = options.endpoint.clone().or_else(|| env_nonempty("HF_ENDPOINT"));
        let endpoint = endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT).trim_end_matches('/').to_owned();

        // The token file next to the cache is read by `from_cache`; an
        // explicit or `HF_TOKEN` token replaces it.
        let mut builder = ApiBuilder::from_cache(Cache::new(cache_dir.clone()))
            .with_endpoint(endpoint.clone())
            .with_progress(options.progress);
        if let Some(token) = options.token.clone().or_else(|| env_nonempty("HF_TOKEN")) {
            builder = builder.with_token(Some(token));
        }
        let api = builder.build().map_err(|e| source_error(spec, format!("cannot set up the hub client: {e}")))?;

        // Resolve the revision to a commit first, then fetch every file at
        // that commit, so they all land in one snapshot folder even if the
        // branch moves meanwhile (huggingface_hub's snapshot_download does the same).
        let info = match api.repo(model_repo(id, &id.revision)).info() {
            Ok(info) => info,
            // No network or no hub: a snapshot cached earlier still serves,
            // as it does for huggingface_hub.
            Err(e) => {
                return cached_snapshot(id, &cache_dir).map_err(|_| {
                    source_error(
                        spec,
                        format!(
                            "no folder {}, and asking {endpoint} about hub model {id} failed: {e} \
                             (check the id and revision; a private or gated model needs HF_TOKEN; \
                             offline, only the cache {} is used)",
                            looked_for(spec).display(),
                            cache_dir.display()
                        ),
                    )
                });
            }
        };
        let listed = |file: &str| info.siblings.iter().any(|s| s.rfilename == file);
        if let Some(missing) = REQUIRED_FILES.iter().find(|file| !listed(file)) {
            return Err(source_error(
                spec,
                format!(
                    "hub model {id} (commit {}) has no {missing}; retag needs {}",
                    info.sha,
                    REQUIRED_FILES.join(", ")
                ),
            ));
        }

        let pinned = api.repo(model_repo(id, &info.sha));
        let mut snapshot = None;
        for file in REQUIRED_FILES.iter().chain(OPTIONAL_FILES.iter().filter(|file| listed(file))) {
            let path = pinned.get(file).map_err(|e| {
                source_error(spec, format!("downloading {file} of hub model {id} from {endpoint} failed: {e}"))
            })?;
            snapshot.get_or_insert_with(|| {
                path.parent().expect("hf-hub returns a file inside the snapshot folder").to_path_buf()
            });
        }
        // Point the requested revision (`main`, a tag) at the commit, so that
        // an offline run finds this snapshot under the name the user gave.
        if info.sha != id.revision {
            let cache = Cache::new(cache_dir.clone()).repo(model_repo(id, &id.revision));
            cache.create_ref(&info.sha).map_err(|source| BertError::Io { path: ref_path(id, &cache_dir), source })?;
        }
        Ok(snapshot.expect("REQUIRED_FILES is not empty"))
    }

    fn model_repo(id: &HubId, revision: &str) -> Repo {
        Repo::with_revision(id.repo.clone(), RepoType::Model, revision.to_owned())
    }

    fn ref_path(id: &HubId, cache_dir: &Path) -> PathBuf {
        cache_dir.join(model_repo(id, &id.revision).folder_name()).join("refs").join(&id.revision)
    }

    /// The snapshot folder of `id` in the cache, if it holds every required
    /// file; otherwise why not, naming the path looked for.
    fn cached_snapshot(id: &HubId, cache_dir: &Path) -> std::result::Result<PathBuf, String> {
        let repo_dir = cache_dir.join(model_repo(id, &id.revision).folder_name());
        let by_commit = repo_dir.join("snapshots").join(&id.revision);
        // A commit given as the revision has no ref file when huggingface_hub fetched it.
        let snapshot = if is_commit(&id.revision) && by_commit.is_dir() {
            by_commit
        } else {
            let ref_path = ref_path(id, cache_dir);
            let commit = std::fs::read_to_string(&ref_path)
                .map_err(|_| format!("hub model {id} is not in the cache (no {})", ref_path.display()))?;
            repo_dir.join("snapshots").join(commit.trim())
        };
        match REQUIRED_FILES.iter().map(|file| snapshot.join(file)).find(|path| !path.is_file()) {
            Some(missing) => Err(format!("the cached hub model {id} is incomplete (no {})", missing.display())),
            None => Ok(snapshot),
        }
    }

    fn is_commit(revision: &str) -> bool {
        revision.len() == 40 && revision.chars().all(|c| c.is_ascii_hexdigit())
    }

    /// Where the hub cache is, the way huggingface_hub finds it.
    fn cache_dir(spec: &str, options: &ResolveOptions) -> Result<PathBuf> {
        if let Some(dir) = &options.cache_dir {
            return Ok(dir.clone());
        }
        if let Some(dir) = env_nonempty("HF_HUB_CACHE") {
            return Ok(dir.into());
        }
        let hf_home = env_nonempty("HF_HOME").map(PathBuf::from).or_else(|| {
            let cache = env_nonempty("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::home_dir().map(|home| home.join(".cache")))?;
            Some(cache.join("huggingface"))
        });
        hf_home.map(|home| home.join("hub")).ok_or_else(|| {
            source_error(spec, "no home folder to keep the hub cache in; set HF_HOME or HF_HUB_CACHE".to_owned())
        })
    }

    fn env_nonempty(name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|value| !value.is_empty())
    }

    /// huggingface_hub's reading of boolean variables.
    fn env_is_true(name: &str) -> bool {
        env_nonempty(name).is_some_and(|v| ["1", "ON", "YES", "TRUE"].contains(&v.trim().to_ascii_uppercase().as_str()))
    }
}
