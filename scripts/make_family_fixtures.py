#!/usr/bin/env python3
"""Regenerate the tiny RoBERTa, XLM-RoBERTa and DistilBERT checkpoints that
retag-bert's model families are checked against, with transformers and
tokenizers alone (no hub, no download).

Run from the repository root with the project venv (torch + transformers):

    ~/venv-torch/bin/python scripts/make_family_fixtures.py

For each family it writes crates/bert/tests/fixtures/tiny-FAMILY-ner/ (a
random 2-layer, hidden-32 ...ForTokenClassification with labels O, B/I-PER,
B/I-LOC, saved with save_pretrained, and its tokenizer) and
tiny-FAMILY-ner.expected.json beside it: four pre-split sentences, the batch
transformers' tokenizer makes of them (is_split_into_words=True, padded), the
word of each token, and the model's last hidden states and logits on it.
Committed; read by crates/bert/tests/families.rs and the CLI's round trip
(crates/cli/tests/families.rs), which need no Python.

The tokenizers are trained here on generated text (TRAINING_LINES sentences
drawn with a fixed seed from the word lists below), and built by transformers'
own tokenizer classes from the trained vocabularies:

- roberta: byte-level BPE, trained by tokenizers' ByteLevelBPETokenizer. Its
  tokenizer.json keeps add_prefix_space false, as roberta-base's does; the
  reference batch is made with add_prefix_space=True, as transformers
  requires for pre-split words, so retag must add the leading space (Ġ) to
  every word itself.
- xlm-roberta: SentencePiece Unigram (Metaspace, ▁), a unigram language
  model of the words' pieces with log-frequency scores.
- distilbert: cased WordPiece, characters, frequent words and frequent
  continuations.

The Unigram and WordPiece vocabularies are counted here rather than trained
by tokenizers' trainers, which break ties in hash order: a rerun of this
script rewrites the same files.

The weights are re-initialised large (std 0.5, random LayerNorm and biases,
as in make_encoder_fixture.py) so that a wrong mask, position or layer name
moves the outputs far beyond the 1e-4 tolerance.
"""

import json
import math
import random
from collections import Counter
from pathlib import Path

import tokenizers
import torch
import transformers
from make_encoder_fixture import rounded
from tokenizers import ByteLevelBPETokenizer
from transformers import (
    DistilBertConfig,
    DistilBertForTokenClassification,
    DistilBertTokenizer,
    RobertaConfig,
    RobertaForTokenClassification,
    RobertaTokenizer,
    XLMRobertaConfig,
    XLMRobertaForTokenClassification,
    XLMRobertaTokenizer,
)

FIXTURES = Path("crates/bert/tests/fixtures")
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
TRAINING_LINES = 400

PEOPLE = ["Marie Curie", "Ada Lovelace", "Alan Turing", "Émile Zola", "Søren Kierkegaard", "Bob", "Ann Smith",
          "Jürgen Habermas", "Frida Kahlo", "Nikola Tesla", "Chiara Lubich", "José Saramago"]
PLACES = ["Paris", "Warsaw", "London", "Zürich", "São Paulo", "Kraków", "New York", "Reykjavík", "Berlin",
          "Ærøskøbing", "Lyon", "Québec"]
VERBS = ["was born in", "moved to", "worked in", "visited", "lived near", "wrote about", "left", "returned to"]
TAILS = ["in 1867 .", "last year .", "with friends .", "before the war .", "again !", ".", ", they say .",
         "and stayed there .", "for a long time ."]

# Pre-split sentences for the parity batch: lengths differ so that padding
# takes part; accents, a word no tokenizer has seen whole, and a character
# outside the Unigram and WordPiece vocabularies (an <unk>/[UNK]).
SENTENCES = [
    ["Marie", "Curie", "was", "born", "in", "Warsaw", "and", "worked", "in", "Paris", "."],
    ["Hello", "Zürich", "!"],
    ["Søren", "Kierkegaard", "visited", "Ærøskøbing", "with", "Quixotic", "friends", "☃", "."],
    ["Bob", "."],
]


def training_text():
    rng = random.Random(20260501)
    lines = []
    for _ in range(TRAINING_LINES):
        lines.append(" ".join([rng.choice(PEOPLE), rng.choice(VERBS), rng.choice(PLACES), rng.choice(TAILS)]))
    return lines


def randomize(model):
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "LayerNorm.weight" in name or "layer_norm.weight" in name:
                param.copy_(1.0 + 0.2 * torch.randn_like(param))
            elif name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name:
                param.copy_(0.3 * torch.randn_like(param))
            else:
                param.copy_(0.5 * torch.randn_like(param))


def roberta_tokenizer(lines):
    trainer = ByteLevelBPETokenizer(add_prefix_space=True)
    trainer.train_from_iterator(lines, vocab_size=400, min_frequency=2,
                                special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    model = json.loads(trainer._tokenizer.to_str())["model"]
    # transformers' own construction from vocab and merges, as from roberta-base's vocab.json and merges.txt.
    return RobertaTokenizer(vocab=model["vocab"], merges=[tuple(m) for m in model["merges"]])


def substring_counts(forms, lengths, inner_only=False):
    """How often each substring of `lengths` occurs in `forms` (word -> count);
    with `inner_only`, only substrings that do not start the word."""
    counts = Counter()
    for form, count in forms.items():
        for length in lengths:
            for start in range(1 if inner_only else 0, len(form) - length + 1):
                counts[form[start:start + length]] += count
    return counts


def top(counts, minimum, limit):
    """The `limit` most frequent keys seen at least `minimum` times, ties by key."""
    kept = sorted((piece for piece, count in counts.items() if count >= minimum), key=lambda p: (-counts[p], p))
    return kept[:limit]


def xlm_roberta_tokenizer(lines):
    # A unigram language model over the words' pieces, counted in one pass:
    # tokenizers' Unigram trainer breaks ties in hash order, and a rerun of
    # this script must give the same fixture. Every word gets its ▁ (Metaspace).
    words = Counter(word for line in lines for word in line.split())
    forms = Counter()
    for word, count in words.items():
        forms["▁" + word] += count
    chars = substring_counts(forms, [1])
    longer = top(substring_counts(forms, range(2, 7)), minimum=60, limit=120)
    kept = {piece: count for piece, count in chars.items()}
    kept.update((piece, substring_counts(forms, [len(piece)])[piece]) for piece in longer)
    total = sum(kept.values())
    specials = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("<mask>", 0.0)]
    pieces = sorted(kept, key=lambda p: (-kept[p], p))
    return XLMRobertaTokenizer(vocab=specials + [(piece, math.log(kept[piece] / total)) for piece in pieces])


