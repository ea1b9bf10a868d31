#!/usr/bin/env python3
"""Regenerates the HuggingFace `datasets` fixtures of retag-data's `hf` readers.

Run from the repository root, with `datasets` and `pyarrow` installed (any
venv outside the repository, e.g. ~/.cache/retag/venv-datasets):

    ~/.cache/retag/venv-datasets/bin/python scripts/make_dataset_fixtures.py

Everything lands in crates/data/tests/fixtures/hf/ (a few KB in all).
crates/data/tests/hf.rs and crates/cli/tests/hf_data.rs read these files and
need no Python. The good files are written by `datasets` itself, the way a
user's notebook writes them:

- `datasets/train.parquet`: `Dataset.to_parquet` (snappy, the label names in
  the `huggingface` key of the schema metadata, in the `List` form of
  datasets >= 4);
- `datasets/train.jsonl`: `Dataset.to_json` (one object per line, integer
  `ner_tags`, no label names);
- `datasets/dataset_info.json`: `DatasetInfo.write_to_directory`, the file
  that gives the JSONL file its names;
- `datasets/saved/`: `Dataset.save_to_disk` (an Arrow IPC stream,
  `dataset_info.json`, `state.json`);
- `sequence/train.parquet`: the same table with the metadata of datasets < 4
  (`Sequence` of `ClassLabel`), which files on the hub still carry;
- `strings/train.parquet` and `strings/train.jsonl`: string tags in a column
  named `labels` and `tags`, which need no names;
- `precedence/`: `with_metadata.parquet` (names in the metadata),
  `no_metadata.parquet` (the metadata stripped) and `int_tags.jsonl`, beside
  a `dataset_info.json` whose names are in another order, so that a test can
  tell which source won.

The bad files (`bad/`, one failure each) start from the good table and are
changed with pyarrow where `datasets` would refuse to write them (an integer
tag past the names: `ClassLabel` checks its range).
"""

import json
import os
import shutil
import sys

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join("crates", "data", "tests", "fixtures", "hf")

NAMES = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]

# Words from the tiny test checkpoint's vocabulary (crates/predict/tests/fixtures/tiny-bert-ner-vocab.txt).
ROWS = [
    (["ann", "smith", "went", "to", "paris"], ["B-PER", "I-PER", "O", "O", "B-LOC"]),
    (["bob", "saw", "the", "river", "in", "new", "york"], ["B-PER", "O", "O", "O", "O", "B-LOC", "I-LOC"]),
    (["eve", "jones", "met", "bob"], ["B-PER", "I-PER", "O", "B-PER"]),
    (["the", "old", "house", "is", "in", "rome"], ["O", "O", "O", "O", "O", "B-LOC"]),
    (["london", "was", "big", "today"], ["B-LOC", "O", "O", "O"]),
    (["ann", "went", "to", "oslo", "and", "lima"], ["B-PER", "O", "O", "B-LOC", "O", "B-LOC"]),
]


def features(names):
    return datasets.Features(
        {
            "id": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names)),
        }
    )


def dataset(names=NAMES, rows=ROWS):
    ids = [[names.index(tag) for tag in tags] for _, tags in rows]
    return datasets.Dataset.from_dict(
        {"id": [str(i) for i in range(len(rows))], "tokens": [tokens for tokens, _ in rows], "ner_tags": ids},
        features=features(names),
    )


def fresh(*parts):
    path = os.path.join(OUT, *parts)
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def write_info(ds, directory):
    ds.info.write_to_directory(directory)
    # write_to_directory also writes the (empty) licence; only the info is a fixture.
    licence = os.path.join(directory, "LICENSE")
    if os.path.exists(licence):
        os.remove(licence)


def table_of(path):
    return pq.read_table(path)


def write_table(table, path, compression="snappy"):
    pq.write_table(table, path, compression=compression)


def sequence_metadata(names):
    """The `huggingface` metadata of datasets < 4: a `Sequence` of `ClassLabel`."""
    info = {
        "info": {
            "features": {
                "id": {"dtype": "string", "_type": "Value"},
                "tokens": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "Sequence"},
                "ner_tags": {"feature": {"names": names, "_type": "ClassLabel"}, "_type": "Sequence"},
            }
        }
    }
    return {b"huggingface": json.dumps(info).encode()}


def with_column(table, name, values, type_):
    index = table.schema.get_field_index(name)
    return table.set_column(index, pa.field(name, type_), pa.array(values, type=type_))


