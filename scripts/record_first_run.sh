#!/usr/bin/env bash
# Records what a newcomer sees on a first run: `cargo xtask retrain --fresh`
# in a detached tmux pane (160x24), with an empty target folder so the build
# is cold, captured every 15 s until the command ends. Leaves:
#   $OUT/snapshots.txt  every capture, headed "----- t+S s (HH:MM:SS UTC) -----"
#   $OUT/final.txt      the pane's whole scrollback at the end
# About 70 minutes on 2 cores; nothing else should share the machine.
#
#   bash scripts/record_first_run.sh [OUT]   (default OUT: /tmp/retag-first-run)
set -euo pipefail
out="${1:-/tmp/retag-first-run}"
root="$(cd "$(dirname "$0")/.." && pwd)"
session=retag-first-run
command -v tmux >/dev/null || { echo "tmux is missing (apt-get install tmux)" >&2; exit 1; }
mkdir -p "$out"
rm -rf "$out/target"
tmux kill-session -t "$session" 2>/dev/null || true
# A large scrollback, so final.txt keeps every line (tmux keeps 2000 by default).
tmux start-server \; set-option -g history-limit 200000 \; new-session -d -s "$session" -x 160 -y 24 \
  "cd '$root' && CARGO_TARGET_DIR='$out/target' cargo xtask retrain --fresh; echo EXIT=\$?; sleep 600"
: > "$out/snapshots.txt"
start=$(date +%s)
while tmux has-session -t "$session" 2>/dev/null; do
  now=$(date +%s)
  {
    echo "----- t+$((now - start)) s ($(date -u +%H:%M:%S) UTC) -----"
    tmux capture-pane -p -t "$session" | sed '/^$/d'
  } >> "$out/snapshots.txt"
  tmux capture-pane -p -t "$session" | grep -q "^EXIT=" && break
  sleep 15
done
tmux capture-pane -p -S - -t "$session" > "$out/final.txt"
tmux kill-session -t "$session" 2>/dev/null || true
rm -rf "$out/target"
echo "captures in $out/snapshots.txt, the whole scrollback in $out/final.txt"
