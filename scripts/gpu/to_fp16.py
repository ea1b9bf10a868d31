#!/usr/bin/env python3
"""Halve a safetensors checkpoint: every F32 tensor written as F16, the rest
as they are. Standard library only (struct's 'e' format is IEEE half), so it
runs where numpy and torch are not installed.

Why: the GPU machine that `device` lends takes at most 64 MiB of files from
here, and MiniLM's fp32 weights are 87 MiB. retag loads F16 tensors (widening
them to f32), and check.sh widens them back with torch for PyTorch's side, so
both sides run fp32 from the same rounded weights.

    python3 scripts/gpu/to_fp16.py IN.safetensors OUT.safetensors
"""

import json
import struct
import sys


def main(source, target):
    with open(source, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    chunks, offset, out_header = [], 0, {}
    metadata = header.pop("__metadata__", None)
    # Keep the file's order of tensors (by their offsets).
    for name, info in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        dtype = info["dtype"]
        if dtype == "F32":
            count = len(raw) // 4
            raw = struct.pack(f"<{count}e", *struct.unpack(f"<{count}f", raw))
            dtype = "F16"
        out_header[name] = {"dtype": dtype, "shape": info["shape"], "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata is not None:
        out_header["__metadata__"] = metadata
    encoded = json.dumps(out_header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the format pads the header to 8 bytes
    with open(target, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for chunk in chunks:
            f.write(chunk)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
