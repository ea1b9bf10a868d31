#!/usr/bin/env python3
"""PyTorch + transformers reference for retag's training and retraining recipes.

An independent implementation of what `retag` does, so that its figures
(entity F1, time per epoch, word-pieces per second) can be compared with a
plain PyTorch run of the same recipe. Nothing in the Rust build or tests
needs it.

How to run (from the repository root; the venv has torch, transformers,
seqeval and numpy; outputs belong outside the repository):

    PY=/work/venv/bin/python
    DATA=../shared/data
    # 1. fine-tune a base encoder on an old tagset
    $PY scripts/reference_retrain.py train --model /work/models/all-MiniLM-L6-v2 \
        --train $DATA/conll2003/train.txt --dev $DATA/conll2003/dev.txt \
        --test $DATA/conll2003/test.txt --out /work/ref-runs/conll \
        --json-out /work/ref-runs/conll.json
    # 2. retrain it for a new tagset
    $PY scripts/reference_retrain.py retrain --model /work/ref-runs/conll \
        --strategy naive --train $DATA/wnut17/train.txt --dev $DATA/wnut17/dev.txt \
        --test $DATA/wnut17/test.txt --out /work/ref-runs/wnut17-naive \
        --json-out /work/ref-runs/wnut17-naive.json
    # smoke test: --limit 200 reads only the first 200 sentences of each file

Strategies of `retrain`:
  naive   the old fine-tuned model, its classifier replaced by a fresh one for
          the new labels (normal std 0.02, bias 0: transformers' init); all
          parameters train.
  frozen  as naive, but the encoder has requires_grad False and only the head
          trains. Written the way a user would: the standard loop, which
          re-encodes every batch each epoch (dropout stays on in the encoder
          in training mode, as `model.train()` leaves it).
  full    from the base encoder (--base, default /work/models/all-MiniLM-L6-v2)
          with a fresh head: retraining from scratch, the upper baseline.
  (warm-start is not implemented here.)

The recipe is retag's `TrainConfig::default()` (crates/train/src/config.rs):
AdamW lr 5e-5, weight decay 0.01 except biases and LayerNorm weights,
betas 0.9/0.999, eps 1e-8; 10% linear warm-up (rounded up) then linear decay
to 0; gradient norm clipped to 1.0; batches of 16 windows grouped by length
(megabatches of 50 batches, transformers' `group_by_length`); 3 epochs;
dev entity F1 (seqeval default mode) after each epoch, the best epoch's
weights kept (patience 3). Labels sit on each word's first word-piece only
(-100 elsewhere). The label order is retag's `Tagset::from_sentences`:
"O", then for each entity type sorted by name, B-type and I-type.

Long sentences are NOT truncated: as retag does (crates/data/src/align/window.rs),
a sentence longer than --max-len word-pieces ([CLS] and [SEP] included) is cut at
word boundaries into overlapping windows sharing at most --stride word-pieces
(default max_len // 4). In training every window carries the labels of all its
words; in evaluation each word is read from the window that owns it (the one
where it sits farther from the edge). Only a single word longer than a whole
window is cut to the window's capacity (counted and reported as
`words_truncated`); a word with no word-piece gets [UNK], as in retag.

Each run prints and writes (--json-out) one JSON object: settings, dev F1 per
epoch, test precision/recall/F1 and per-type F1, wall time per epoch (train
and eval) and in total, and real (non-padding) word-pieces per second in
training.

Use --threads 1 (the default) when sharing the machine; raise it only to
measure speed.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import random
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

BASE_MODEL = "/work/models/all-MiniLM-L6-v2"


# ---------------------------------------------------------------- data


def read_conll(path: str, limit: int | None = None) -> list[tuple[list[str], list[str]]]:
    """Sentences of a CoNLL file: one `TOKEN<sep>...<sep>TAG` per line, the tag
    being the last column. Lines are split on the LAST space or tab only (tokens
    may hold Unicode whitespace), the file only at '\\n' (not U+2028).
    `-DOCSTART-` lines are skipped, a blank line ends a sentence."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    sentences: list[tuple[list[str], list[str]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if line == "":
            if tokens:
                sentences.append((tokens, tags))
                tokens, tags = [], []
                if limit is not None and len(sentences) >= limit:
                    return sentences
            continue
        cut = max(line.rfind(" "), line.rfind("\t"))
        if cut <= 0:
            raise ValueError(f"{path}:{number}: no separator before the tag in {line!r}")
        token, tag = line[:cut], line[cut + 1 :]
        if token.split(" ")[0].split("\t")[0] == "-DOCSTART-":
            continue
        # CoNLL-2003 with 4 columns: the token is the first column.
        if "\t" not in line and " " in token and _looks_like_columns(token):
            token = token.split(" ")[0]
        tokens.append(token)
        tags.append(tag)
    if tokens:
        sentences.append((tokens, tags))
    return sentences if limit is None else sentences[:limit]


