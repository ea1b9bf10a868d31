#!/usr/bin/env python3
"""Check that transformers loads a retag-bert export cleanly and predicts the same.

Run from the repository root with the project venv:

    cargo run -p retag-bert --example export -- crates/bert/tests/fixtures/tiny-bert-ner /tmp/tiny-export
    /work/venv/bin/python scripts/check_export.py crates/bert/tests/fixtures/tiny-bert-ner /tmp/tiny-export

Loads both directories as BertForTokenClassification, fails if the export
has any missing, unexpected or mismatched key, or a different config (labels,
sizes, activation), and prints the largest logit difference on a padded batch
(expected: 0, the tensors are copied bit for bit).
"""

import sys

import torch
from transformers import BertForTokenClassification


def load(path):
    model, info = BertForTokenClassification.from_pretrained(
        path, output_loading_info=True, attn_implementation="eager"
    )
    return model.eval(), info


def main(original_dir, exported_dir):
    original, _ = load(original_dir)
    exported, info = load(exported_dir)
    problems = {key: value for key, value in info.items() if value}
    if problems:
        sys.exit(f"{exported_dir}: transformers reports {problems}")

    fields = ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
              "max_position_embeddings", "type_vocab_size", "vocab_size", "layer_norm_eps",
              "hidden_act", "id2label", "label2id", "num_labels"]
    for field in fields:
        a, b = getattr(original.config, field), getattr(exported.config, field)
        if a != b:
            sys.exit(f"{exported_dir}: config {field} is {b!r}, the original has {a!r}")

    torch.manual_seed(0)
    vocab = original.config.vocab_size
    input_ids = torch.randint(1, vocab, (3, 11))
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 6:] = 0
    attention_mask[2, 2:] = 0
    with torch.no_grad():
        a = original(input_ids=input_ids, attention_mask=attention_mask).logits
        b = exported(input_ids=input_ids, attention_mask=attention_mask).logits
    diff = (a - b).abs().max().item()
    print(f"{exported_dir}: no missing/unexpected/mismatched keys; config matches; "
          f"max abs logit diff vs {original_dir}: {diff:g}")
    if diff > 1e-6:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
