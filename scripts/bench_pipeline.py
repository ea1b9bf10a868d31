#!/usr/bin/env python3
"""The reference sides of `cargo xtask bench pipeline`: the programs a PyTorch
user would write for what `retag predict` and `retag retrain --strategy naive`
do, and predict on ONNX Runtime, each run as its own process and timed from
outside by the bench (wall time and peak resident memory of the whole
process, imports and model loading included, exactly as for `retag`).

    PY=../venv/bin/python
    $PY scripts/bench_pipeline.py make-model --base MiniLM_DIR --labels-from TRAIN.txt --out DIR
    $PY scripts/bench_pipeline.py onnx-export --model DIR --out ONNX_DIR
    $PY scripts/bench_pipeline.py predict --model DIR --input IN.txt --output OUT.txt [--threads 2]
        [--runtime torch|onnx-fp32|onnx-int8 --onnx-dir ONNX_DIR]
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

onnx-export: the checkpoint exported once with torch.onnx (TorchScript
  exporter, opset 17, dynamic batch and sequence axes; inputs input_ids and
  attention_mask, output logits) to ONNX_DIR/model.onnx, and a copy with its
  weights quantized to int8 by onnxruntime.quantization.quantize_dynamic
  (activations quantized at run time) to ONNX_DIR/model-int8.onnx. The fp32
  export is checked against torch on a padded batch before it is kept.
  Needs torch, onnx and onnxruntime.

predict: written the best way for CPU inference: sentences sorted by
  word-piece length in batches of 32, each padded to its own longest row
  (dynamic padding), the tag of a word read from its first word-piece. The
  fast tokenizer splits the words (is_split_into_words); sentences longer
  than the model's limit are truncated (retag windows them instead; WNUT-17
  has none that long). A word without any word-piece gets "O". Output:
  `token tag` lines, a blank line after each sentence.
  --runtime torch (default): transformers' model in eval() under
  torch.inference_mode(). --runtime onnx-fp32 / onnx-int8: ONNX Runtime's CPU
  provider on onnx-export's files, --threads intra-op threads, sequential
  execution, every graph optimization; the same batches and the same rule.
  Its tokenizer is the same tokenizer.json run by the `tokenizers` library
  directly (what transformers' fast tokenizer wraps, with the same
  truncation), so that the process imports neither torch nor transformers,
  as an ONNX Runtime deployment would not.

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
import inspect
import json
import os
import sys
import time

# What onnx-export writes, per predict --runtime.
ONNX_FILES = {"onnx-fp32": "model.onnx", "onnx-int8": "model-int8.onnx"}


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


def first_pieces(word_ids, words):
    """The position of each word's first word-piece (None for a word without
    any), from a tokenizer's word index per position."""
    firsts = [None] * words
    for position, word in enumerate(word_ids):
        if word is not None and firsts[word] is None:
            firsts[word] = position
    return firsts


def encode_words(tokenizer, sentences, max_len):
    """Word-piece ids and, per sentence, the position of each word's first
    word-piece, with transformers' fast tokenizer."""
    encoded = tokenizer(
        [tokens for tokens, _ in sentences],
        is_split_into_words=True,
        truncation=True,
        max_length=max_len,
    )
    return [
        (encoded["input_ids"][index], first_pieces(encoded.word_ids(index), len(sentences[index][0])))
        for index in range(len(sentences))
    ]


def encode_words_fast(tokenizer, sentences, max_len):
    """encode_words with the `tokenizers` library's Tokenizer on the same
    tokenizer.json (what the fast tokenizer wraps, truncated the same way):
    the same ids and first word-pieces without importing transformers."""
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_len)
    encoded = tokenizer.encode_batch([tokens for tokens, _ in sentences], is_pretokenized=True)
    return [(e.ids, first_pieces(e.word_ids, len(tokens))) for e, (tokens, _) in zip(encoded, sentences)]