def _looks_like_columns(token: str) -> bool:
    """True for 'EU NNP B-NP' (original 4-column CoNLL-2003: word POS chunk),
    whose middle columns are POS and chunk tags."""
    parts = token.split(" ")
    return len(parts) == 3 and (parts[2] == "O" or parts[2][:2] in ("B-", "I-"))


def tagset_from_sentences(sentences) -> list[str]:
    """retag's Tagset::from_sentences for IOB2: "O", then B-/I- per entity type
    sorted by name."""
    types = set()
    for _, tags in sentences:
        for tag in tags:
            if tag == "O":
                continue
            if len(tag) < 3 or tag[1] != "-" or tag[0] not in "BI":
                raise ValueError(f"tag {tag!r} is not IOB2")
            types.add(tag[2:])
    labels = ["O"]
    for kind in sorted(types):
        labels += [f"B-{kind}", f"I-{kind}"]
    return labels


@dataclass
class Window:
    input_ids: list[int]
    labels: list[int]  # -100 except first word-pieces
    sentence: int
    owned_positions: list[tuple[int, int]] = field(default_factory=list)  # (position, word)


class Aligner:
    """Word-pieces per word (cached), then windows as retag plans them."""

    def __init__(self, tokenizer, max_len: int, stride: int):
        if stride >= max_len - 2:
            raise ValueError(f"--stride {stride} must be below max_len - 2 = {max_len - 2}")
        self.tok = tokenizer
        self.max_len = max_len
        self.stride = stride
        self.capacity = max_len - 2
        self.cache: dict[str, list[int]] = {}
        self.words_truncated = 0
        self.words_unk = 0
        self.cls, self.sep, self.unk = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.unk_token_id

    def pieces(self, words: list[str]) -> list[list[int]]:
        missing = list({w for w in words if w not in self.cache})
        if missing:
            encoded = self.tok(missing, add_special_tokens=False)["input_ids"]
            for w, ids in zip(missing, encoded):
                self.cache[w] = ids
        out = []
        for w in words:
            ids = self.cache[w]
            if not ids:
                self.words_unk += 1
                ids = [self.unk]
            if len(ids) > self.capacity:
                self.words_truncated += 1
                ids = ids[: self.capacity]
            out.append(ids)
        return out

    def plan(self, lengths: list[int]) -> list[tuple[range, range]]:
        """Port of retag's plan_windows: (covered words, owned words)."""
        cap = self.capacity
        covered = []
        start = 0
        while start < len(lengths):
            end, used = start, 0
            while end < len(lengths) and used + lengths[end] <= cap:
                used += lengths[end]
                end += 1
            covered.append(range(start, end))
            if end == len(lengths):
                break
            budget = min(self.stride, cap - lengths[end])
            nxt, overlap = end, 0
            while nxt > start + 1 and overlap + lengths[nxt - 1] <= budget:
                overlap += lengths[nxt - 1]
                nxt -= 1
            start = nxt
        spans = []
        owned_from = 0
        for k, words in enumerate(covered):
            if k + 1 < len(covered):
                owned_to = max(_cut(lengths, covered[k + 1].start, words.stop), owned_from)
            else:
                owned_to = len(lengths)
            spans.append((words, range(owned_from, owned_to)))
            owned_from = owned_to
        return spans

    def windows(self, sentences, label_ids: dict[str, int]) -> list[Window]:
        out = []
        for s, (words, tags) in enumerate(sentences):
            pieces = self.pieces(words)
            for covered, owned in self.plan([len(p) for p in pieces]):
                ids, labels, owned_pos = [self.cls], [-100], []
                for w in covered:
                    if w in owned:
                        owned_pos.append((len(ids), w))
                    labels.append(label_ids[tags[w]])
                    labels += [-100] * (len(pieces[w]) - 1)
                    ids += pieces[w]
                ids.append(self.sep)
                labels.append(-100)
                out.append(Window(ids, labels, s, owned_pos))
        return out


