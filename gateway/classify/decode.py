"""Decoded views: what a reader could decode in a text, read as the reader would.

People paste Kubernetes Secrets (base64), access logs and URLs (percent-encoding),
scraped pages (HTML entities), e-mail sources (quoted-printable), JSON and code
(`\\uXXXX` escapes) and speech-to-text output (numbers as words) into prompts. A value
inside such a span is invisible to a recognizer that reads the text as it is. So each
span a reader could decode is found and decoded, layers within it are decoded again
(to `MAX_DEPTH` layers), and the recognizers also read the text with every such span
replaced by its decoding: a *decoded view*. Every character of a decoded span maps
back to the whole encoded span, so a finding there redacts the whole span.

Each decoder is linear in its input: one regex scan with bounded repetitions, or a
scan for a trigger followed by a walk over whitespace-separated tokens. Every decoding
is no longer than what it decodes; a run with inner layers reads as its inner layers
decoded followed by itself, so with the depth bound a view is at most `MAX_DEPTH`
times the text, and the whole costs a small multiple of one pass. Base64 that decodes to
bytes which are not mostly printable UTF-8 (an image, a hash, random key material) is
not text: it is left as it is, and a long run of it is reported as `binary`, which the
policy treats as unclassified content.
"""

from __future__ import annotations

import binascii
import html
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus

from gateway.classify.normalize import Normalized, normalize
from gateway.classify.spoken import spoken_numbers

MAX_DEPTH = 3  # base64 of percent-encoded text of entities: three layers
_PRINTABLE_SHARE = 0.95
_MIN_BASE64 = 8  # "T3Jpb24tNw" is a project's name; shorter runs are words more often
# A run shorter than this is more often a word than base64: it counts only when all
# it decodes to is printable.
_SHORT_BASE64 = 16
# A base64 run this long that decodes to bytes is a binary payload, not a word.
_MIN_BINARY = 32
_MIN_BINARY_ENTROPY = 4.0  # bits per character: random base64 is near 6, prose near 4

