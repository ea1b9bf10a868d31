#!/usr/bin/env python3
"""PyTorch's side of `cargo xtask bench encoder`: the same cases as
`retag-bench encoder`, run by transformers' BertModel, printed as the same
JSON fields (see crates/bench/src/report.rs) so that one table compares them.

    /work/venv/bin/python scripts/bench_encoder.py --model MODEL_DIR \
        [--mix-ids target/bench/wnut17-test-ids.json] [--threads 2] [--quick] [--out FILE]

- random-32, random-128: one batch of 32 rows of 32 (128) ids drawn with
  SplitMix64 from seed 4 in 1000..vocab, exactly the ids retag-bench uses;
  attention on every position.
- wnut17-test: the word-piece ids written by `retag-bench mix` (sorted by
  length), in batches of 32 padded to each batch's longest row; only real
  word-pieces count. Skipped without --mix-ids.
- train-32, train-128: one fine-tuning step of BertForTokenClassification
  (13 labels, fresh head, train() mode so dropout is on) on the random-N
  batch with labels `id % 13`: forward, cross-entropy, backward, global-norm
  clipping to 1.0 and AdamW (lr 5e-5, weight decay 0.01 except biases and
  LayerNorm): retag-train's default recipe, as crates/bench/src/train_step.rs
  runs it. FLOP count 3 forward passes.

The model runs in eval() under torch.inference_mode(), in fp32, with
`--threads` intra-op and inter-op threads (retag's backends get the same
count through RAYON_NUM_THREADS and friends). Peak memory is VmHWM, reset
before each case through /proc/self/clear_refs, like retag-bench; it
includes the ~740 MiB that importing torch and transformers costs. The script also times one
2048x2048 fp32 matrix product: the best this machine's tuned BLAS does on
that many threads, a measured ceiling beside the planning figure.
"""

import argparse
import json
import os
import statistics
import sys
import time

BATCH_SIZE = 32
RANDOM_LENGTHS = (32, 128)
TRAIN_LENGTHS = (32, 128)
TRAIN_LABELS = 13
STEP_OVER_FORWARD = 3.0
MIX_CASE = "wnut17-test"
FIRST_ORDINARY_ID = 1000
SEED = 4
MASK64 = (1 << 64) - 1


def splitmix64(state):
    """One step of SplitMix64: (new state, output), as in crates/bench/src/encoder.rs."""
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def random_ids(rows, length, vocab, seed):
    state, span, out = seed, vocab - FIRST_ORDINARY_ID, []
    for _ in range(rows):
        row = []
        for _ in range(length):
            state, value = splitmix64(state)
            row.append(FIRST_ORDINARY_ID + value % span)
        out.append(row)
    return out


def flop_per_token(config, seq):
    """8H^2 + 4HI + 4SH per layer: the count of crates/bench/src/cost.rs."""
    h, i = config.hidden_size, config.intermediate_size
    return config.num_hidden_layers * (8 * h * h + 4 * h * i + 4 * seq * h)


def peak_rss_mib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    value, unit = line.split()[1:3]
                    return int(value) / 1024 if unit == "kB" else None
    except OSError:
        return None
    return None


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0))}


def padded(torch, rows, pad_id):
    seq = max(len(row) for row in rows)
    ids = torch.full((len(rows), seq), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), seq), dtype=torch.long)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[r, : len(row)] = 1
    return ids, mask, torch.zeros_like(ids)


