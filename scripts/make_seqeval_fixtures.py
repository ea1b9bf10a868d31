#!/usr/bin/env python3
"""Regenerates the seqeval parity fixtures of retag-data's metrics.

Run from the repository root (the one that holds `crates/` and whose parent
holds `shared/data/`):

    /work/venv/bin/python scripts/make_seqeval_fixtures.py

It needs seqeval 1.2.2 (and numpy). For each gold file below and each
corruption rate it makes a prediction by corrupting the gold tags with a fixed
seed, scores it with seqeval in both modes, and writes into
crates/data/tests/fixtures/seqeval/:

- `<name>.r<rate>.tsv`: the prediction, as the positions where it differs
  from the gold tags: `token_index<TAB>tag` lines, `token_index` counting the
  tokens of the gold file from 0 (blank lines not counted);
- `<name>.r<rate>.json`: where the gold comes from, its size, and seqeval's
  numbers for `mode: default` (`classification_report(y_true, y_pred)`) and
  `mode: strict` (`mode="strict", scheme=IOB2`): per type, micro, macro and
  weighted precision/recall/f1/support, and `accuracy_score`, every float
  written with `repr` (full precision).

crates/data/tests/metrics_parity.rs reads these files and the gold data and
needs no Python. The corruptions are the mistakes metrics get wrong: a
changed type, an entity that starts with I- (B-/I- swapped), B-X I-Y, a
boundary shifted left or right, a deleted or inserted entity, random tags
(including a type the gold data does not have).
"""

import importlib.metadata
import json
import math
import os
import random
import sys
import warnings

from seqeval.metrics import accuracy_score
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.metrics.sequence_labeling import precision_recall_fscore_support as prfs_default
from seqeval.metrics.v1 import Entities
from seqeval.metrics.v1 import precision_recall_fscore_support as prfs_strict
from seqeval.scheme import IOB2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "crates", "data", "tests", "fixtures", "seqeval")

# (file under shared/data, fixture name)
CORPORA = [
    ("conll2003/test.txt", "conll2003-test"),
    ("wnut17/test.txt", "wnut17-test"),
    ("wnut16/train.txt", "wnut16-train"),
]
# Share of gold entities corrupted; random tags hit rate / 10 of the tokens.
RATES = [0.05, 0.2, 0.5]
# A type no gold file has, so that per-type scores include a type with support 0.
EXTRA_TYPE = "EXTRA"


