"""Writes the seed checkpoint of the fuzz targets `safetensors_header` and
`bert_config`: a one-layer BERT with hidden size 4 and three labels, every
weight zero, in tiny-bert/ (config.json, model.safetensors).

Small on purpose: libFuzzer mutates the whole input, so a seed that is mostly
header (not tensor data) spends its mutations on the header. The safetensors
target reads tiny-bert/config.json as its fixed config, so the two must agree:
rerun this script after changing either. Standard library only.
"""

import json
import pathlib
import struct

VOCAB, HIDDEN, HEADS, INTERMEDIATE, POSITIONS, TYPES = 8, 4, 2, 6, 8, 2
LABELS = ["O", "B-PER", "I-PER"]

config = {
    "model_type": "bert",
    "architectures": ["BertForTokenClassification"],
    "vocab_size": VOCAB,
    "hidden_size": HIDDEN,
    "num_hidden_layers": 1,
    "num_attention_heads": HEADS,
    "intermediate_size": INTERMEDIATE,
    "max_position_embeddings": POSITIONS,
    "type_vocab_size": TYPES,
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-12,
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "classifier_dropout": None,
    "id2label": {str(i): label for i, label in enumerate(LABELS)},
    "label2id": {label: i for i, label in enumerate(LABELS)},
}

shapes = {
    "bert.embeddings.word_embeddings.weight": [VOCAB, HIDDEN],
    "bert.embeddings.position_embeddings.weight": [POSITIONS, HIDDEN],
    "bert.embeddings.token_type_embeddings.weight": [TYPES, HIDDEN],
    "bert.embeddings.LayerNorm.weight": [HIDDEN],
    "bert.embeddings.LayerNorm.bias": [HIDDEN],
}
layer = "bert.encoder.layer.0."
for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"]:
    shapes[layer + name + ".weight"] = [HIDDEN, HIDDEN]
    shapes[layer + name + ".bias"] = [HIDDEN]
for norm in ["attention.output.LayerNorm", "output.LayerNorm"]:
    shapes[layer + norm + ".weight"] = [HIDDEN]
    shapes[layer + norm + ".bias"] = [HIDDEN]
shapes[layer + "intermediate.dense.weight"] = [INTERMEDIATE, HIDDEN]
shapes[layer + "intermediate.dense.bias"] = [INTERMEDIATE]
shapes[layer + "output.dense.weight"] = [HIDDEN, INTERMEDIATE]
shapes[layer + "output.dense.bias"] = [HIDDEN]
shapes["classifier.weight"] = [len(LABELS), HIDDEN]
shapes["classifier.bias"] = [len(LABELS)]

header = {"__metadata__": {"format": "pt"}}
offset = 0
for name, shape in shapes.items():
    size = 4
    for dim in shape:
        size *= dim
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
    offset += size
header_bytes = json.dumps(header, separators=(",", ":")).encode()
header_bytes += b" " * (-len(header_bytes) % 8)  # safetensors pads the header to 8 bytes

out = pathlib.Path(__file__).parent / "tiny-bert"
out.mkdir(exist_ok=True)
(out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
(out / "model.safetensors").write_bytes(struct.pack("<Q", len(header_bytes)) + header_bytes + bytes(offset))