def _cut(lengths, start, stop):
    total = sum(lengths[start:stop])
    before = 0
    for w in range(start, stop):
        after = total - before - lengths[w]
        if before >= after:
            return w
        before += lengths[w]
    return stop


def pad_batch(windows: list[Window], pad_id: int):
    n = max(len(w.input_ids) for w in windows)
    ids = torch.full((len(windows), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), n), dtype=torch.long)
    labels = torch.full((len(windows), n), -100, dtype=torch.long)
    for i, w in enumerate(windows):
        ids[i, : len(w.input_ids)] = torch.tensor(w.input_ids)
        mask[i, : len(w.input_ids)] = 1
        labels[i, : len(w.labels)] = torch.tensor(w.labels)
    return ids, mask, labels


def length_grouped_batches(lengths: list[int], batch_size: int, bucket_batches: int, rng: random.Random):
    """transformers' group_by_length: shuffle, cut into megabatches of
    bucket_batches * batch_size, sort each by length (longest first), cut into
    batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    mega = batch_size * bucket_batches
    batches = []
    for i in range(0, len(order), mega):
        group = sorted(order[i : i + mega], key=lambda j: -lengths[j])
        batches += [group[k : k + batch_size] for k in range(0, len(group), batch_size)]
    return batches


# ---------------------------------------------------------------- model


def fresh_head(model, labels: list[str]):
    """Replace the classifier by a fresh Linear for `labels`, initialised as
    transformers does (normal std initializer_range, bias 0)."""
    hidden = model.config.hidden_size
    head = nn.Linear(hidden, len(labels))
    nn.init.normal_(head.weight, mean=0.0, std=model.config.initializer_range)
    nn.init.zeros_(head.bias)
    model.classifier = head
    model.num_labels = len(labels)
    model.config.num_labels = len(labels)
    model.config.id2label = {i: l for i, l in enumerate(labels)}
    model.config.label2id = {l: i for i, l in enumerate(labels)}
    return model


def build_model(args, labels):
    from transformers import AutoModelForTokenClassification

    id2label = {i: l for i, l in enumerate(labels)}
    label2id = {l: i for i, l in enumerate(labels)}
    if args.command == "train" or args.strategy == "full":
        source = args.model if args.command == "train" else args.base
        model = AutoModelForTokenClassification.from_pretrained(
            source, num_labels=len(labels), id2label=id2label, label2id=label2id
        )
        # from_pretrained already gave the new head transformers' init; redo it
        # explicitly so every strategy's head is drawn the same way.
        fresh_head(model, labels)
    else:
        model = AutoModelForTokenClassification.from_pretrained(args.model)
        old = [model.config.id2label[i] for i in range(model.config.num_labels)]
        print(f"old tagset ({len(old)}): {old}", file=sys.stderr)
        fresh_head(model, labels)
        if args.strategy == "frozen":
            for p in model.base_model.parameters():
                p.requires_grad = False
    return model


def make_optimizer(model, args):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name.endswith("bias") or "LayerNorm" in name or "layernorm" in name.lower():
            no_decay.append(p)
        else:
            decay.append(p)
    groups = [
        {"params": decay, "weight_decay": args.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), eps=1e-8)


def linear_schedule(optimizer, total_steps: int, warmup_ratio: float):
    warmup = min(math.ceil(total_steps * warmup_ratio), total_steps)

    def factor(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor), warmup


# ---------------------------------------------------------------- evaluation


@torch.no_grad()
def predict(model, windows: list[Window], sentences, labels: list[str], batch_size: int, pad_id: int):
    model.eval()
    preds = [["O"] * len(words) for words, _ in sentences]
    order = sorted(range(len(windows)), key=lambda i: -len(windows[i].input_ids))
    for k in range(0, len(order), batch_size):
        chunk = [windows[i] for i in order[k : k + batch_size]]
        ids, mask, _ = pad_batch(chunk, pad_id)
        best = model(input_ids=ids, attention_mask=mask).logits.argmax(-1)
        for row, w in enumerate(chunk):
            for pos, word in w.owned_positions:
                preds[w.sentence][word] = labels[best[row, pos].item()]
    return preds


def scores(gold, pred):
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score

    report = classification_report(gold, pred, output_dict=True, zero_division=0)
    per_type = {
        k: {"precision": float(v["precision"]), "recall": float(v["recall"]), "f1": float(v["f1-score"]),
            "support": int(v["support"])}
        for k, v in report.items()
        if not k.endswith(" avg")
    }
    return {
        "precision": float(precision_score(gold, pred)),
        "recall": float(recall_score(gold, pred)),
        "f1": float(f1_score(gold, pred)),
        "per_type": per_type,
    }


# ---------------------------------------------------------------- main loop


def run(args):
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    from transformers import AutoTokenizer
    import transformers
    import seqeval

    t_start = time.perf_counter()
    train = read_conll(args.train, args.limit)
    dev = read_conll(args.dev, args.limit)
    test = read_conll(args.test, args.limit) if args.test else None
    labels = tagset_from_sentences(train)
    label_ids = {l: i for i, l in enumerate(labels)}
    for name, split in (("dev", dev), ("test", test or [])):
        unknown = {t for _, tags in split for t in tags} - set(labels)
        if unknown:
            raise SystemExit(f"{name} has labels the train file lacks: {sorted(unknown)}")

    tok_source = args.model if args.command == "train" or args.strategy != "full" else args.base
    tokenizer = AutoTokenizer.from_pretrained(tok_source)
    stride = args.stride if args.stride is not None else args.max_len // 4
    aligner = Aligner(tokenizer, args.max_len, stride)
    train_w = aligner.windows(train, label_ids)
    dev_w = aligner.windows(dev, label_ids)
    test_w = aligner.windows(test, label_ids) if test else None
    pad_id = tokenizer.pad_token_id

    model = build_model(args, labels)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    optimizer = make_optimizer(model, args)
    lengths = [len(w.input_ids) for w in train_w]
    steps_per_epoch = math.ceil(len(train_w) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    scheduler, warmup = linear_schedule(optimizer, total_steps, args.warmup_ratio)
    params = [p for p in model.parameters() if p.requires_grad]

    settings = {
        "command": args.command,
        "strategy": getattr(args, "strategy", None),
        "model": args.model,
        "base": getattr(args, "base", None),
        "train": args.train, "dev": args.dev, "test": args.test, "limit": args.limit,
        "labels": labels,
        "epochs": args.epochs, "lr": args.lr, "weight_decay": args.weight_decay,
        "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        "warmup_ratio": args.warmup_ratio, "warmup_steps": warmup, "total_steps": total_steps,
        "max_grad_norm": args.max_grad_norm, "batch_size": args.batch_size,
        "eval_batch_size": args.eval_batch_size, "bucket_batches": args.bucket_batches,
        "patience": args.patience, "seed": args.seed, "max_len": args.max_len, "stride": stride,
        "threads": args.threads,
        "train_sentences": len(train), "train_windows": len(train_w),
        "dev_sentences": len(dev), "dev_windows": len(dev_w),
        "test_sentences": len(test) if test else 0, "test_windows": len(test_w) if test_w else 0,
        "words_truncated": aligner.words_truncated, "words_without_pieces": aligner.words_unk,
        "parameters": total, "trainable_parameters": trainable,
        "versions": {
            "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "seqeval": getattr(seqeval, "__version__", "1.2.2"),
            "numpy": np.__version__,
        },
        "machine": {"cpu": _cpu_name(), "os_cpus": os.cpu_count()},
    }
    print(json.dumps({"settings": settings}), flush=True)

    dev_gold = [tags for _, tags in dev]
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    rng = random.Random(args.seed)
    epochs_log = []
    best_f1, best_state, best_epoch, since_best = -1.0, None, 0, 0
    train_time_total, real_pieces_total = 0.0, 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        real_pieces, loss_sum, n_batches = 0, 0.0, 0
        for batch in length_grouped_batches(lengths, args.batch_size, args.bucket_batches, rng):
            ids, mask, gold = pad_batch([train_w[i] for i in batch], pad_id)
            logits = model(input_ids=ids, attention_mask=mask).logits
            loss = loss_fn(logits.view(-1, logits.shape[-1]), gold.view(-1))
            loss.backward()
            if args.max_grad_norm:
                torch.nn.utils.clip_grad_norm_(params, args.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            real_pieces += int(mask.sum())
            loss_sum += loss.item()
            n_batches += 1
            if args.log_every and n_batches % args.log_every == 0:
                el = time.perf_counter() - t0
                print(f"epoch {epoch} step {n_batches}/{steps_per_epoch} loss {loss_sum / n_batches:.4f} "
                      f"{real_pieces / el:.0f} pieces/s", file=sys.stderr, flush=True)
        t_train = time.perf_counter() - t0
        train_time_total += t_train
        real_pieces_total += real_pieces
        t1 = time.perf_counter()
        dev_scores = scores(dev_gold, predict(model, dev_w, dev, labels, args.eval_batch_size, pad_id))
        t_eval = time.perf_counter() - t1
        improved = bool(dev_scores["f1"] > best_f1 + args.min_delta)
        if improved:
            best_f1, best_epoch, since_best = dev_scores["f1"], epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
        entry = {
            "epoch": epoch, "train_loss": loss_sum / max(1, n_batches),
            "dev_precision": dev_scores["precision"], "dev_recall": dev_scores["recall"], "dev_f1": dev_scores["f1"],
            "dev_f1_per_type": {k: v["f1"] for k, v in dev_scores["per_type"].items()},
            "best": improved, "train_secs": t_train, "eval_secs": t_eval,
            "real_pieces": real_pieces, "pieces_per_sec": real_pieces / t_train,
        }
        epochs_log.append(entry)
        print(json.dumps({"epoch_result": entry}), flush=True)
        if args.patience and since_best >= args.patience:
            print(f"early stop after epoch {epoch}", file=sys.stderr)
            break

    model.load_state_dict(best_state)
    result = {"settings": settings, "epochs": epochs_log, "best_epoch": best_epoch, "best_dev_f1": best_f1}
    if test:
        t1 = time.perf_counter()
        test_scores = scores([tags for _, tags in test], predict(model, test_w, test, labels, args.eval_batch_size, pad_id))
        result["test"] = test_scores
        result["test_eval_secs"] = time.perf_counter() - t1
    result["train_secs_total"] = train_time_total
    result["pieces_per_sec"] = real_pieces_total / train_time_total if train_time_total else None
    result["total_secs"] = time.perf_counter() - t_start
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        model.save_pretrained(args.out)
        tokenizer.save_pretrained(args.out)
    result["out"] = args.out
    print(json.dumps({"result": result}), flush=True)
    if args.json_out:
        os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
        with open(args.json_out, "w") as f:
            json.dump(result, f, indent=2)
    summary = f"best epoch {best_epoch} dev F1 {best_f1:.4f}"
    if test:
        t = result["test"]
        summary += f" | test P {t['precision']:.4f} R {t['recall']:.4f} F1 {t['f1']:.4f} | " + " ".join(
            f"{k} {v['f1']:.4f}" for k, v in sorted(t["per_type"].items()))
    summary += f" | train {train_time_total:.1f}s total {result['total_secs']:.1f}s {result['pieces_per_sec']:.0f} pieces/s"
    print(summary, flush=True)


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--model", required=True, help="train: base encoder; retrain: the old fine-tuned model")
        p.add_argument("--train", required=True)
        p.add_argument("--dev", required=True)
        p.add_argument("--out", help="where to save_pretrained the best model and tokenizer")
        p.add_argument("--json-out")
        p.add_argument("--epochs", type=int, default=3)
        p.add_argument("--lr", type=float, default=5e-5)
        p.add_argument("--weight-decay", type=float, default=0.01)
        p.add_argument("--warmup-ratio", type=float, default=0.1)
        p.add_argument("--max-grad-norm", type=float, default=1.0)
        p.add_argument("--batch-size", type=int, default=16)
        p.add_argument("--eval-batch-size", type=int, default=32)
        p.add_argument("--bucket-batches", type=int, default=50)
        p.add_argument("--patience", type=int, default=3, help="0: run all epochs")
        p.add_argument("--min-delta", type=float, default=0.0)
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--max-len", type=int, default=128, help="word-pieces per window, [CLS] and [SEP] included")
        p.add_argument("--stride", type=int, default=None, help="word-pieces windows share; default max_len // 4")
        p.add_argument("--threads", type=int, default=1, help="torch threads (1 when sharing the machine)")
        p.add_argument("--limit", type=int, default=None, help="read only the first N sentences of each file")
        p.add_argument("--log-every", type=int, default=50, help="progress line every N steps (0: none)")

    p_train = sub.add_parser("train", help="fine-tune a base encoder with a fresh head")
    common(p_train)
    p_train.add_argument("--test")
    p_re = sub.add_parser("retrain", help="retrain a fine-tuned model for a new tagset")
    common(p_re)
    p_re.add_argument("--test", required=True)
    p_re.add_argument("--strategy", required=True, choices=["naive", "frozen", "full"])
    p_re.add_argument("--base", default=BASE_MODEL, help="base encoder for --strategy full")
    args = parser.parse_args(argv)
    run(args)


if __name__ == "__main__":
    main()
