#!/usr/bin/env python3
"""Check that transformers loads a retag-bert export cleanly and predicts the same.

Run from the repository root with the project venv:

    cargo run -p retag-bert --example export -- crates/bert/tests/fixtures/tiny-bert-ner /tmp/tiny-export
    /work/venv/bin/python scripts/check_export.py crates/bert/tests/fixtures/tiny-bert-ner /tmp/tiny-export

Any family retag reads works the same way (tiny-roberta-ner,
tiny-xlm-roberta-ner, tiny-distilbert-ner). Loads both directories with
AutoModelForTokenClassification, fails if the export is another class, has
any missing, unexpected or mismatched key, or a config field retag wrote
that differs from the original's (labels, sizes, activation, padding id...),
and prints the largest logit difference on a padded batch (expected: 0, the
tensors are copied bit for bit).
"""

import json
import sys
from pathlib import Path

import torch
from transformers import AutoModelForTokenClassification


def load(path):
    model, info = AutoModelForTokenClassification.from_pretrained(
        path, output_loading_info=True, attn_implementation="eager"
    )
    return model.eval(), info


def main(original_dir, exported_dir):
    original, _ = load(original_dir)
    exported, info = load(exported_dir)
    problems = {key: value for key, value in info.items() if value}
    if problems:
        sys.exit(f"{exported_dir}: transformers reports {problems}")
    if type(exported) is not type(original):
        sys.exit(f"{exported_dir}: loads as {type(exported).__name__}, the original as {type(original).__name__}")

    written = json.loads((Path(exported_dir) / "config.json").read_text())
    for field in written:
        if field == "transformers_version":
            continue
        a, b = getattr(original.config, field), getattr(exported.config, field)
        if a != b:
            sys.exit(f"{exported_dir}: config {field} is {b!r}, the original has {a!r}")

    torch.manual_seed(0)
    vocab = original.config.vocab_size
    input_ids = torch.randint(3, vocab, (3, 11))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 6:] = 0
    attention_mask[2, 2:] = 0
    input_ids[attention_mask == 0] = original.config.pad_token_id
    with torch.no_grad():
        a = original(input_ids=input_ids, attention_mask=attention_mask).logits
        b = exported(input_ids=input_ids, attention_mask=attention_mask).logits
    diff = (a - b).abs().max().item()
    print(f"{exported_dir}: {type(exported).__name__}, no missing/unexpected/mismatched keys; config matches; "
          f"max abs logit diff vs {original_dir}: {diff:g}")
    if diff > 1e-6:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
