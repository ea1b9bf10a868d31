"""Tag a corpus with a retag model on Ray Data: the route for a corpus that
outgrows one machine. Each Ray worker loads the model once (an actor) and
tags whole batches of lines; Ray spreads the batches over the workers of a
cluster, or of this machine when there is none.

    python ray_tag_corpus.py --model models/wnut17 --input corpus.txt --output tagged/

The input is plain text, one text a line; the output is a folder of JSON
Lines files, one record a line: {"text": ..., "entities": [{"start", "end",
"label", "text"}, ...]}, offsets in characters of the line.
"""

from __future__ import annotations

import argparse

import pandas as pd
import ray
import retag


class TagBatch:
    """A Ray Data actor: the model is loaded once per worker, not per batch."""

    def __init__(self, model: str, split_punctuation: bool = False):
        self.tagger = retag.Tagger(model)
        self.split_punctuation = split_punctuation

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        texts = [str(text) for text in batch["text"]]
        entities = self.tagger.entities(texts, split_punctuation=self.split_punctuation)
        return pd.DataFrame({"text": texts, "entities": entities})


def tag_corpus(model: str, input_path: str, output_path: str, *, workers: int = 1, batch_size: int = 256,
               split_punctuation: bool = False) -> None:
    """Tags every line of `input_path` into JSON Lines files under `output_path`."""
    dataset = ray.data.read_text(input_path)
    tagged = dataset.map_batches(
        TagBatch,
        fn_constructor_kwargs={"model": model, "split_punctuation": split_punctuation},
        batch_size=batch_size,
        batch_format="pandas",
        concurrency=workers,
    )
    tagged.write_json(output_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a retag (or HuggingFace token-classification) model folder")
    parser.add_argument("--input", required=True, help="a text file, one text a line")
    parser.add_argument("--output", required=True, help="a folder for the JSON Lines output")
    parser.add_argument("--workers", type=int, default=1, help="model copies tagging at once")
    parser.add_argument("--batch-size", type=int, default=256, help="lines a worker tags at once")
    parser.add_argument("--split-punctuation", action="store_true", help="make punctuation marks words of their own")
    args = parser.parse_args()
    ray.init()
    tag_corpus(args.model, args.input, args.output, workers=args.workers, batch_size=args.batch_size,
               split_punctuation=args.split_punctuation)


if __name__ == "__main__":
    main()
