//! What the loopback hub answers to the three kinds of URL that hf-hub
//! 0.4.3's sync client asks for (`src/api/sync.rs`), shaped as the real hub
//! shapes them:
//!
//! - `GET /api/models/{owner}/{name}/revision/{revision}`: the repo info, a
//!   JSON object whose `sha` is the commit the revision points to and whose
//!   `siblings` list the files (`ApiRepo::info`);
//! - `GET /{owner}/{name}/resolve/{revision}/{file}`: a file, with the
//!   `x-repo-commit` and `etag` headers that hf-hub requires and names the
//!   snapshot folder and the blob after. An LFS file (the weights) is instead
//!   a `302` to a CDN URL on another path, carrying `x-linked-etag` and
//!   `x-linked-size`, as the hub redirects to its CDN; hf-hub takes the
//!   headers from the redirect and the size from the CDN's answer;
//! - `GET /cdn/{owner}/{name}/{commit}/{file}`: the CDN, bytes only.
//!
//! File bytes honour `Range: bytes=a-b` and `bytes=a-` with `206` and
//! `Content-Range`: hf-hub probes every file with `bytes=0-0` to read its
//! size from `Content-Range` (no `Content-Range`, no download), and resumes
//! a `.part` file left by a broken download with `bytes=N-`.

use serde_json::json;

use super::http::{Request, Response};
use super::repo::{ServedRepo, etag, is_lfs};

/// The answer to `request`; `base_url` is where the server listens, for the
/// CDN redirects' absolute `Location`.
pub fn answer(repos: &[ServedRepo], request: &Request, base_url: &str) -> Response {
    if request.method != "GET" {
        return Response::new(405);
    }
    let path = request.path.as_str();
    if let Some(rest) = path.strip_prefix("/api/models/") {
        return info(repos, rest);
    }
    if let Some(rest) = path.strip_prefix("/cdn/") {
        return cdn(repos, rest, request);
    }
    match path.trim_start_matches('/').split_once("/resolve/") {
        Some((repo_id, rest)) => resolve(repos, repo_id, rest, request, base_url),
        None => not_found("NoSuchRoute", path),
    }
}

/// `{owner}/{name}/revision/{revision}`.
fn info(repos: &[ServedRepo], rest: &str) -> Response {
    let Some((repo_id, revision)) = rest.split_once("/revision/") else {
        return not_found("NoSuchRoute", rest);
    };
    let (repo, commit) = match repo_at(repos, repo_id, revision) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let siblings: Vec<_> = repo.files.iter().map(|(name, _)| json!({ "rfilename": name })).collect();
    let body = json!({ "id": repo.id, "modelId": repo.id, "sha": commit, "siblings": siblings });
    Response::new(200).header("Content-Type", "application/json").body(body.to_string())
}

/// `{revision}/{file}` of `repo_id`.
fn resolve(repos: &[ServedRepo], repo_id: &str, rest: &str, request: &Request, base_url: &str) -> Response {
    let Some((revision, file)) = rest.split_once('/') else {
        return not_found("NoSuchRoute", rest);
    };
    let (repo, commit) = match repo_at(repos, repo_id, revision) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(bytes) = repo.file(file) else {
        return not_found("EntryNotFound", file);
    };
    if is_lfs(file) {
        return Response::new(302)
            .header("Location", format!("{base_url}/cdn/{repo_id}/{commit}/{file}"))
            .header("x-repo-commit", commit)
            .header("x-linked-etag", format!("\"{}\"", etag(bytes)))
            .header("x-linked-size", bytes.len().to_string())
            // The hub's own etag of an LFS file is that of its pointer file.
            .header("etag", format!("\"pointer-{}\"", etag(bytes)));
    }
    ranged(bytes, request).of_file(file).header("x-repo-commit", commit).header("etag", format!("\"{}\"", etag(bytes)))
}

/// `{owner}/{name}/{commit}/{file}`.
fn cdn(repos: &[ServedRepo], rest: &str, request: &Request) -> Response {
    let mut parts = rest.splitn(4, '/');
    let (Some(owner), Some(name), Some(commit), Some(file)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return not_found("NoSuchRoute", rest);
    };
    let bytes = find(repos, &format!("{owner}/{name}"))
        .filter(|repo| repo.commit_of(commit).is_some())
        .and_then(|repo| repo.file(file));
    match bytes {
        Some(bytes) => ranged(bytes, request).of_file(file),
        None => not_found("NoSuchObject", rest),
    }
}

/// The whole file, or the part that the `Range` header asks for.
fn ranged(bytes: &[u8], request: &Request) -> Response {
    let len = bytes.len();
    let Some(range) = request.range.as_deref() else {
        return Response::new(200).header("Accept-Ranges", "bytes").body(bytes);
    };
    match byte_range(range, len) {
        Some((first, last)) => Response::new(206)
            .header("Accept-Ranges", "bytes")
            .header("Content-Range", format!("bytes {first}-{last}/{len}"))
            .body(&bytes[first..=last]),
        None => Response::new(416).header("Content-Range", format!("bytes */{len}")),
    }
}

/// The first and last byte of `bytes=a-b` or `bytes=a-` in a file of `len`
/// bytes; `None` when the range starts past the end (or is no such range).
fn byte_range(range: &str, len: usize) -> Option<(usize, usize)> {
    let (first, last) = range.strip_prefix("bytes=")?.split_once('-')?;
    let first: usize = first.parse().ok()?;
    let end = len.checked_sub(1)?;
    let last = if last.is_empty() { end } else { last.parse::<usize>().ok()?.min(end) };
    (first <= last).then_some((first, last))
}

fn find<'a>(repos: &'a [ServedRepo], repo_id: &str) -> Option<&'a ServedRepo> {
    repos.iter().find(|repo| repo.id == repo_id)
}

/// `repo_id` and the commit its `revision` (URL-encoded) names, or the
/// hub's 404 for whichever of the two it does not know.
fn repo_at<'a>(repos: &'a [ServedRepo], repo_id: &str, revision: &str) -> Result<(&'a ServedRepo, &'a str), Response> {
    let repo = find(repos, repo_id).ok_or_else(|| not_found("RepoNotFound", repo_id))?;
    let commit = repo.commit_of(&decode(revision)).ok_or_else(|| not_found("RevisionNotFound", revision))?;
    Ok((repo, commit))
}

/// hf-hub writes a `/` inside a revision (`refs/pr/1`) as `%2F`.
fn decode(revision: &str) -> String {
    revision.replace("%2F", "/").replace("%2f", "/")
}

/// The hub's 404, with its `x-error-code`.
fn not_found(code: &str, what: &str) -> Response {
    Response::new(404)
        .header("x-error-code", code)
        .header("Content-Type", "application/json")
        .body(json!({ "error": format!("{code}: {what}") }).to_string())
}
