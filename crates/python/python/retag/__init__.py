"""retag from Python: retrain a named-entity-recognition model for a new
tagset, and tag text with it, on the same Rust code as the ``retag`` command.

Tagging::

    import retag
    tagger = retag.Tagger("models/wnut17")            # loaded once
    tagger.entities(["Ada Lovelace met Babbage in London"])
    # [[{'start': 0, 'end': 12, 'label': 'person', 'text': 'Ada Lovelace'}, ...]]
    tagger.tag([["Ada", "Lovelace", "met", "Babbage"]])
    # [['B-person', 'I-person', 'O', 'B-person']]

Training, planning and comparing run the ``retag`` subcommand of the same
name in this process; keyword arguments are its flags (``learning_rate=3e-5``
is ``--learning-rate 3e-5``, ``True`` a bare flag, a list repeats the flag)::

    metrics = retag.retrain(model="models/conll03", strategy="warm-start",
                            train="train.txt", dev="dev.txt", test="test.txt",
                            out="models/wnut17", epochs=3)
    metrics["test"]["micro"]["f1"]

The interpreter is released while Rust works, so other Python threads go on;
progress goes to stderr as on the command line.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Sequence, Union

import sys

from ._retag import Tagger, __version__
from ._retag import run as _run
from ._retag import set_launcher as _set_launcher

__all__ = ["Tagger", "__version__", "predict", "train", "retrain", "extend", "plan", "compare", "run"]

PathLike = Union[str, "os.PathLike[str]"]

# `compare` runs each recipe as a process of its own (isolation, and a
# wall time and peak memory per run); from Python that process is this
# interpreter running the package's command line, `python -m retag`.
_set_launcher(sys.executable, ["-m", "retag"])


def run(*args: Any) -> None:
    """Runs ``retag ARGS...`` in this process, as the command line would:
    ``retag.run("data", "stats", "train.txt")``. Raises ``ValueError`` for
    arguments the command line refuses, ``RuntimeError`` for a failure."""
    _run([os.fspath(arg) if isinstance(arg, os.PathLike) else str(arg) for arg in args])


def predict(
    model: PathLike,
    inputs: Union[str, Sequence[str], Sequence[Sequence[str]]],
    *,
    backend: str = "cpu",
    batch_size: int | None = None,
    split_punctuation: bool = False,
) -> Any:
    """Loads ``model`` and tags ``inputs`` in one call (keep a :class:`Tagger`
    to tag many times):

    - a string: its entities, a list of ``{"start", "end", "label", "text"}``;
    - a list of strings: a batch of texts, a list of entity lists;
    - a list of word lists (pre-tokenised sentences): a list of tag lists.

    A single pre-tokenised sentence is a list of one word list.
    """
    tagger = Tagger(os.fspath(model), backend=backend, batch_size=batch_size)
    if isinstance(inputs, str):
        return tagger.entities([inputs], split_punctuation=split_punctuation)[0]
    batch = list(inputs)
    if all(isinstance(item, str) for item in batch):
        return tagger.entities(batch, split_punctuation=split_punctuation)
    if all(isinstance(item, (list, tuple)) for item in batch):
        return tagger.tag([list(words) for words in batch])
    raise TypeError("inputs: a string, a list of strings (texts) or a list of word lists (sentences)")


def train(model: PathLike, train: PathLike, dev: PathLike, out: PathLike, **options: Any) -> Dict[str, Any]:
    """``retag train``: fine-tunes the base encoder ``model`` with a new head
    on ``train``'s tagset. Returns the run's ``metrics.json``."""
    _run(["train", *_flags(model=model, train=train, dev=dev, out=out, **options)])
    return _read_json(Path(out) / "metrics.json")


def retrain(
    model: PathLike, strategy: str, train: PathLike, dev: PathLike, out: PathLike, **options: Any
) -> Dict[str, Any]:
    """``retag retrain``: retrains the token-classification ``model`` for
    ``train``'s tagset with ``strategy`` (naive, frozen, full, warm-start,
    progressive, adapter...). Returns the run's ``metrics.json``: labels,
    best epoch, dev and test scores overall and per type."""
    _run(["retrain", *_flags(model=model, strategy=strategy, train=train, dev=dev, out=out, **options)])
    return _read_json(Path(out) / "metrics.json")


def extend(model: PathLike, train: PathLike, dev: PathLike, out: PathLike, **options: Any) -> Dict[str, Any]:
    """``retag extend``: adds ``train``'s new types to ``model`` and keeps
    its old ones. Returns the run's ``metrics.json``."""
    _run(["extend", *_flags(model=model, train=train, dev=dev, out=out, **options)])
    return _read_json(Path(out) / "metrics.json")


def plan(model: PathLike, train: PathLike, *, out: PathLike | None = None, **options: Any) -> Dict[str, Any]:
    """``retag plan``: how each new type descends from the old model's
    types, and which strategy to use. Returns the plan (``plan.json``); with
    ``out`` its Markdown and mapping file are kept there too."""
    if out is not None:
        _run(["plan", *_flags(model=model, train=train, out=out, **options)])
        return _read_json(Path(out) / "plan.json")
    with tempfile.TemporaryDirectory(prefix="retag-plan-") as folder:
        _run(["plan", *_flags(model=model, train=train, out=folder, **options)])
        return _read_json(Path(folder) / "plan.json")


def compare(
    model: PathLike, train: PathLike, dev: PathLike, test: PathLike, out: PathLike, **options: Any
) -> Dict[str, Any]:
    """``retag compare``: runs strategies over several seeds on the same
    data and writes a report with significance tests and pictures to
    ``out``. Returns ``report.json``."""
    _run(["compare", *_flags(model=model, train=train, dev=dev, test=test, out=out, **options)])
    return _read_json(Path(out) / "report.json")


def _flags(**options: Any) -> List[str]:
    """Keyword arguments as command-line flags, in the order given:
    ``None`` and ``False`` are left out, ``True`` is a bare flag, a list or
    tuple repeats the flag for each item, anything else is its string."""
    args: List[str] = []
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for item in value:
                args += [flag, _text(item)]
        else:
            args += [flag, _text(value)]
    return args


def _text(value: Any) -> str:
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def _read_json(path: Path) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as file:
        return json.load(file)
