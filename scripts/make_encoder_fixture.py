#!/usr/bin/env python3
"""Regenerate the PyTorch reference outputs that retag-bert is checked against.

Run from the repository root with the project venv (torch + transformers):

    /work/venv/bin/python scripts/make_encoder_fixture.py tiny
        Writes crates/bert/tests/fixtures/tiny-bert-ner/ (a random 2-layer,
        hidden-32 BertForTokenClassification saved with save_pretrained) and
        expected.json next to it: a padded batch, its hidden states and logits
        for each hidden_act the Rust code supports. Committed; read by
        crates/bert/tests/parity_tiny.rs, which needs no Python.

    /work/venv/bin/python scripts/make_encoder_fixture.py minilm MODEL_DIR OUT.json
        Runs transformers' BertModel from MODEL_DIR (e.g. /work/models/all-MiniLM-L6-v2)
        on four padded sentences of different lengths and writes input_ids,
        attention_mask and last_hidden_state to OUT.json, for the hand-run check
            cargo run -p retag-bert --example parity -- MODEL_DIR OUT.json

    /work/venv/bin/python scripts/make_encoder_fixture.py ner MODEL_DIR OUT.json
        The same for a token-classification checkpoint fine-tuned with
        transformers (AutoModelForTokenClassification): also writes the logits,
        which the parity example then checks as well.

The tiny model is re-initialised with large weights (std 0.5, random LayerNorm
and biases) so that attention is far from uniform: with BERT's default
std 0.02 a wrong attention mask would barely move the outputs.
"""

import json
import sys
from pathlib import Path

import torch
from transformers import AutoTokenizer, BertConfig, BertForTokenClassification, BertModel

TINY_DIR = Path("crates/bert/tests/fixtures/tiny-bert-ner")
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
SENTENCES = [
    "Marie Curie was born in Warsaw and worked in Paris.",
    "Hello world.",
    "The quick brown fox jumps over the lazy dog near Berlin.",
    "Rust!",
]


def rounded(tensor):
    """Nested lists of floats with 8 significant digits: enough for 1e-6 checks, half the bytes."""

    def round_nested(value):
        if isinstance(value, list):
            return [round_nested(v) for v in value]
        return float(f"{value:.8g}")

    return round_nested(tensor.tolist())


def make_tiny():
    torch.manual_seed(20260425)
    config = BertConfig(
        vocab_size=100,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=64,
        type_vocab_size=2,
        hidden_act="gelu",
        layer_norm_eps=1e-12,
        pad_token_id=0,
        id2label=dict(enumerate(LABELS)),
        attn_implementation="eager",
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    model = BertForTokenClassification(config).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "LayerNorm.weight" in name:
                param.copy_(1.0 + 0.2 * torch.randn_like(param))
            elif name.endswith("bias") or "LayerNorm" in name:
                param.copy_(0.3 * torch.randn_like(param))
            else:
                param.copy_(0.5 * torch.randn_like(param))

    # Lengths 9, 5, 2 padded to 9; token types 0/1 on real tokens.
    lengths = [9, 5, 2]
    seq = max(lengths)
    input_ids = torch.zeros(len(lengths), seq, dtype=torch.long)
    token_type_ids = torch.zeros_like(input_ids)
    attention_mask = torch.zeros_like(input_ids)
    for row, length in enumerate(lengths):
        input_ids[row, :length] = torch.randint(1, config.vocab_size, (length,))
        token_type_ids[row, :length] = torch.randint(0, 2, (length,))
        attention_mask[row, :length] = 1

    outputs = {}
    for act in ["gelu", "gelu_new", "relu"]:
        model.config.hidden_act = act
        variant = BertForTokenClassification(model.config).eval()
        variant.load_state_dict(model.state_dict())
        with torch.no_grad():
            out = variant(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                output_hidden_states=True,
            )
        outputs[act] = {
            "last_hidden_state": rounded(out.hidden_states[-1]),
            "logits": rounded(out.logits),
        }
    model.config.hidden_act = "gelu"

    TINY_DIR.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(TINY_DIR)
    expected = {
        "generated_by": "scripts/make_encoder_fixture.py tiny",
        "torch": torch.__version__,
        "input_ids": input_ids.tolist(),
        "token_type_ids": token_type_ids.tolist(),
        "attention_mask": attention_mask.tolist(),
        "outputs": outputs,
    }
    (TINY_DIR.parent / "tiny-bert-ner.expected.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {TINY_DIR} and {TINY_DIR.parent / 'tiny-bert-ner.expected.json'}")


def make_minilm(model_dir, out_path, with_head=False):
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if with_head:
        from transformers import AutoModelForTokenClassification

        model = AutoModelForTokenClassification.from_pretrained(model_dir, attn_implementation="eager").eval()
    else:
        model = BertModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch["token_type_ids"],
            output_hidden_states=True,
        )
    last_hidden_state = out.hidden_states[-1]
    fixture = {
        "generated_by": f"scripts/make_encoder_fixture.py {'ner' if with_head else 'minilm'} {model_dir}",
        "torch": torch.__version__,
        "sentences": SENTENCES,
        "input_ids": batch["input_ids"].tolist(),
        "token_type_ids": batch["token_type_ids"].tolist(),
        "attention_mask": batch["attention_mask"].tolist(),
        "last_hidden_state": rounded(last_hidden_state),
    }
    if with_head:
        fixture["logits"] = rounded(out.logits)
    Path(out_path).write_text(json.dumps(fixture) + "\n")
    print(f"wrote {out_path}: batch {tuple(last_hidden_state.shape)}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["tiny"]:
        make_tiny()
    elif sys.argv[1:2] == ["minilm"] and len(sys.argv) == 4:
        make_minilm(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["ner"] and len(sys.argv) == 4:
        make_minilm(sys.argv[2], sys.argv[3], with_head=True)
    else:
        sys.exit(__doc__)
