#!/usr/bin/env python3
"""PyTorch's side of `cargo xtask bench pipeline`: the programs a PyTorch user
would write for what `retag predict` and `retag retrain --strategy naive` do,
each run as its own process and timed from outside by the xtask (wall time and
peak resident memory of the whole process, imports and model loading
included, exactly as for `retag`).

    PY=../venv/bin/python
    $PY scripts/bench_pipeline.py make-model --base MiniLM_DIR --labels-from TRAIN.txt --out DIR
    $PY scripts/bench_pipeline.py predict --model DIR --input IN.txt --output OUT.txt [--threads 2]
    $PY scripts/bench_pipeline.py naive --model DIR --train T.txt --dev D.txt --test E.txt [--threads 2]

Both predict and naive take --device cuda to run on an NVIDIA GPU (the GPU
figures of docs/performance.md, scripts/gpu/check.sh); the default is cpu.

(The frozen-encoder case runs `scripts/reference_retrain.py retrain --strategy
frozen`, the project's PyTorch reference of retag's recipe.)

make-model: the bench's token-classification checkpoint. MiniLM with a
  classifier for the labels of --labels-from ("O", then B-/I- per type sorted
  by name: retag's tagset order), initialised by transformers with
  torch.manual_seed(--seed), saved with save_pretrained next to the
  tokenizer. retag and PyTorch load this same folder.

predict: written the best way for CPU inference: eval(), torch.inference_mode(),
  sentences sorted by word-piece length in batches of 32, each padded to its
  own longest row (dynamic padding), the tag of a word read from its first
  word-piece. The fast tokenizer splits the words (is_split_into_words);
  sentences longer than the model's limit are truncated (retag windows them
  instead; WNUT-17 has none that long). A word without any word-piece gets
  "O". Output: `token tag` lines, a blank line after each sentence.

naive: transformers' Trainer, 1 epoch (--epochs), batch 16, lr 5e-5, 10%
  warm-up, weight decay 0.01, gradient clipping 1.0, group_by_length, from
  the checkpoint with a fresh classifier for the training labels (as retag's
  naive strategy); then the dev and test sets are predicted once with
  Trainer.predict (retag scores dev after each epoch and test at the end).
  Labels on the first word-piece of each word, -100 elsewhere.

Each command writes (--json-out) what it counted: words, real (non-padding)
word-pieces, padded positions, and its own in-process seconds.
"""

import argparse
import json
import sys
import time


def read_conll(path, limit=None):
    """Sentences of a CoNLL file as (tokens, tags): each line split at its LAST
    space or tab (tokens may hold other whitespace), the file only at "\\n"."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    sentences, tokens, tags = [], [], []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if line == "":
            if tokens:
                sentences.append((tokens, tags))
                tokens, tags = [], []
                if limit is not None and len(sentences) >= limit:
                    break
            continue
        cut = max(line.rfind(" "), line.rfind("\t"))
        if cut <= 0:
            raise SystemExit(f"{path}:{number}: no separator before the tag in {line!r}")
        tokens.append(line[:cut])
        tags.append(line[cut + 1 :])
    if tokens:
        sentences.append((tokens, tags))
    return sentences


def tagset(sentences):
    """retag's Tagset::from_sentences for IOB2: "O", then B-/I- per type sorted by name."""
    types = sorted({tag[2:] for _, tags in sentences for tag in tags if tag != "O"})
    return ["O"] + [f"{prefix}-{name}" for name in types for prefix in ("B", "I")]


def set_threads(threads):
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:
        pass  # already set by an earlier parallel call


def write_json(path, value):
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2)
            f.write("\n")