def tag_words(rows, pad, batch_size, best_labels):
    """Label ids per word (None for a word without a word-piece): rows sorted
    by length, in batches padded to their own longest row; best_labels(ids,
    mask) gives each position's best label id for one batch (int64 arrays of
    [rows, width]). Returns the labels and the real and padded positions run."""
    import numpy as np

    order = sorted(range(len(rows)), key=lambda i: len(rows[i][0]))
    labels = [None] * len(rows)
    real = padded = 0
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        width = max(len(rows[i][0]) for i in batch)
        ids = np.full((len(batch), width), pad, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, i in enumerate(batch):
            n = len(rows[i][0])
            ids[row, :n] = rows[i][0]
            mask[row, :n] = 1
            real += n
        padded += len(batch) * width
        best = best_labels(ids, mask)
        for row, i in enumerate(batch):
            labels[i] = [None if p is None else best[row][p] for p in rows[i][1]]
    return labels, real, padded


def torch_predictor(args, sentences):
    """transformers on torch: the encoded rows, the pad id, the labels by id, the batch function."""
    set_threads(args.threads)
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForTokenClassification.from_pretrained(args.model, dtype=torch.float32).eval().to(args.device)
    max_len = min(tokenizer.model_max_length, model.config.max_position_embeddings)
    rows = encode_words(tokenizer, sentences, max_len)

    def best_labels(ids, mask):
        ids, mask = torch.from_numpy(ids).to(args.device), torch.from_numpy(mask).to(args.device)
        with torch.inference_mode():
            return model(input_ids=ids, attention_mask=mask).logits.argmax(-1).tolist()

    return rows, tokenizer.pad_token_id, model.config.id2label, best_labels


def onnx_predictor(args, sentences):
    """ONNX Runtime on the file onnx-export wrote for --runtime; as torch_predictor."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    if args.device != "cpu":
        raise SystemExit(f"--runtime {args.runtime} runs on the CPU only")
    if not args.onnx_dir:
        raise SystemExit(f"--runtime {args.runtime} needs --onnx-dir (the folder onnx-export wrote)")
    config = read_json(os.path.join(args.model, "config.json"))
    tokenizer_config = read_json(os.path.join(args.model, "tokenizer_config.json"), missing={})
    tokenizer = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    # As transformers reads them: model_max_length (none: no limit) and the pad token.
    max_len = min(tokenizer_config.get("model_max_length", sys.maxsize), config["max_position_embeddings"])
    pad = tokenizer.token_to_id(tokenizer_config.get("pad_token", "[PAD]")) or 0
    rows = encode_words_fast(tokenizer, sentences, max_len)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    path = os.path.join(args.onnx_dir, ONNX_FILES[args.runtime])
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def best_labels(ids, mask):
        return session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0].argmax(-1).tolist()

    id2label = {int(i): label for i, label in config["id2label"].items()}
    return rows, pad, id2label, best_labels


def read_json(path, missing=None):
    if missing is not None and not os.path.isfile(path):
        return missing
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def predict(args):
    started = time.perf_counter()
    sentences = read_conll(args.input)
    predictor = torch_predictor if args.runtime == "torch" else onnx_predictor
    rows, pad, id2label, best_labels = predictor(args, sentences)
    labels, real, padded = tag_words(rows, pad, args.batch_size, best_labels)
    with open(args.output, "w", encoding="utf-8") as out:
        for (tokens, _), predicted in zip(sentences, labels):
            for token, label in zip(tokens, predicted):
                out.write(f"{token} {'O' if label is None else id2label[label]}\n")
            out.write("\n")
    write_json(
        args.json_out,
        {
            "sentences": len(sentences),
            "words": sum(len(tokens) for tokens, _ in sentences),
            "word_pieces": real,
            "padded_word_pieces": padded,
            "runtime": args.runtime,
            "device": args.device,
            # ONNX Runtime's side must not pay for importing torch: checked, not assumed.
            "imported_torch": "torch" in sys.modules,
            "seconds": time.perf_counter() - started,
        },
    )


def onnx_export(args):
    """The checkpoint to ONNX (fp32) and its dynamically quantized int8 copy."""
    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(args.model, dtype=torch.float32).eval()
    os.makedirs(args.out, exist_ok=True)
    fp32, int8 = (os.path.join(args.out, ONNX_FILES[runtime]) for runtime in ("onnx-fp32", "onnx-int8"))
    # An example with padding, so that the traced graph keeps the attention mask.
    ids = torch.tensor([[101, 7592, 2088, 999, 102, 0], [101, 7592, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    axes = {0: "batch", 1: "sequence"}
    # torch 2.9+ defaults to the dynamo exporter (which needs onnxscript); the
    # TorchScript one exports BERT with these dynamic axes as written.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, mask),
            fp32,
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": axes},
            opset_version=17,
            **legacy,
        )
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8)
        # Checked on another shape than the example's, padded: a fixed axis or
        # a dropped mask fails here, not as a quietly lower tag agreement.
        ids = torch.randint(1000, model.config.vocab_size, (3, 11), generator=torch.Generator().manual_seed(0))
        mask = torch.ones_like(ids)
        mask[1, 7:], mask[2, 3:] = 0, 0
        expected = model(input_ids=ids, attention_mask=mask).logits.numpy()
    real = mask.numpy().astype(bool)
    for path in (fp32, int8):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        got = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        error = float(np.abs(got - expected)[real].max())
        same = float((got.argmax(-1) == expected.argmax(-1))[real].mean())
        print(
            f"{path}: {os.path.getsize(path) / 2**20:.0f} MiB, max |logit - torch's| {error:.2g},"
            f" the same best label at {100 * same:.0f}% of positions",
            file=sys.stderr,
        )
        if path == fp32 and error > 1e-3:
            raise SystemExit(f"{fp32}: the export's logits differ from torch's by {error}")


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
    p = commands.add_parser("onnx-export", help="the checkpoint to ONNX, fp32 and dynamically quantized int8")
    p.add_argument("--model", required=True, help="the checkpoint make-model wrote")
    p.add_argument("--out", required=True, help="the folder for model.onnx and model-int8.onnx")
    p.set_defaults(run=onnx_export)
    p = commands.add_parser("predict", help="tag a CoNLL file's words, batches sorted by length")
    p.add_argument("--runtime", choices=["torch", *ONNX_FILES], default="torch")
    p.add_argument("--onnx-dir", help="what onnx-export wrote (for --runtime onnx-*)")
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