# A base64 or base64url run, maybe continued over line breaks (MIME wraps at 76).
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{8,}(?:\r?\n[A-Za-z0-9+/_-]{4,}){0,4096}={0,2}")
_BINARY = re.compile(r"[A-Za-z0-9+/_-]{32,}(?:\r?\n[A-Za-z0-9+/_-]{4,}){0,4096}={0,2}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_TOKEN = re.compile(r"\S+")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# One backslash or several: an escape inside a JSON string (tool-call arguments) is
# written with its backslash escaped again.
_ESCAPE = re.compile(r"\\{1,8}(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|U[0-9a-fA-F]{8})")
_QP_TRIGGER = re.compile(r"=[0-9A-F]{2}|=\r?\n")
# Alternatives that begin with different characters: no backtracking between them.
_QP_RUN = re.compile(r"(?:[^\s=]|=[0-9A-F]{2}|=\r?\n)+")
_QP_BYTE = re.compile(r"=([0-9A-F]{2})|=\r?\n")


@dataclass(frozen=True)
class Run:
    """An encoded span of a text and what it decodes to, every layer decoded."""

    start: int
    end: int
    decoded: str
    encodings: tuple[str, ...]  # outermost first: ("base64", "percent")


@dataclass(frozen=True)
class Decoding:
    """What the decoders found in one text."""

    runs: tuple[Run, ...]
    binary: int  # base64 runs that decode to bytes, not text

    def view(self, text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
        """`text` with every run replaced by its decoding, and for each character the
        original [start, end) it stands for: its own position, or its whole run."""
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        position = 0
        for run in self.runs:
            pieces.append(text[position : run.start])
            starts += range(position, run.start)
            ends += range(position + 1, run.start + 1)
            pieces.append(run.decoded)
            starts += [run.start] * len(run.decoded)
            ends += [run.end] * len(run.decoded)
            position = run.end
        pieces.append(text[position:])
        starts += range(position, len(text))
        ends += range(position + 1, len(text) + 1)
        return "".join(pieces), tuple(starts), tuple(ends)


# One decoder: the runs it finds in a text, as (start, end, decoded).
Finder = Callable[[str], Iterator[tuple[int, int, str]]]


def decode(text: str) -> Decoding:
    """The runs of `text` a reader could decode, outermost first where two overlap."""
    binary = _count_binary(text)
    return Decoding(tuple(_runs(text, 1)), binary)


def _runs(text: str, depth: int) -> Iterator[Run]:
    found = sorted(
        (
            (start, end, decoded, name)
            for name, finder in _FINDERS
            for start, end, decoded in finder(text)
        ),
        key=lambda run: (run[0], -(run[1] - run[0])),
    )
    covered = 0
    for start, end, decoded, name in found:
        if start < covered:
            continue  # inside a wider run: decoded with it, as its inner layer
        covered = end
        encodings: tuple[str, ...] = (name,)
        if depth < MAX_DEPTH:
            inner = list(_runs(decoded, depth + 1))
            if inner:
                # The inner layers decoded, then this layer as it is: a value can be
                # recognizable in either (a JWT is base64url, and its payload is JSON).
                decoded = _replaced(decoded, inner) + "\n" + decoded
                encodings += tuple(e for run in inner for e in run.encodings if e not in encodings)
        yield Run(start, end, decoded, encodings)


def _replaced(text: str, runs: list[Run]) -> str:
    pieces: list[str] = []
    position = 0
    for run in runs:
        pieces += [text[position : run.start], run.decoded]
        position = run.end
    pieces.append(text[position:])
    return "".join(pieces)


def _base64(text: str) -> Iterator[tuple[int, int, str]]:
    for match in _BASE64.finditer(text):
        if _a_word(match.group()):
            continue
        decoded = _base64_text(match.group())
        if decoded is not None:
            yield match.start(), match.end(), decoded
        elif "\n" in match.group():
            # A wrapped run that does not decode whole: its lines may on their own.
            offset = match.start()
            for line in match.group().split("\n"):
                line_text = _base64_text(line.rstrip("\r")) if len(line) >= _MIN_BASE64 else None
                if line_text is not None:
                    yield offset, offset + len(line.rstrip("\r")), line_text
                offset += len(line) + 1


def _a_word(run: str) -> bool:
    """Letters in one case, or capitalised: a word of the text, not base64 (whose
    letters mix cases, and which holds a digit in almost every run of 8 or more)."""
    return run.isalpha() and (run.islower() or run.isupper() or run[1:].islower())


def _base64_bytes(run: str) -> bytes | None:
    """The bytes a base64 or base64url run decodes to; None where it cannot be one."""
    compact = "".join(run.split()).rstrip("=")
    if len(compact) < _MIN_BASE64 or len(compact) % 4 == 1 or _HEX.fullmatch(compact):
        return None  # a hash or an id in hex reads as base64 but is not
    url_safe = "-" in compact or "_" in compact
    if url_safe and ("+" in compact or "/" in compact):
        return None
    if url_safe:
        compact = compact.replace("-", "+").replace("_", "/")
    try:
        return binascii.a2b_base64(compact + "=" * (-len(compact) % 4))
    except binascii.Error:
        return None


def _base64_text(run: str) -> str | None:
    data = _base64_bytes(run)
    if data is None:
        return None
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(run) < _SHORT_BASE64 and not decoded.isprintable():
        return None
    return decoded if _mostly_printable(decoded) else None


def _count_binary(text: str) -> int:
    """Long base64 runs that decode to bytes, not text, and look random, not like a
    long identifier or a path (both are base64's alphabet too)."""
    count = 0
    if len(text) < _MIN_BINARY:
        return 0
    for match in _BINARY.finditer(text):
        run = "".join(match.group().split()).rstrip("=")
        if len(run) < _MIN_BINARY or run.count("/") > len(run) // 16 + 1:
            continue
        if not (any(c.isdigit() for c in run) and run.lower() != run and run.upper() != run):
            continue
        if _entropy(run) < _MIN_BINARY_ENTROPY or _base64_text(run) is not None:
            continue
        if _base64_bytes(run) is not None:
            count += 1
    return count


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _mostly_printable(text: str) -> bool:
    if not text.strip():
        return False
    shown = sum(1 for c in text if c.isprintable() or c.isspace())
    return shown >= _PRINTABLE_SHARE * len(text)


def _tokens(
    text: str, trigger: re.Pattern[str], decode_token: Callable[[str], str]
) -> Iterator[tuple[int, int, str]]:
    """Whitespace-separated tokens holding `trigger`, decoded one by one."""
    if trigger.search(text) is None:
        return
    for token in _TOKEN.finditer(text):
        if trigger.search(token.group()) is None:
            continue
        decoded = decode_token(token.group())
        if decoded != token.group() and _mostly_printable(decoded):
            yield token.start(), token.end(), decoded


def _percent(text: str) -> Iterator[tuple[int, int, str]]:
    return _tokens(text, _PERCENT, _unquote)


def _unquote(token: str) -> str:
    """Percent-decoding; `+` is a space in a query string or a form body only."""
    path, mark, query = token.partition("?")
    if mark:
        return unquote(path, errors="replace") + mark + unquote_plus(query, errors="replace")
    if "=" in token and "/" not in token:
        return unquote_plus(token, errors="replace")
    return unquote(token, errors="replace")


def _entities(text: str) -> Iterator[tuple[int, int, str]]:
    return _tokens(text, _ENTITY, html.unescape)


def _escapes(text: str) -> Iterator[tuple[int, int, str]]:
    return _tokens(text, _ESCAPE, _unescape)


def _unescape(token: str) -> str:
    def char(match: re.Match[str]) -> str:
        code = int(match.group().lstrip("\\")[1:], 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    unescaped = _ESCAPE.sub(char, token)
    # A surrogate pair written as two escapes ("\ud83d\ude00") is one character.
    return unescaped.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _quoted_printable(text: str) -> Iterator[tuple[int, int, str]]:
    if _QP_TRIGGER.search(text) is None:
        return
    for match in _QP_RUN.finditer(text):
        if _QP_TRIGGER.search(match.group()) is None:
            continue
        raw = _QP_BYTE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else "", match.group())
        decoded = raw.encode("latin-1", "replace").decode("utf-8", "replace")
        if decoded != match.group() and _mostly_printable(decoded):
            yield match.start(), match.end(), decoded


_FINDERS: tuple[tuple[str, Finder], ...] = (
    ("percent", _percent),
    ("html", _entities),
    ("escape", _escapes),
    ("quoted-printable", _quoted_printable),
    ("base64", _base64),
    ("spoken-number", spoken_numbers),
)


@dataclass(frozen=True)
class DecodedReading:
    """A decoded view of a reading of a text, mapped back to the original text, with
    where its runs are in the original and through which encodings each was read."""

    view: Normalized
    runs: tuple[tuple[int, int, tuple[str, ...]], ...]

    def encodings_at(self, start: int, end: int) -> tuple[str, ...]:
        """The encodings of the runs that original [start, end) overlaps."""
        found: list[str] = []
        for run_start, run_end, encodings in self.runs:
            if run_start < end and start < run_end:
                found += [e for e in encodings if e not in found]
        return tuple(found)

    def encodings(self) -> tuple[str, ...]:
        """Every encoding read in the text."""
        return self.encodings_at(0, len(self.view.original))


def decoded_reading(reading: Normalized, decoding: Decoding) -> DecodedReading | None:
    """The decoded view of `reading` (a normalized reading of a text), itself
    normalized, every position mapped back to the original text; None when there is
    nothing to decode."""
    if not decoding.runs:
        return None
    text, starts, ends = decoding.view(reading.text)
    outer_starts, outer_ends = _mapping(reading)
    # Decoded text can carry disguises of its own (fullwidth digits, zero-width
    # characters): normalized like any text, its positions mapped through both steps.
    inner = normalize(text)
    inner_starts, inner_ends = _mapping(inner)
    view_starts = [starts[i] for i in inner_starts]
    view_ends = [ends[i - 1] for i in inner_ends]
    original = Normalized(
        reading.original,
        inner.text,
        tuple(outer_starts[i] for i in view_starts),
        tuple(outer_ends[i - 1] for i in view_ends),
    )
    runs = tuple(
        (outer_starts[run.start], outer_ends[run.end - 1], run.encodings) for run in decoding.runs
    )
    return DecodedReading(original, runs)


def _mapping(normalized: Normalized) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Each character's original [start, end), spelled out where it is the identity."""
    if normalized.starts:
        return normalized.starts, normalized.ends
    return tuple(range(len(normalized.text))), tuple(range(1, len(normalized.text) + 1))
