"""Tests of the `retag` wheel, run by `cargo xtask python-test` in a fresh
virtual environment with the built wheel installed. They use the tiny random
checkpoint the Rust tests use (2 layers, hidden 32; labels O, B/I-PER,
B/I-LOC) and data written here."""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import threading
from pathlib import Path

import pytest
import retag

CRATES = Path(__file__).resolve().parents[2]


def new_tagset_data(count: int = 48, seed: int = 7) -> str:
    """CoNLL text in a new tagset for the tiny checkpoint, `person` (from
    PER) and `city` (from LOC), over words of its vocabulary, in three
    sentence shapes where a word's identity and place decide its tag."""
    rng = random.Random(seed)
    first, last, cities = ["ann", "bob", "eve"], ["smith", "jones"], ["paris", "rome", "oslo", "london", "lima"]
    shapes = [
        lambda: [(rng.choice(first), "B-person"), (rng.choice(last), "I-person"), ("went", "O"), ("to", "O"),
                 (rng.choice(cities), "B-city")],
        lambda: [(rng.choice(first), "B-person"), ("saw", "O"), ("the", "O"), ("river", "O")],
        lambda: [(rng.choice(first), "B-person"), ("met", "O"), (rng.choice(first), "B-person"), ("in", "O"),
                 (rng.choice(cities), "B-city")],
    ]
    sentences = [rng.choice(shapes)() for _ in range(count)]
    return "".join("".join(f"{word} {tag}\n" for word, tag in sentence) + "\n" for sentence in sentences)


def spans_from_tags(text: str, tags: list[str]) -> list[dict]:
    """Entities from IOB2 tags over `text.split()`, with character offsets:
    the reference `Tagger.entities` is checked against."""
    starts, position = [], 0
    for word in text.split():
        position = text.index(word, position)
        starts.append((position, position + len(word)))
        position += len(word)
    spans, current = [], None
    for (start, end), tag in zip(starts, tags):
        if tag.startswith("I-") and current and current["label"] == tag[2:]:
            current["end"] = end
            continue
        if current:
            spans.append(current)
        current = {"start": start, "end": end, "label": tag[2:]} if tag != "O" else None
    if current:
        spans.append(current)
    return [{**span, "text": text[span["start"] : span["end"]]} for span in spans]


