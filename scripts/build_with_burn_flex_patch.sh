#!/usr/bin/env bash
# Builds `retag` (release) with patches/burn-flex-0.22.1-aligned-empty.diff
# applied to burn-flex, without touching the workspace: the published crate
# is copied out of cargo's registry into DIR (default
# /tmp/retag-burn-flex-patched), patched there, and substituted for the
# published one by `--config patch.crates-io...` for this build alone.
# The binary is copied to DIR/retag, ready for scripts/bench_before_after.py.
#
#   bash scripts/build_with_burn_flex_patch.sh [DIR]
set -euo pipefail
dir="${1:-/tmp/retag-burn-flex-patched}"
root="$(cd "$(dirname "$0")/.." && pwd)"
diff="$root/patches/burn-flex-0.22.1-aligned-empty.diff"
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
source=$(find "$registry" -maxdepth 2 -type d -name burn-flex-0.22.1 | head -n 1)
if [ -z "$source" ]; then
  # The first build of the workspace downloads it.
  (cd "$root" && cargo fetch -q)
  source=$(find "$registry" -maxdepth 2 -type d -name burn-flex-0.22.1 | head -n 1)
fi
[ -n "$source" ] || { echo "burn-flex 0.22.1 is not in $registry" >&2; exit 1; }
rm -rf "$dir/burn-flex"
mkdir -p "$dir"
cp -r "$source" "$dir/burn-flex"
chmod -R u+w "$dir/burn-flex"
patch -d "$dir/burn-flex" -p1 --quiet < "$diff"
cd "$root"
# The patch rewrites Cargo.lock's burn-flex entry (a path instead of the
# registry); the workspace's own lock comes back however the build ends.
cp Cargo.lock "$dir/Cargo.lock.workspace"
trap 'cp "$dir/Cargo.lock.workspace" "$root/Cargo.lock"' EXIT
cargo build --release -p retag-cli --bin retag \
  --config "patch.crates-io.burn-flex.path=\"$dir/burn-flex\""
cp "${CARGO_TARGET_DIR:-$root/target}/release/retag" "$dir/retag"
echo "built $dir/retag (burn-flex patched by $diff)"
