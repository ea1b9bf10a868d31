#!/usr/bin/env python3
"""Did a change make retag slower? Times two retag binaries (built before and
after the change) with `cargo xtask bench pipeline --retag BIN --no-pytorch`,
alternating them run by run so that a noisy machine slows both alike, and
prints per case the mean and sample standard deviation of each, their ratio,
and whether the difference stays within the spread. Predict cases also check
that both binaries wrote the same tags.

Standard library only. Example (the binaries copied out of target/release):

    python3 scripts/bench_before_after.py --before /tmp/retag-before \\
        --after /tmp/retag-after --reps 3 --python ../venv/bin/python

Each run's JSON is kept under target/bench/before-after/.
"""

import argparse
import filecmp
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path, help="retag binary built before the change")
    parser.add_argument("--after", required=True, type=Path, help="retag binary built after the change")
    parser.add_argument("--reps", type=int, default=3, help="runs of each binary")
    parser.add_argument("--cases", default="predict,frozen,naive,scaling,lengths")
    parser.add_argument("--scaling-sizes", default="1000,10000")
    parser.add_argument("--lengths", default="32,128,512,1024")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--python", help="Python with torch, used once to make the bench checkpoint")
    parser.add_argument("--xtask", default="cargo xtask",
                        help="how to run xtask (a built xtask binary keeps a tree being edited out of the timing)")
    args = parser.parse_args()

    work = ROOT / "target" / "bench" / "before-after"
    work.mkdir(parents=True, exist_ok=True)
    outputs = ROOT / "target" / "bench" / "pipeline" / "outputs"
    results = {"before": [], "after": []}
    for rep in range(args.reps):
        for side in ("before", "after"):
            binary = getattr(args, side).resolve()
            json_out = work / f"{side}-{rep}.json"
            command = args.xtask.split() + ["bench", "pipeline", "--retag", str(binary), "--no-pytorch",
                       "--json-out", str(json_out), "--cases", args.cases, "--threads", str(args.threads),
                       "--scaling-sizes", args.scaling_sizes, "--lengths", args.lengths]
            if args.python:
                command += ["--python", args.python]
            print(f"run {rep + 1}/{args.reps}, {side}: {' '.join(command)}", file=sys.stderr, flush=True)
            # Outputs of cases an earlier invocation ran would otherwise be compared as this run's.
            if outputs.exists():
                shutil.rmtree(outputs)
            subprocess.run(command, cwd=ROOT, check=True)
            results[side].append(json.loads(json_out.read_text()))
            tags = work / f"{side}-{rep}-outputs"
            if tags.exists():
                shutil.rmtree(tags)
            shutil.copytree(outputs, tags, ignore=shutil.ignore_patterns("*.run", "*-retag"))

    print(f"\n{args.reps} runs of each binary, alternated, {args.threads} threads; wall seconds, mean ± sd\n")
    print("| case | before | after | after / before | within spread |")
    print("|---|---|---|---|---|")
    cases = [row["case"] for row in results["before"][0]["rows"]]
    for case in cases:
        walls = {side: [wall(run, case) for run in runs] for side, runs in results.items()}
        if any(None in values for values in walls.values()):
            print(f"| {case} | a run failed | | | |")
            continue
        mean = {side: statistics.mean(values) for side, values in walls.items()}
        spread = {side: statistics.stdev(values) if len(values) > 1 else 0.0 for side, values in walls.items()}
        within = abs(mean["after"] - mean["before"]) <= max(spread.values())
        print(f"| {case} | {mean['before']:.2f} ± {spread['before']:.2f} | {mean['after']:.2f} ± {spread['after']:.2f}"
              f" | {mean['after'] / mean['before']:.3f} | {'yes' if within else 'no'} |")

    print("\npredicted tags, before against after (first run of each):")
    first_before, first_after = work / "before-0-outputs", work / "after-0-outputs"
    for path in sorted(first_before.glob("*-retag.txt")):
        other = first_after / path.name
        same = other.is_file() and filecmp.cmp(path, other, shallow=False)
        print(f"  {path.name}: {'identical' if same else 'DIFFERENT'}")
    return 0


def wall(run: dict, case: str):
    for row in run["rows"]:
        if row["case"] == case and row["retag"]:
            return row["retag"]["wall_secs"]
    return None


if __name__ == "__main__":
    sys.exit(main())
