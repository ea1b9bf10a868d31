#!/usr/bin/env bash
# Did a change make retag do more work? Counts the instructions two retag
# binaries (built before and after the change) execute on the same small
# jobs, under valgrind's callgrind, one thread each. Instruction counts do
# not depend on what else the machine runs, so on a shared, noisy machine
# they settle a before/after question that wall-clock timings leave open
# (scripts/bench_before_after.py gives the wall-clock side).
#
#   scripts/count_instructions.sh BEFORE_BIN AFTER_BIN [MODEL_DIR] [DATA_DIR]
#
# MODEL_DIR: a token-classification checkpoint (default: the pipeline
# bench's, target/bench/pipeline/checkpoint). DATA_DIR: train.txt, dev.txt,
# test.txt (default ../shared/data/wnut17). Jobs, kept small because
# callgrind runs some 50 times slower than the CPU: predict on 12 test
# sentences; retrain --strategy frozen, 1 epoch on 16 training sentences;
# retrain --strategy naive, 1 epoch (one step) on 8 training sentences; dev
# is 4 sentences. Loading MiniLM is part of every job, as it is of a run.
# Prints one line per job: instructions before, after, and after/before.
set -euo pipefail

before=$(realpath "$1")
after=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
model=$(realpath "${3:-$root/target/bench/pipeline/checkpoint}")
data=$(realpath "${4:-$root/../shared/data/wnut17}")
work=$root/target/bench/instructions
rm -rf "$work"
mkdir -p "$work"

# The first N sentences of a CoNLL file (sentences end at a blank line).
head_sentences() {
    awk -v n="$2" 'BEGIN { RS = ""; ORS = "\n\n" } NR <= n' "$1"
}
head_sentences "$data/test.txt" 12 >"$work/test.txt"
head_sentences "$data/train.txt" 16 >"$work/train16.txt"
head_sentences "$data/train.txt" 8 >"$work/train8.txt"
head_sentences "$data/dev.txt" 4 >"$work/dev.txt"

# Runs one job under callgrind and prints its instruction count (Ir).
count() {
    local name=$1
    shift
    local out=$work/$name.callgrind
    RAYON_NUM_THREADS=1 MATMUL_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
        "$@" >"$work/$name.log" 2>&1 || { echo "$name failed: see $work/$name.log" >&2; exit 1; }
    awk '/^summary:/ { print $2 }' "$out"
}

job() {
    local name=$1
    shift
    local counts=()
    for side in before after; do
        local binary=${!side}
        local args=("$@")
        args=("${args[@]//@OUT@/$work/$name-$side}")
        counts+=("$(count "$name-$side" "$binary" "${args[@]}")")
    done
    awk -v name="$name" -v b="${counts[0]}" -v a="${counts[1]}" \
        'BEGIN { printf "| %s | %.4g | %.4g | %.4f |\n", name, b, a, a / b }'
}

echo "| job | instructions before | after | after / before |"
echo "|---|---|---|---|"
job predict predict --model "$model" --input "$work/test.txt" --output @OUT@.txt
job frozen retrain --model "$model" --strategy frozen --epochs 1 --patience 0 --progress off \
    --train "$work/train16.txt" --dev "$work/dev.txt" --out @OUT@ --run-dir @OUT@.run
job naive retrain --model "$model" --strategy naive --epochs 1 --patience 0 --progress off \
    --train "$work/train8.txt" --dev "$work/dev.txt" --out @OUT@ --run-dir @OUT@.run
if cmp -s "$work/predict-before.txt" "$work/predict-after.txt"; then
    echo "predicted tags: identical"
else
    echo "predicted tags: DIFFERENT"
fi