def main():
    if not os.path.isdir(os.path.join("crates", "data")):
        sys.exit("run from the repository root")
    ds = dataset()

    good = fresh("datasets")
    ds.to_parquet(os.path.join(good, "train.parquet"))
    ds.to_json(os.path.join(good, "train.jsonl"), lines=True)
    write_info(ds, good)
    ds.save_to_disk(os.path.join(good, "saved"))

    sequence = fresh("sequence")
    table = table_of(os.path.join(good, "train.parquet"))
    write_table(table.replace_schema_metadata(sequence_metadata(NAMES)), os.path.join(sequence, "train.parquet"))

    strings = fresh("strings")
    string_rows = {"tokens": [t for t, _ in ROWS], "labels": [tags for _, tags in ROWS]}
    datasets.Dataset.from_dict(
        string_rows,
        features=datasets.Features(
            {
                "tokens": datasets.Sequence(datasets.Value("string")),
                "labels": datasets.Sequence(datasets.Value("string")),
            }
        ),
    ).to_parquet(os.path.join(strings, "train.parquet"))
    with open(os.path.join(strings, "train.jsonl"), "w") as out:
        for tokens, tags in ROWS[:2]:
            out.write(json.dumps({"tokens": tokens, "tags": tags}) + "\n")

    # The same sentences under names in another order: whichever source is
    # read decides which tags come out of the same integers.
    precedence = fresh("precedence")
    shuffled = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    ds.to_parquet(os.path.join(precedence, "with_metadata.parquet"))
    write_table(table.replace_schema_metadata(None), os.path.join(precedence, "no_metadata.parquet"))
    ds.select(range(2)).to_json(os.path.join(precedence, "int_tags.jsonl"), lines=True)
    write_info(dataset(names=shuffled, rows=[]), precedence)

    bad = fresh("bad")
    tags = [[NAMES.index(t) for t in row] for _, row in ROWS]
    out_of_range = [list(row) for row in tags]
    out_of_range[2][1] = 9
    write_table(with_column(table, "ner_tags", out_of_range, pa.list_(pa.int64())), os.path.join(bad, "out_of_range.parquet"))
    negative = [list(row) for row in tags]
    negative[0][0] = -100
    write_table(with_column(table, "ner_tags", negative, pa.list_(pa.int64())), os.path.join(bad, "negative.parquet"))
    short = [list(row) for row in tags]
    short[1] = short[1][:-1]
    write_table(with_column(table, "ner_tags", short, pa.list_(pa.int64())), os.path.join(bad, "length_mismatch.parquet"))
    write_table(table.rename_columns(["id", "words", "ner_tags"]), os.path.join(bad, "no_tokens.parquet"))
    write_table(table.drop_columns(["ner_tags"]), os.path.join(bad, "no_tags.parquet"))
    write_table(
        with_column(table, "ner_tags", [row[0] for row in tags], pa.int64()), os.path.join(bad, "tags_not_a_list.parquet")
    )
    null_token = [list(tokens) for tokens, _ in ROWS]
    null_token[3][2] = None
    write_table(with_column(table, "tokens", null_token, pa.list_(pa.string())), os.path.join(bad, "null_token.parquet"))
    write_table(table.replace_schema_metadata(None), os.path.join(bad, "no_label_names.parquet"))
    dataset(names=["O", "PER", "B-LOC", "I-LOC", "X"], rows=[]).to_parquet(os.path.join(bad, "label_not_iob.parquet"))
    write_table(table, os.path.join(bad, "zstd.parquet"), compression="zstd")
    with open(os.path.join(bad, "not_parquet.parquet"), "w") as out:
        out.write('{"tokens": ["a"], "ner_tags": [0]}\n')
    with open(os.path.join(bad, "out_of_range.jsonl"), "w") as out:
        out.write(json.dumps({"tokens": ["ann", "went"], "ner_tags": [1, 0]}) + "\n")
        out.write(json.dumps({"tokens": ["bob", "saw"], "ner_tags": [1, 7]}) + "\n")
    with open(os.path.join(bad, "no_label_names.jsonl"), "w") as out:
        out.write(json.dumps({"tokens": ["ann", "went"], "ner_tags": [1, 0]}) + "\n")
    broken = fresh("bad", "broken_info")
    with open(os.path.join(broken, "train.jsonl"), "w") as out:
        out.write(json.dumps({"tokens": ["ann"], "ner_tags": [1]}) + "\n")
    with open(os.path.join(broken, "dataset_info.json"), "w") as out:
        out.write('{"features": {"ner_tags": {"feature": {"names": ["O", "B-PER"], "_type": "ClassLabel"}, ')

    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"datasets {datasets.__version__}, pyarrow {pa.__version__}: wrote {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