def make_model(args):
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    labels = tagset(read_conll(args.labels_from))
    torch.manual_seed(args.seed)
    model = AutoModelForTokenClassification.from_pretrained(
        args.base,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    model.save_pretrained(args.out)
    AutoTokenizer.from_pretrained(args.base).save_pretrained(args.out)
    print(f"{args.out}: MiniLM + a random classifier for {len(labels)} labels (seed {args.seed})", file=sys.stderr)


def encode_words(tokenizer, sentences, max_len):
    """Word-piece ids and, per sentence, the position of each word's first
    word-piece (None for a word without any)."""
    encoded = tokenizer(
        [tokens for tokens, _ in sentences],
        is_split_into_words=True,
        truncation=True,
        max_length=max_len,
    )
    rows = []
    for index in range(len(sentences)):
        firsts = [None] * len(sentences[index][0])
        for position, word in enumerate(encoded.word_ids(index)):
            if word is not None and firsts[word] is None:
                firsts[word] = position
        rows.append((encoded["input_ids"][index], firsts))
    return rows


def predict(args):
    started = time.perf_counter()
    set_threads(args.threads)
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForTokenClassification.from_pretrained(args.model, dtype=torch.float32).eval().to(args.device)
    id2label = model.config.id2label
    sentences = read_conll(args.input)
    max_len = min(tokenizer.model_max_length, model.config.max_position_embeddings)
    rows = encode_words(tokenizer, sentences, max_len)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    tags = [None] * len(rows)
    pad = tokenizer.pad_token_id
    real = padded = 0
    with torch.inference_mode():
        for start in range(0, len(order), args.batch_size):
            batch = order[start : start + args.batch_size]
            width = max(len(rows[i][0]) for i in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                n = len(rows[i][0])
                ids[row, :n] = torch.tensor(rows[i][0])
                mask[row, :n] = 1
                real += n
            padded += len(batch) * width
            ids, mask = ids.to(args.device), mask.to(args.device)
            best = model(input_ids=ids, attention_mask=mask).logits.argmax(-1).tolist()
            for row, i in enumerate(batch):
                tags[i] = ["O" if p is None else id2label[best[row][p]] for p in rows[i][1]]
    with open(args.output, "w", encoding="utf-8") as out:
        for (tokens, _), predicted in zip(sentences, tags):
            for token, tag in zip(tokens, predicted):
                out.write(f"{token} {tag}\n")
            out.write("\n")
    write_json(
        args.json_out,
        {
            "sentences": len(sentences),
            "words": sum(len(tokens) for tokens, _ in sentences),
            "word_pieces": real,
            "padded_word_pieces": padded,
            "device": args.device,
            "seconds": time.perf_counter() - started,
        },
    )


class LabelledWords(list):
    """Training examples for the Trainer: dicts of input_ids, attention_mask
    and labels (the word's label on its first word-piece, -100 elsewhere)."""

    @classmethod
    def build(cls, tokenizer, sentences, label_ids, max_len):
        out = cls()
        for (_, tags), (ids, firsts) in zip(sentences, encode_words(tokenizer, sentences, max_len)):
            labels = [-100] * len(ids)
            for tag, position in zip(tags, firsts):
                if position is not None:
                    labels[position] = label_ids[tag]
            out.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels})
        return out


def naive(args):
    started = time.perf_counter()
    set_threads(args.threads)
    import tempfile

    import torch
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
    )

    train, dev, test = (read_conll(path) for path in (args.train, args.dev, args.test))
    labels = tagset(train)
    label_ids = {label: i for i, label in enumerate(labels)}
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    torch.manual_seed(args.seed)
    # A fresh classifier for the training labels, as retag's naive strategy.
    model = AutoModelForTokenClassification.from_pretrained(
        args.model,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id=label_ids,
        ignore_mismatched_sizes=True,
        dtype=torch.float32,
    )
    max_len = min(tokenizer.model_max_length, model.config.max_position_embeddings)
    train_set, dev_set, test_set = (
        LabelledWords.build(tokenizer, split, label_ids, max_len) for split in (train, dev, test)
    )
    with tempfile.TemporaryDirectory() as scratch:
        settings = TrainingArguments(
            output_dir=scratch,
            num_train_epochs=args.epochs,
            per_device_train_batch_size=16,
            per_device_eval_batch_size=32,
            learning_rate=5e-5,
            weight_decay=0.01,
            warmup_steps=0.1,  # a float below 1: a share of the steps (transformers 5)
            max_grad_norm=1.0,
            train_sampling_strategy="group_by_length",  # transformers 4's group_by_length=True
            save_strategy="no",
            eval_strategy="no",
            logging_strategy="no",
            report_to=[],
            use_cpu=args.device == "cpu",
            dataloader_num_workers=0,
            seed=args.seed,
            disable_tqdm=True,
        )
        trainer = Trainer(
            model=model,
            args=settings,
            train_dataset=train_set,
            data_collator=DataCollatorForTokenClassification(tokenizer),
            processing_class=tokenizer,
        )
        trained = trainer.train()
        scoring = time.perf_counter()
        for split in (dev_set, test_set):
            trainer.predict(split)
        predict_seconds = time.perf_counter() - scoring
    real = sum(len(example["input_ids"]) for example in train_set) * args.epochs
    write_json(
        args.json_out,
        {
            "train_sentences": len(train),
            "epochs": args.epochs,
            "word_pieces": real,
            "train_seconds": trained.metrics["train_runtime"],
            "word_pieces_per_s_in_training": real / trained.metrics["train_runtime"],
            "predict_seconds": predict_seconds,
            "device": args.device,
            "seconds": time.perf_counter() - started,
        },
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("make-model", help="MiniLM + a seeded random classifier, saved for both sides")
    p.add_argument("--base", required=True, help="the plain encoder (all-MiniLM-L6-v2)")
    p.add_argument("--labels-from", required=True, help="a CoNLL file whose tags give the labels")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=make_model)
    p = commands.add_parser("predict", help="tag a CoNLL file's words, batches sorted by length")
    p.add_argument("--model", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json-out")
    p.add_argument("--device", default="cpu", help="cpu, or cuda for an NVIDIA GPU")
    p.set_defaults(run=predict)
    p = commands.add_parser("naive", help="transformers' Trainer, every weight trains")
    p.add_argument("--model", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--dev", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json-out")
    p.add_argument("--device", default="cpu", help="cpu, or cuda for an NVIDIA GPU")
    p.set_defaults(run=naive)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