def read_conll(path):
    """Sentences of tags. Each line splits on its LAST ASCII space or TAB
    (tokens may contain Unicode spaces); a blank line ends a sentence."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    sentences, current = [], []
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line == "":
            if current:
                sentences.append(current)
                current = []
            continue
        cut = max(line.rfind(" "), line.rfind("\t"))
        if cut < 0:
            sys.exit(f"{path}: a line without a tag: {line!r}")
        current.append(line[cut + 1:])
    if current:
        sentences.append(current)
    return sentences


def spans(tags):
    """IOB2 entities of one valid sentence: (start, end exclusive, type)."""
    out, start = [], None
    for i, tag in enumerate(tags + ["O"]):
        if start is not None and not (tag.startswith("I-") and tag[2:] == tags[start][2:]):
            out.append((start, i, tags[start][2:]))
            start = None
        if tag.startswith("B-"):
            start = i
    return out


def corrupt_sentence(gold, types, rate, rng):
    pred = list(gold)
    n = len(pred)
    other = lambda t: rng.choice([x for x in types if x != t] or [EXTRA_TYPE])
    for start, end, kind in spans(gold):
        if rng.random() >= rate:
            continue
        how = rng.choice(["type", "swap", "break", "left", "right", "delete", "truncate"])
        if how == "type":
            new = other(kind)
            for i in range(start, end):
                pred[i] = pred[i][:2] + new
        elif how == "swap":  # the entity starts with I-, and a B- may appear inside
            for i in range(start, end):
                pred[i] = ("I-" if pred[i].startswith("B-") else "B-") + pred[i][2:]
        elif how == "break":  # B-X I-Y
            if end - start > 1:
                i = rng.randrange(start + 1, end)
                pred[i] = "I-" + other(kind)
            elif end < n:
                pred[end] = "I-" + other(kind)
        elif how == "left" and start > 0:
            pred[start - 1] = "B-" + kind
            pred[start] = "I-" + kind
            if rng.random() < 0.5 and end - start > 1:
                pred[end - 1] = "O"
        elif how == "right" and end < n:
            pred[end] = "I-" + kind
            if rng.random() < 0.5:
                pred[start] = "O"
                if end - start > 1:
                    pred[start + 1] = "B-" + kind
        elif how == "delete":
            for i in range(start, end):
                pred[i] = "O"
        elif how == "truncate" and end - start > 1:
            pred[end - 1] = "O"
    # Inserted entities on stretches of O.
    if n and rng.random() < rate:
        i = rng.randrange(n)
        if pred[i] == "O":
            kind = rng.choice(types)
            pred[i] = "B-" + kind
            if i + 1 < n and pred[i + 1] == "O" and rng.random() < 0.5:
                pred[i + 1] = "I-" + kind
    # Random tags, any tag of the corpus or of the extra type.
    labels = ["O"] + [p + t for t in types + [EXTRA_TYPE] for p in ("B-", "I-")]
    for i in range(n):
        if rng.random() < rate / 10:
            pred[i] = rng.choice(labels)
    return pred


def scores(gold, pred, strict):
    if strict:
        names = sorted(Entities(gold, IOB2).unique_tags | Entities(pred, IOB2).unique_tags)
        prfs, kw = prfs_strict, {"scheme": IOB2}
    else:
        names = sorted({t for t, _, _ in get_entities(gold)} | {t for t, _, _ in get_entities(pred)})
        prfs, kw = prfs_default, {}

    def row(p, r, f, s):
        values = [float(p), float(r), float(f)]
        assert not any(math.isnan(v) for v in values), "NaN cannot be written as JSON"
        return {"precision": values[0], "recall": values[1], "f1": values[2], "support": int(s)}

    p, r, f, s = prfs(gold, pred, average=None, **kw)
    result = {"per_type": {name: row(*v) for name, *v in zip(names, p, r, f, s)}}
    for average in ("micro", "macro", "weighted"):
        result[average] = row(*prfs(gold, pred, average=average, **kw))
    result["accuracy"] = float(accuracy_score(gold, pred))
    return result


def main():
    version = importlib.metadata.version("seqeval")
    if version != "1.2.2":
        sys.exit(f"these fixtures pin seqeval 1.2.2, found {version}")
    warnings.filterwarnings("ignore")  # zero-division warnings are expected
    os.makedirs(OUT, exist_ok=True)
    for source, name in CORPORA:
        gold = read_conll(os.path.join(DATA, source))
        types = sorted({t for _, _, t in spans([tag for s in gold for tag in s + ["O"]])})
        flat_gold = [tag for sentence in gold for tag in sentence]
        for rate in RATES:
            rng = random.Random(f"{name}:{rate}")
            pred = [corrupt_sentence(sentence, types, rate, rng) for sentence in gold]
            flat_pred = [tag for sentence in pred for tag in sentence]
            stem = f"{name}.r{int(rate * 100):02d}"
            with open(os.path.join(OUT, stem + ".tsv"), "w", encoding="utf-8", newline="\n") as f:
                for i, (g, p) in enumerate(zip(flat_gold, flat_pred)):
                    if g != p:
                        f.write(f"{i}\t{p}\n")
            expected = {
                "gold": source,
                "sentences": len(gold),
                "tokens": len(flat_gold),
                "rate": rate,
                "corruptions": stem + ".tsv",
                "default": scores(gold, pred, strict=False),
                "strict": scores(gold, pred, strict=True),
            }
            with open(os.path.join(OUT, stem + ".json"), "w", encoding="utf-8", newline="\n") as f:
                json.dump(expected, f, indent=1, ensure_ascii=False)
                f.write("\n")
            print(f"{stem}: {sum(g != p for g, p in zip(flat_gold, flat_pred))} corrupted tags, "
                  f"default f1 {expected['default']['micro']['f1']:.4f}, strict f1 {expected['strict']['micro']['f1']:.4f}")


if __name__ == "__main__":
    main()
