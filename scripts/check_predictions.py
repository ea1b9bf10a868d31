#!/usr/bin/env python3
"""Check that transformers, loading a model folder retag wrote, tags words as
`retag predict` tagged them.

Run from the repository root with the project venv:

    retag predict --model MODEL_DIR --input DATA.txt --output PRED.txt
    ~/venv-torch/bin/python scripts/check_predictions.py MODEL_DIR PRED.txt

Loads MODEL_DIR with AutoTokenizer and AutoModelForTokenClassification
(failing on any missing or unexpected key), tags each sentence of PRED.txt
(CoNLL: the token, then retag's tag) as transformers' token-classification
recipe reads a word, at its first token of `is_split_into_words=True`
(`add_prefix_space=True` for byte-level BPE tokenizers), and fails on any
word whose tag differs from retag's. For a linear head without a CRF, on
sentences that fit one window.
"""

import sys

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer


def sentences(path):
    block = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if block:
                yield block
            block = []
        else:
            token, tag = line.split(" ")[0], line.split(" ")[-1]
            block.append((token, tag))
    if block:
        yield block


def main(model_dir, predicted):
    model, info = AutoModelForTokenClassification.from_pretrained(
        model_dir, output_loading_info=True, attn_implementation="eager"
    )
    problems = {key: value for key, value in info.items() if value}
    if problems:
        sys.exit(f"{model_dir}: transformers reports {problems}")
    model.eval()
    byte_level = model.config.model_type in {"roberta", "gpt2"}
    tokenizer = AutoTokenizer.from_pretrained(model_dir, **({"add_prefix_space": True} if byte_level else {}))
    words = tags = differ = 0
    for block in sentences(predicted):
        tokens = [token for token, _ in block]
        batch = tokenizer(tokens, is_split_into_words=True, return_tensors="pt")
        with torch.no_grad():
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[0]
        seen = set()
        for position, word in enumerate(batch.word_ids(0)):
            if word is None or word in seen:
                continue
            seen.add(word)
            label = model.config.id2label[int(logits[position].argmax())]
            words += 1
            if label != block[word][1]:
                differ += 1
                print(f"{tokens[word]!r}: transformers {label}, retag {block[word][1]}")
        tags += len(block)
    if words != tags:
        sys.exit(f"{model_dir}: {words} words read, {tags} tagged")
    print(f"{model_dir}: {type(model).__name__}, no missing/unexpected keys; {words - differ} of {words} words tagged alike")
    if differ:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
