#!/usr/bin/env python3
"""Tag a CoNLL file with a model folder retag wrote, using PyTorch alone.

    python scripts/run_head_export.py --model DIR --input IN --output OUT
    python scripts/run_head_export.py --model DIR --input IN --output OUT --compare retag-predictions.txt

DIR is either a plain HuggingFace token-classification folder (a linear head:
retag writes those for a linear head without a CRF) or a folder with
`retag-model.json`: the encoder as a HuggingFace `BertModel`, the head's
tensors in `head.safetensors` (docs/formats.md, "Heads other than linear" and
"Model folders with other heads"). The head is rebuilt here as retag applies
it at inference: no dropout, an MLP's hidden layers then its output layer, and
with a CRF a Viterbi search whose scores include retag's penalty on every move
the label scheme forbids, over the first subwords of each sentence's words.

IN: one `token tag` line per word (the line is split at its last space or
tab; a line without one is a token alone), a blank line between sentences,
`-DOCSTART-` lines skipped. Cut a multi-column file (CoNLL-2003's `token POS
chunk NER`) down to `token tag` first. OUT: `token predicted` lines, a blank
line after each sentence.

Unlike `retag predict`, which cuts a long sentence into overlapping windows,
a sentence with more subwords than the model's maximum length (the
tokenizer's `model_max_length`, else 512) is truncated: its words past the cut
are tagged `O`, and their number is reported on stderr. `--compare` then
disagrees with retag on them.

`--compare PRED` prints the share of words whose predicted tag (the last
column) equals PRED's, and exits with 1 below `--min-agreement` (0.999).
"""

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from transformers import AutoModel, AutoModelForTokenClassification, AutoTokenizer
from transformers.utils import logging

# retag's score for a move the scheme forbids (crates/heads/src/crf/constraints.rs).
FORBIDDEN = -10_000.0
# transformers writes model_max_length = 1e30 when it does not know it; retag then assumes 512.
SANE_MAX_LENGTH, DEFAULT_MAX_LENGTH = 1 << 20, 512
SCHEMES = {"io": "IO", "iob1": "IOB1", "iob2": "IOB2", "bio": "IOB2", "ioe2": "IOE2", "ioe": "IOE2",
           "bioes": "BIOES", "iobes": "BIOES", "bilou": "BILOU"}
# The prefixes each scheme writes, as Tag.parse reads them (BILOU's L, U are E, S).
PREFIXES = {"IO": "I", "IOB1": "BI", "IOB2": "BI", "IOE2": "IE", "BIOES": "BIES", "BILOU": "BIES"}


def read_conll(path):
    """Sentences as lists of (token, tag or None)."""
    sentences, sentence = [], []
    for line in Path(path).read_text(encoding="utf-8-sig").split("\n"):
        line = line.removesuffix("\r")
        if not line.strip(" \t"):
            if sentence:
                sentences.append(sentence)
            sentence = []
            continue
        cut = max(line.rfind(" "), line.rfind("\t"))
        token, tag = (line[:cut], line[cut + 1:]) if cut > 0 else (line, None)
        if token != "-DOCSTART-":
            sentence.append((token, tag))
    if sentence:
        sentences.append(sentence)
    return sentences


def parse_tag(label):
    """`B-geo-loc` -> ("B", "geo-loc"); `O` -> ("O", ""). Only the first `-` separates."""
    if label == "O":
        return "O", ""
    prefix, dash, kind = label.partition("-")
    normalised = {"B": "B", "I": "I", "E": "E", "L": "E", "S": "S", "U": "S"}.get(prefix)
    if not dash or not kind or normalised is None:
        sys.exit(f"label {label!r}: expected O or a prefix (B, I, E, S, L, U) and a type")
    return normalised, kind


def allowed(scheme, previous, following):
    """Whether tag `following` may come after tag `previous` (None: the sentence boundary).
    A port of `allowed` in crates/heads/src/crf/constraints.rs."""
    open_kind = None
    if previous is not None:
        prefix, kind = previous
        is_open = {"IOE2": prefix == "I", "BIOES": prefix in "BI", "BILOU": prefix in "BI"}.get(scheme, prefix != "O")
        open_kind = kind if is_open else None
    must_close = scheme in ("IOE2", "BIOES", "BILOU")
    if following is None or following[0] == "O":
        return not (must_close and open_kind is not None)
    prefix, kind = following
    continues, inside = open_kind == kind, prefix in "IE"
    if must_close and open_kind is not None and not (inside and continues):
        return False
    return {"IOB2": prefix != "I" or continues, "IOB1": prefix != "B" or continues,
            "BIOES": not inside or continues, "BILOU": not inside or continues}.get(scheme, True)


def crf_scores(tensors, labels, constraints):
    """The CRF's (transitions [from, to], start, end) plus FORBIDDEN on every forbidden move,
    as retag's `Crf::scores` adds them (the file holds the learned scores only)."""
    transitions, start, end = (tensors[f"crf.{name}"].cpu().clone() for name in ("transitions", "start", "end"))
    if constraints is None:
        return transitions, start, end
    scheme = SCHEMES[constraints.lower()]
    tags = [parse_tag(label) for label in labels]
    for label, (prefix, _) in zip(labels, tags):
        if prefix != "O" and prefix not in PREFIXES[scheme]:
            sys.exit(f"label {label!r}: prefix {prefix} is not used by {scheme}")
    for i, tag in enumerate(tags):
        start[i] += 0.0 if allowed(scheme, None, tag) else FORBIDDEN
        end[i] += 0.0 if allowed(scheme, tag, None) else FORBIDDEN
        for j, following in enumerate(tags):
            transitions[i, j] += 0.0 if allowed(scheme, tag, following) else FORBIDDEN
    return transitions, start, end