def measure(torch, model, name, sequences, pad_id, warmup, reps):
    inputs = [padded(torch, sequences[i : i + BATCH_SIZE], pad_id) for i in range(0, len(sequences), BATCH_SIZE)]
    per_case = reset_peak()

    def one_pass():
        for ids, mask, types in inputs:
            model(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    with torch.inference_mode():
        for _ in range(warmup):
            one_pass()
        seconds = []
        for _ in range(reps):
            started = time.perf_counter()
            one_pass()
            seconds.append(time.perf_counter() - started)
    word_pieces = sum(len(row) for row in sequences)
    shapes = [tuple(ids.shape) for ids, _, _ in inputs]
    return case_result(
        name,
        batches=len(inputs),
        word_pieces=word_pieces,
        padded_word_pieces=sum(b * s for b, s in shapes),
        flop=float(sum(b * s * flop_per_token(model.config, s) for b, s in shapes)),
        warmup=warmup,
        seconds=seconds,
        per_case=per_case,
    )


def case_result(name, batches, word_pieces, padded_word_pieces, flop, warmup, seconds, per_case):
    """One case as the JSON fields of CaseResult in crates/bench/src/report.rs."""
    median = statistics.median(seconds)
    return {
        "name": name,
        "batches": batches,
        "word_pieces": word_pieces,
        "padded_word_pieces": padded_word_pieces,
        "flop": flop,
        "warmup": warmup,
        "seconds": seconds,
        "median_s": median,
        "min_s": min(seconds),
        "max_s": max(seconds),
        "word_pieces_per_s": word_pieces / median,
        "peak_rss_mib": peak_rss_mib(),
        "peak_is_per_case": per_case,
    }


def measure_train(torch, model_dir, length, warmup, reps):
    from transformers import BertForTokenClassification

    torch.manual_seed(SEED)
    model = BertForTokenClassification.from_pretrained(model_dir, num_labels=TRAIN_LABELS).train()
    rows = random_ids(BATCH_SIZE, length, model.config.vocab_size, SEED)
    ids = torch.tensor(rows, dtype=torch.long)
    labels = ids % TRAIN_LABELS
    mask, types = torch.ones_like(ids), torch.zeros_like(ids)
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=5e-5,
        betas=(0.9, 0.999),
        eps=1e-8,
    )
    per_case = reset_peak()

    def step():
        loss = model(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    for _ in range(warmup):
        step()
    seconds = [timed(step) for _ in range(reps)]
    word_pieces = BATCH_SIZE * length
    return case_result(
        f"train-{length}",
        batches=1,
        word_pieces=word_pieces,
        padded_word_pieces=word_pieces,
        flop=STEP_OVER_FORWARD * word_pieces * flop_per_token(model.config, length),
        warmup=warmup,
        seconds=seconds,
        per_case=per_case,
    )


def sgemm_gflops(torch, n=2048, reps=5):
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = min(timed(lambda: torch.mm(a, b)) for _ in range(reps))
    return 2 * n**3 / best / 1e9


def timed(thunk):
    started = time.perf_counter()
    thunk()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="checkpoint folder (config.json, model.safetensors)")
    parser.add_argument("--mix-ids", help="ids of the real-length mix, from `retag-bench mix`")
    parser.add_argument("--cases", default="", help="comma-separated cases (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, for development")
    parser.add_argument("--reps", type=int)
    parser.add_argument("--mix-reps", type=int)
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()

    # Before torch starts its pools.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    import torch
    import transformers
    from transformers import BertModel

    # The checkpoint's unused pooler weights make transformers print a load report.
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    warmup = 1 if args.quick else 2
    reps = args.reps or (3 if args.quick else 10)
    mix_reps = args.mix_reps or (1 if args.quick else 5)

    model = BertModel.from_pretrained(args.model, add_pooling_layer=False).eval()
    wanted = [c for c in args.cases.split(",") if c] or (
        [f"random-{n}" for n in RANDOM_LENGTHS] + [MIX_CASE] + [f"train-{n}" for n in TRAIN_LENGTHS]
    )
    cases = []
    for name in wanted:
        if name.startswith("train-") and name[len("train-") :].isdigit() and int(name[len("train-") :]) in TRAIN_LENGTHS:
            print(f"pytorch: {name}, {warmup} warm-up + {reps} timed steps", file=sys.stderr)
            cases.append(measure_train(torch, args.model, int(name[len("train-") :]), warmup, reps))
            continue
        if name == MIX_CASE:
            if not args.mix_ids:
                print(f"pytorch: {name} skipped: no --mix-ids", file=sys.stderr)
                continue
            with open(args.mix_ids) as f:
                mix = json.load(f)
            sequences, pad_id, case_warmup, case_reps = mix["sequences"], mix["pad_id"], 1, mix_reps
        elif name.startswith("random-") and int(name[len("random-") :]) in RANDOM_LENGTHS:
            length = int(name[len("random-") :])
            sequences = random_ids(BATCH_SIZE, length, model.config.vocab_size, SEED)
            pad_id, case_warmup, case_reps = 0, warmup, reps
        else:
            parser.error(f"unknown case {name!r}")
        print(f"pytorch: {name}, {case_warmup} warm-up + {case_reps} timed passes", file=sys.stderr)
        cases.append(measure(torch, model, name, sequences, pad_id, case_warmup, case_reps))

    report = {
        "engine": "pytorch",
        "backend": "pytorch",
        "model": args.model,
        "machine": machine(),
        "env": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "torch_threads": str(torch.get_num_threads()),
            "attn_implementation": str(getattr(model.config, "_attn_implementation", "unknown")),
            "blas": "mkl" if torch.backends.mkl.is_available() else "other",
        },
        "cases": cases,
        "peak_rss_mib": peak_rss_mib(),
        "sgemm_gflops": sgemm_gflops(torch),
    }
    text = json.dumps(report, indent=2)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
