#!/usr/bin/env python3
"""Checks `retag eval` against seqeval 1.2.2 on fresh random data.

Run from the repository root after building the CLI (`cargo build -p retag-cli`
or `cargo build`):

    /work/venv/bin/python scripts/check_eval_against_seqeval.py [path/to/retag] [--pairs 50] [--seed N]

The binary defaults to target/debug/retag. Each run draws a new seed (printed,
pass it back with --seed to reproduce a failure) and writes random gold and
prediction CoNLL files (`token tag` per line, blank line between sentences)
into a temporary directory. Gold tags are valid IOB2; predictions are the gold
tags corrupted in the ways that trip up metrics: entities that start with I-,
B-X I-Y, boundaries shifted left or right, changed types, deleted and inserted
entities, random tags (also of types the gold data lacks). For every pair and
both modes it runs

    retag eval --gold G --pred P --mode default|strict --json

and compares the JSON (`{"micro":{"precision","recall","f1"},
"per_type":{TYPE:{"precision","recall","f1","support"}}}`) with seqeval's
`precision_recall_fscore_support` (default mode, and `mode="strict",
scheme=IOB2` through seqeval.metrics.v1) to 1e-9. It prints one line per
failure and ends with `N passed, M failed`; the exit status is 1 if any failed.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

from seqeval.metrics.sequence_labeling import get_entities
from seqeval.metrics.sequence_labeling import precision_recall_fscore_support as prfs_default
from seqeval.metrics.v1 import Entities
from seqeval.metrics.v1 import precision_recall_fscore_support as prfs_strict
from seqeval.scheme import IOB2

TOLERANCE = 1e-9
TYPES = ["PER", "LOC", "ORG", "MISC", "geo-loc", "creative_work"]


def random_gold(rng, types):
    sentences = []
    for _ in range(rng.randint(1, 40)):
        n = rng.randint(1, 25)
        tags, i = [], 0
        while i < n:
            if rng.random() < 0.25:
                kind = rng.choice(types)
                length = min(n - i, rng.choice([1, 1, 2, 2, 3, 4]))
                tags += ["B-" + kind] + ["I-" + kind] * (length - 1)
                i += length
            else:
                tags.append("O")
                i += 1
        sentences.append(tags)
    return sentences


def corrupt(rng, gold, types, rate):
    extra = types + ["EXTRA"]
    pred = []
    for sentence in gold:
        tags = list(sentence)
        n = len(tags)
        for i, tag in enumerate(sentence):
            if not tag.startswith("B-") or rng.random() >= rate:
                continue
            kind = tag[2:]
            end = i + 1
            while end < n and sentence[end] == "I-" + kind:
                end += 1
            how = rng.choice(["i_start", "break", "left", "right", "type", "delete", "truncate"])
            if how == "i_start":
                tags[i] = "I-" + kind
            elif how == "break" and end < n:
                tags[end if end - i == 1 else rng.randrange(i + 1, end)] = "I-" + rng.choice(extra)
            elif how == "left" and i > 0:
                tags[i - 1], tags[i] = "B-" + kind, "I-" + kind
            elif how == "right" and end < n:
                tags[end] = "I-" + kind
                tags[i] = "O" if rng.random() < 0.5 else tags[i]
            elif how == "type":
                other = rng.choice(extra)
                for j in range(i, end):
                    tags[j] = tags[j][:2] + other
            elif how == "delete":
                for j in range(i, end):
                    tags[j] = "O"
            elif how == "truncate" and end - i > 1:
                tags[end - 1] = "O"
        for j in range(n):
            if rng.random() < rate / 5:
                tags[j] = rng.choice(["O"] + [p + t for t in extra for p in ("B-", "I-")])
            elif tags[j] == "O" and rng.random() < rate / 10:
                tags[j] = "B-" + rng.choice(extra)
        pred.append(tags)
    return pred


def write_conll(path, sentences):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for number, tags in enumerate(sentences):
            if number:
                f.write("\n")
            for i, tag in enumerate(tags):
                f.write(f"w{number}_{i} {tag}\n")


def seqeval_scores(gold, pred, mode):
    if mode == "strict":
        names = sorted(Entities(gold, IOB2).unique_tags | Entities(pred, IOB2).unique_tags)
        prfs, kw = prfs_strict, {"scheme": IOB2}
    else:
        names = sorted({t for t, _, _ in get_entities(gold)} | {t for t, _, _ in get_entities(pred)})
        prfs, kw = prfs_default, {}
    p, r, f, s = prfs(gold, pred, average=None, **kw)
    per_type = {name: {"precision": float(a), "recall": float(b), "f1": float(c), "support": int(d)}
                for name, a, b, c, d in zip(names, p, r, f, s)}
    a, b, c, _ = prfs(gold, pred, average="micro", **kw)
    return {"micro": {"precision": float(a), "recall": float(b), "f1": float(c)}, "per_type": per_type}


def differences(actual, expected):
    """Human-readable differences between retag's JSON and seqeval's numbers."""
    found = []
    for key in ("precision", "recall", "f1"):
        got = actual.get("micro", {}).get(key)
        if not isinstance(got, (int, float)) or abs(got - expected["micro"][key]) > TOLERANCE:
            found.append(f"micro.{key}: retag {got}, seqeval {expected['micro'][key]}")
    got_types = actual.get("per_type", {})
    if sorted(got_types) != sorted(expected["per_type"]):
        found.append(f"types: retag {sorted(got_types)}, seqeval {sorted(expected['per_type'])}")
    for name, want in expected["per_type"].items():
        got = got_types.get(name, {})
        for key in ("precision", "recall", "f1"):
            value = got.get(key)
            if not isinstance(value, (int, float)) or abs(value - want[key]) > TOLERANCE:
                found.append(f"{name}.{key}: retag {value}, seqeval {want[key]}")
        if got.get("support") != want["support"]:
            found.append(f"{name}.support: retag {got.get('support')}, seqeval {want['support']}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binary", nargs="?", default="target/debug/retag")
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the files of failed pairs")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary}: no such binary; build the CLI first (cargo build)")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    print(f"seed {seed}")
    rng = random.Random(seed)
    warnings.filterwarnings("ignore")  # seqeval's zero-division warnings

    passed = failed = 0
    workdir = tempfile.mkdtemp(prefix="retag-eval-check-")
    for pair in range(args.pairs):
        types = rng.sample(TYPES, rng.randint(1, len(TYPES)))
        gold = random_gold(rng, types)
        pred = corrupt(rng, gold, types, rng.choice([0.0, 0.1, 0.3, 0.6, 1.0]))
        gold_path = os.path.join(workdir, f"{pair}.gold.txt")
        pred_path = os.path.join(workdir, f"{pair}.pred.txt")
        write_conll(gold_path, gold)
        write_conll(pred_path, pred)
        pair_failed = False
        for mode in ("default", "strict"):
            command = [args.binary, "eval", "--gold", gold_path, "--pred", pred_path, "--mode", mode, "--json"]
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                problems = [f"exit status {run.returncode}: {run.stderr.strip()}"]
            else:
                try:
                    problems = differences(json.loads(run.stdout), seqeval_scores(gold, pred, mode))
                except json.JSONDecodeError as error:
                    problems = [f"stdout is not JSON ({error}): {run.stdout[:200]!r}"]
            if problems:
                failed += 1
                pair_failed = True
                print(f"FAIL pair {pair} ({mode}), {gold_path} {pred_path}:")
                for problem in problems[:10]:
                    print(f"  {problem}")
            else:
                passed += 1
        if not pair_failed or not args.keep:
            os.remove(gold_path)
            os.remove(pred_path)
    if not os.listdir(workdir):
        os.rmdir(workdir)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