def viterbi(emissions, transitions, start, end):
    """The best label path through emissions [steps, labels]; ties go to the lower id, as in retag."""
    score, back = start + emissions[0], []
    for emission in emissions[1:]:
        best, previous = (score[:, None] + transitions).max(dim=0)
        score = best + emission
        back.append(previous)
    path = [int((score + end).argmax())]
    for previous in reversed(back):
        path.append(int(previous[path[-1]]))
    return path[::-1]


def load_model(model_dir, device):
    """(encoder returning [batch, seq, labels] scores, labels, CRF scores or None)."""
    description_path = model_dir / "retag-model.json"
    if not description_path.is_file():  # A plain HuggingFace token-classification folder.
        model = AutoModelForTokenClassification.from_pretrained(model_dir).to(device).eval()
        labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        return (lambda batch: model(**batch).logits), labels, None

    description = json.loads(description_path.read_text())
    spec, labels = description["head"], description["labels"]
    if (description["format"], description["version"], spec["version"]) != ("retag-model", 1, 1):
        sys.exit(f"{description_path}: not a version-1 retag model")
    if description.get("input_features") or description.get("adapter"):
        sys.exit(f"{description_path}: input features and adapters are not supported here")
    encoder = AutoModel.from_pretrained(model_dir, add_pooling_layer=False).to(device).eval()
    tensors = load_file(model_dir / description["head_weights"], device=str(device))

    # Dropout (spec["dropout"], mlp["dropout"]) is off at inference, so only the layers remain.
    if spec["kind"] == "linear":
        hidden_layers, output, activation = [], "classifier", None
    else:
        mlp = spec.get("mlp") or {}
        hidden_layers = ["classifier.dense" if i == 0 else f"classifier.dense_{i}" for i in range(mlp.get("layers", 1))]
        output = "classifier.out_proj"
        activation = {"gelu": F.gelu, "relu": F.relu, "tanh": torch.tanh}[mlp.get("activation", "gelu")]
    crf = spec.get("crf")
    expected = {f"{layer}.{part}" for layer in hidden_layers + [output] for part in ("weight", "bias")}
    expected |= {"crf.transitions", "crf.start", "crf.end"} if crf else set()
    if set(tensors) != expected:
        sys.exit(f"{description['head_weights']}: tensors {sorted(tensors)}, the head spec implies {sorted(expected)}")

    def scores(batch):
        x = encoder(**batch).last_hidden_state
        for layer in hidden_layers:
            x = activation(F.linear(x, tensors[f"{layer}.weight"], tensors[f"{layer}.bias"]))
        return F.linear(x, tensors[f"{output}.weight"], tensors[f"{output}.bias"])

    crf_tensors = crf_scores(tensors, labels, crf["constraints"]) if crf else None
    return scores, labels, crf_tensors


def tag(sentences, model_dir, batch_size, device):
    """One predicted label per word of every sentence."""
    scores, labels, crf = load_model(model_dir, device)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    max_length = tokenizer.model_max_length
    max_length = max_length if max_length <= SANE_MAX_LENGTH else DEFAULT_MAX_LENGTH
    predictions, truncated = [], 0
    for at in range(0, len(sentences), batch_size):
        # retag gives a word that tokenizes to nothing (a lone control character) the unknown token.
        words = [[token if tokenizer.tokenize(token) else tokenizer.unk_token for token, _ in sentence]
                 for sentence in sentences[at:at + batch_size]]
        batch = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length,
                          padding=True, return_tensors="pt")
        with torch.no_grad():
            emissions = scores({key: value.to(device) for key, value in batch.items()}).float().cpu()
        for row, sentence_words in enumerate(words):
            # A word is read at its first subword.
            firsts, seen = [], set()
            for position, word in enumerate(batch.word_ids(row)):
                if word is not None and word not in seen:
                    seen.add(word)
                    firsts.append(position)
            row_scores = emissions[row, firsts]
            ids = viterbi(row_scores, *crf) if crf else row_scores.argmax(-1).tolist()
            truncated += len(sentence_words) - len(ids)
            predictions.append([labels[i] for i in ids] + ["O"] * (len(sentence_words) - len(ids)))
    if truncated:
        print(f"{truncated} words past the maximum length of {max_length} subwords were tagged O", file=sys.stderr)
    return predictions


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="the model folder")
    parser.add_argument("--input", required=True, help="CoNLL file: `token [tag]` lines")
    parser.add_argument("--output", default="-", help="where to write `token predicted` lines (default: stdout)")
    parser.add_argument("--compare", help="another prediction file (e.g. `retag predict` output) to agree with")
    parser.add_argument("--min-agreement", type=float, default=0.999)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    logging.disable_progress_bar()

    sentences = read_conll(args.input)
    predictions = tag(sentences, args.model, args.batch_size, torch.device(args.device))
    text = "".join("".join(f"{token} {label}\n" for (token, _), label in zip(sentence, labels)) + "\n"
                   for sentence, labels in zip(sentences, predictions))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")

    if args.compare:
        other = read_conll(args.compare)
        if [len(s) for s in other] != [len(s) for s in sentences]:
            sys.exit(f"{args.compare}: its sentences do not have the words of {args.input}")
        pairs = [(mine, theirs) for labels, sentence in zip(predictions, other)
                 for mine, (_, theirs) in zip(labels, sentence)]
        share = sum(mine == theirs for mine, theirs in pairs) / max(len(pairs), 1)
        print(f"agreement with {args.compare}: {share:.6f} of {len(pairs)} words", file=sys.stderr)
        if share < args.min_agreement:
            sys.exit(1)


if __name__ == "__main__":
    main()