def copy_tiny_model(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ["config.json", "model.safetensors"]:
        shutil.copy(CRATES / "bert/tests/fixtures/tiny-bert-ner" / name, folder / name)
    shutil.copy(CRATES / "predict/tests/fixtures/tiny-bert-ner-vocab.txt", folder / "vocab.txt")
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("retag")


@pytest.fixture(scope="module")
def old_model(work) -> Path:
    return copy_tiny_model(work / "old")


@pytest.fixture(scope="module")
def data(work) -> Path:
    path = work / "data.txt"
    path.write_text(new_tagset_data(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(work, old_model, data) -> tuple[Path, dict]:
    """The tiny checkpoint retrained on the new tagset until it knows the data by heart."""
    out = work / "trained"
    metrics = retag.retrain(
        old_model, "naive", data, data, out, test=data, epochs=100, learning_rate=1e-2, batch_size=8, patience=0,
        progress="off",
    )
    return out, metrics


def test_tag_returns_one_tag_per_word_from_the_models_labels(old_model):
    tagger = retag.Tagger(old_model)
    sentences = [["ann", "smith", "went", "to", "paris"], ["bob"], []]
    tags = tagger.tag(sentences)
    assert [len(sentence) for sentence in tags] == [5, 1, 0]
    assert set(tagger.labels) == {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}
    assert all(tag in tagger.labels for sentence in tags for tag in sentence)


def test_retrain_returns_its_metrics_and_the_model_learns_the_data(trained):
    out, metrics = trained
    assert metrics["strategy"] == "naive"
    assert metrics["test"]["micro"]["f1"] == 1.0, metrics["test"]
    assert json.loads((out / "metrics.json").read_text()) == metrics


def test_entities_are_the_tags_as_character_spans_of_each_text(trained):
    tagger = retag.Tagger(trained[0])
    texts = ["ann smith went to paris", "  bob   saw the river ", "eve met ann in oslo", "", "london"]
    entities = tagger.entities(texts)
    tags = tagger.tag([text.split() for text in texts])
    assert entities == [spans_from_tags(text, sentence) for text, sentence in zip(texts, tags)]
    assert entities[0] == [
        {"start": 0, "end": 9, "label": "person", "text": "ann smith"},
        {"start": 18, "end": 23, "label": "city", "text": "paris"},
    ]
    assert entities[1] == [{"start": 2, "end": 5, "label": "person", "text": "bob"}]
    assert entities[3] == []


def test_split_punctuation_makes_punctuation_words_of_their_own(trained):
    tagger = retag.Tagger(trained[0])
    [spans] = tagger.entities(["ann smith went to paris."], split_punctuation=True)
    assert {"start": 18, "end": 23, "label": "city", "text": "paris"} in spans
    [unsplit] = tagger.entities(["ann smith went to paris."])
    assert all(span["text"] != "paris" for span in unsplit)


def test_predict_takes_a_text_texts_or_word_lists(trained):
    model = trained[0]
    assert retag.predict(model, "bob saw the river") == [{"start": 0, "end": 3, "label": "person", "text": "bob"}]
    assert len(retag.predict(model, ["bob saw", "ann smith"])) == 2
    assert retag.predict(model, [["ann", "smith", "went", "to", "paris"]]) == [
        ["B-person", "I-person", "O", "O", "B-city"]
    ]
    with pytest.raises(TypeError):
        retag.predict(model, [1, 2])


def test_tagging_from_threads_gives_the_same_tags(trained):
    tagger = retag.Tagger(trained[0])
    sentences = [["ann", "smith", "went", "to", "paris"]] * 50
    expected = tagger.tag(sentences)
    results = [None] * 4

    def tag(index):
        results[index] = tagger.tag(sentences)

    threads = [threading.Thread(target=tag, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_plan_returns_the_plan(old_model, data, work):
    plan = retag.plan(old_model, data)
    assert json.dumps(plan)  # plain JSON data
    text = json.dumps(plan)
    assert "person" in text and "city" in text
    kept = retag.plan(old_model, data, out=work / "plan")
    assert (work / "plan" / "plan.md").exists() and (work / "plan" / "mapping.toml").exists()
    assert kept.keys() == plan.keys()


def test_compare_returns_its_report(old_model, data, work):
    out = work / "compare"
    report = retag.compare(old_model, data, data, data, out, strategies=["naive", "frozen"], seeds=2, epochs=1)
    assert (out / "report.json").exists() and (out / "report.html").exists()
    assert "naive" in json.dumps(report) and "frozen" in json.dumps(report)


def test_a_missing_model_raises_runtime_error_naming_it(work):
    missing = work / "no-such-model"
    with pytest.raises(RuntimeError, match="no-such-model"):
        retag.Tagger(missing)


def test_an_unknown_backend_raises_value_error(old_model):
    with pytest.raises(ValueError, match="tpu"):
        retag.Tagger(old_model, backend="tpu")


def test_flags_the_command_refuses_raise_value_error_with_its_message(old_model, data, work):
    with pytest.raises(ValueError, match="--no-such-flag"):
        retag.retrain(old_model, "naive", data, data, work / "x", no_such_flag=3)
    with pytest.raises(ValueError, match="strategy"):
        retag.retrain(old_model, "no-such-strategy", data, data, work / "x")


def test_a_failing_run_raises_runtime_error_with_the_file_and_line(old_model, work):
    bad = work / "bad.txt"
    bad.write_text("ann B-person\nsmith LOC\n\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"bad\.txt:2"):
        retag.retrain(old_model, "naive", bad, bad, work / "bad-out", progress="off")


def test_the_command_line_runs_as_a_module_and_as_a_script(old_model, data, work):
    import subprocess
    import sys

    stats = subprocess.run([sys.executable, "-m", "retag", "data", "stats", str(data)], capture_output=True, text=True)
    assert stats.returncode == 0, stats.stderr
    assert "person" in stats.stdout
    refused = subprocess.run([sys.executable, "-m", "retag", "retrain", "--bogus"], capture_output=True, text=True)
    assert refused.returncode == 2 and "--bogus" in refused.stderr
    script = Path(sys.executable).with_name("retag")
    failed = subprocess.run([str(script), "predict", "--model", str(work / "missing"), "--input", str(data),
                             "--output", str(work / "p.txt")], capture_output=True, text=True)
    assert failed.returncode == 1 and failed.stderr.startswith("error: ") and "missing" in failed.stderr


def test_help_prints_and_returns(capfd):
    retag.run("retrain", "--help")
    assert "--strategy" in capfd.readouterr().out


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed (pip install 'ray[data]')")
def test_the_ray_example_tags_a_corpus_in_local_mode(trained, work):
    import ray

    spec = importlib.util.spec_from_file_location("ray_tag_corpus", CRATES / "python/examples/ray_tag_corpus.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    corpus = work / "corpus.txt"
    corpus.write_text("ann smith went to paris\nbob saw the river\n" * 20, encoding="utf-8")
    out = work / "ray-out"
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True)
    try:
        example.tag_corpus(str(trained[0]), str(corpus), str(out), workers=1, batch_size=8)
    finally:
        ray.shutdown()
    records = [json.loads(line) for path in sorted(out.glob("*.json*")) for line in path.read_text().splitlines()]
    assert len(records) == 40
    by_text = {record["text"]: record["entities"] for record in records}
    assert by_text["bob saw the river"] == [{"start": 0, "end": 3, "label": "person", "text": "bob"}]
    assert [span["text"] for span in by_text["ann smith went to paris"]] == ["ann smith", "paris"]