def distilbert_tokenizer(lines):
    # A WordPiece vocabulary counted in one pass, for the same reason: the
    # characters (alone and as ## continuations), the frequent words, and
    # frequent word-inner pieces, so that rarer words split.
    words = Counter(word for line in lines for word in line.split())
    chars = sorted({c for word in words for c in word})
    inner = top(substring_counts(words, range(2, 5), inner_only=True), minimum=40, limit=60)
    whole = top(words, minimum=20, limit=120)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + chars + ["##" + c for c in chars]
    vocab += [w for w in whole if w not in vocab] + ["##" + piece for piece in inner]
    return DistilBertTokenizer(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=False)


def common(config_class, vocab_size, **extra):
    return config_class(
        vocab_size=vocab_size,
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        attn_implementation="eager",
        **extra,
    )


def make(family, tokenizer, config, model_class, reference_options=None):
    """Saves a random model and `tokenizer`, and the expected outputs on the
    batch that `tokenizer`, reloaded with `reference_options`, makes of SENTENCES."""
    directory = FIXTURES / f"tiny-{family}-ner"
    directory.mkdir(parents=True, exist_ok=True)
    model = model_class(config).eval()
    randomize(model)
    tokenizer.save_pretrained(directory)
    model.save_pretrained(directory)

    reference = type(tokenizer).from_pretrained(directory, **(reference_options or {}))
    batch = reference(SENTENCES, is_split_into_words=True, padding=True, return_tensors="pt")
    word_ids = [batch.word_ids(row) for row in range(len(SENTENCES))]
    inputs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    if "token_type_ids" in batch and family != "distilbert":
        inputs["token_type_ids"] = batch["token_type_ids"]
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True)

    pieces = [reference.convert_ids_to_tokens(row) for row in batch["input_ids"].tolist()]
    expected = {
        "generated_by": "scripts/make_family_fixtures.py",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "sentences": SENTENCES,
        "tokens": pieces,
        "input_ids": batch["input_ids"].tolist(),
        "attention_mask": batch["attention_mask"].tolist(),
        "word_ids": word_ids,
        "last_hidden_state": rounded(out.hidden_states[-1]),
        "logits": rounded(out.logits),
    }
    path = FIXTURES / f"tiny-{family}-ner.expected.json"
    path.write_text(json.dumps(expected, ensure_ascii=False) + "\n")
    print(f"wrote {directory} and {path}")
    return pieces, word_ids


def first_pieces(pieces, word_ids):
    """Each word's first token, as transformers' word_ids() place it."""
    firsts = []
    for row, ids in zip(pieces, word_ids):
        seen = set()
        for token, word in zip(row, ids):
            if word is not None and word not in seen:
                seen.add(word)
                firsts.append(token)
    return firsts


def main():
    lines = training_text()
    torch.manual_seed(20260501)

    tokenizer = roberta_tokenizer(lines)
    config = common(RobertaConfig, len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=37, max_position_embeddings=66, type_vocab_size=1, layer_norm_eps=1e-5,
                    pad_token_id=1, bos_token_id=0, eos_token_id=2)
    # roberta-base's tokenizer.json has add_prefix_space false; pre-split words need it true.
    pieces, word_ids = make("roberta", tokenizer, config, RobertaForTokenClassification,
                            reference_options={"add_prefix_space": True})
    firsts = first_pieces(pieces, word_ids)
    assert all(token.startswith("Ġ") for token in firsts), f"every word starts with Ġ: {firsts}"

    tokenizer = xlm_roberta_tokenizer(lines)
    config = common(XLMRobertaConfig, len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=37, max_position_embeddings=66, type_vocab_size=1, layer_norm_eps=1e-5,
                    pad_token_id=1, bos_token_id=0, eos_token_id=2, hidden_act="gelu")
    pieces, word_ids = make("xlm-roberta", tokenizer, config, XLMRobertaForTokenClassification)
    firsts = first_pieces(pieces, word_ids)
    assert all(token.startswith("▁") for token in firsts), f"every word starts with ▁: {firsts}"
    assert "▁" in firsts, "some word's first piece is a bare ▁, the case alignment must read as transformers does"
    assert "<unk>" in sum(pieces, []), "a character outside the vocabulary"

    tokenizer = distilbert_tokenizer(lines)
    config = common(DistilBertConfig, len(tokenizer), dim=32, n_layers=2, n_heads=4, hidden_dim=37,
                    max_position_embeddings=64, activation="gelu", pad_token_id=0)
    pieces, _ = make("distilbert", tokenizer, config, DistilBertForTokenClassification)
    assert "[UNK]" in sum(pieces, []), "a character outside the vocabulary"


if __name__ == "__main__":
    main()
