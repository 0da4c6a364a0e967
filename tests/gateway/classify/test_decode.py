"""Decoded views: every encoding a reader could undo is undone, harmless encodings
stay harmless, positions map back to the whole encoded span, and the cost is linear."""

from __future__ import annotations

import base64
import json
import quopri
from urllib.parse import quote

import pytest

from gateway.classify.decode import MAX_DEPTH, decode, decoded_reading
from gateway.classify.normalize import normalize

SSN = "536-22-8741"
EMAIL = "maria.lopez82@gmail.com"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def view(text: str) -> str:
    """What the recognizers read besides the text: its decoded view (the classifier
    decodes the normalized reading, as here)."""
    reading = normalize(text)
    decoded = decoded_reading(reading, decode(reading.text))
    return decoded.view.text if decoded is not None else text


@pytest.mark.parametrize(
    ("encoded", "plain", "encodings"),
    [
        (f"SSN {b64(SSN)} on file", f"SSN {SSN} on file", ("base64",)),
        (f"id {b64url('maria+x@gmail.com?')} ok", "id maria+x@gmail.com? ok", ("base64",)),
        (f"  password: {b64('hunter2-Secret!')}", "  password: hunter2-Secret!", ("base64",)),
        (f"data:text/plain;base64,{b64(EMAIL)}", f"data:text/plain;base64,{EMAIL}", ("base64",)),
        (f"/u?e={quote(EMAIL, safe='')}&n=Mary+Jones", f"/u?e={EMAIL}&n=Mary Jones", ("percent",)),
        ("a%20path/maria%40x.com", "a path/maria@x.com", ("percent",)),
        ("maria&#46;lopez&#x40;gmail&period;com", "maria.lopez@gmail.com", ("html",)),
        ("=4D=61ria=40gmail.com", "Maria@gmail.com", ("quoted-printable",)),
        ("Caf=C3=A9 maria=40x.=\ncom", "Café maria@x.com", ("quoted-printable",)),
        (r"SSN \u0035\u0033\u0036-22-8741", f"SSN {SSN}", ("escape",)),
        (r"x \x6d\x61ria\x40x.com", "x maria@x.com", ("escape",)),
        (r"smile \ud83d\ude00 ok", "smile \U0001f600 ok", ("escape",)),
        ("it is five three six, double two, eight seven four one.", f"it is {SSN}.", ()),
        ("call five five five eight six seven five three oh nine", "call 555-867-5309", ()),
        ("pin triple seven, twenty-one", "pin 777-21", ()),
        ("born nineteen eighty-four", "born 1984", ()),
        (b64(quote(EMAIL, safe="")), EMAIL, ("base64", "percent")),
        (b64(b64(f"SSN {SSN}")), f"SSN {SSN}", ("base64",)),
        (quote(b64(EMAIL), safe=""), EMAIL, ("percent", "base64")),
    ],
)
def test_each_encoding_is_read_as_its_reader_would(
    encoded: str, plain: str, encodings: tuple[str, ...]
) -> None:
    # A layered run reads as its innermost decoding first, then its outer layers.
    read = view(encoded)
    assert read == plain or read.startswith(plain + "\n")
    for run in decode(encoded).runs:
        assert set(encodings) <= set(run.encodings)


def test_a_jwt_payload_and_a_kubernetes_secret_are_read() -> None:
    header = b64url(json.dumps({"alg": "HS256"}))
    payload = b64url(json.dumps({"email": EMAIL, "sub": "123"}))
    assert EMAIL in view(f"token {header}.{payload}.c2lnbmF0dXJlLWJ5dGVz")
    secret = f"apiVersion: v1\nkind: Secret\ndata:\n  ssn: {b64(SSN)}\n  user: {b64('admin')}\n"
    assert f"ssn: {SSN}" in view(secret)


def test_wrapped_base64_lines_are_read_whole() -> None:
    wrapped = base64.encodebytes(f"Dear team, {EMAIL} wrote: {'a long letter ' * 8}".encode())
    assert EMAIL in view(wrapped.decode())


def test_quoted_printable_from_the_standard_library_is_read() -> None:
    encoded = quopri.encodestring(f"Write to {EMAIL} = now, café".encode()).decode()
    assert f"Write to {EMAIL} = now, café" in view(encoded)


@pytest.mark.parametrize(
    "harmless",
    [
        "The commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it",
        "uuid 123e4567-e89b-12d3-a456-426614174000 and AbstractSingletonProxyFactoryBean",
        "Internationalization and /usr/local/lib/python3.11/site-packages",
        "I have one or two questions, maybe three.",
        "Tom & Jerry; 100% sure; a=b",
        "x = 10; y = a == b",
    ],
)
def test_text_with_nothing_encoded_is_left_alone(harmless: str) -> None:
    decoding = decode(harmless)
    assert decoding.binary == 0
    assert decoded_reading(normalize(harmless), decoding) is None or view(harmless) != ""


def test_prose_and_identifiers_are_not_decoded() -> None:
    for text in ("The commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it",
                 "AbstractSingletonProxyFactoryBean Internationalization"):  # fmt: skip
        assert decode(text).runs == ()


def test_base64_of_binary_is_not_text_and_a_long_run_is_reported() -> None:
    image = base64.b64encode(bytes(range(256)) * 4).decode()
    decoding = decode(f"logo: data:image/png;base64,{image}")
    assert decoding.runs == ()
    assert decoding.binary == 1
    # A short run of bytes (a hash's digest, a nonce) is not worth reporting.
    assert decode(base64.b64encode(bytes(range(12))).decode()).binary == 0


def test_a_finding_in_a_decoded_span_maps_to_the_whole_encoded_span() -> None:
    encoded = b64(SSN)
    text = f"Her SSN {encoded} is on file."
    decoded = decoded_reading(normalize(text), decode(text))
    assert decoded is not None
    start = decoded.view.text.index(SSN)
    original = decoded.view.original_span(start, start + len(SSN))
    assert text[original[0] : original[1]] == encoded
    assert decoded.encodings_at(*original) == ("base64",)
    # Plain text before the span keeps its own positions.
    assert decoded.view.original_span(0, 3) == (0, 3)


def test_a_disguise_under_the_encoding_is_taken_off_too() -> None:
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in SSN)
    assert SSN in view(f"SSN {b64(fullwidth)}")
    assert SSN in view("SSN " + b64(SSN)[:4] + "\u200b" + b64(SSN)[4:])


def test_nesting_stops_at_the_depth_bound() -> None:
    layered = SSN
    for _ in range(MAX_DEPTH):
        layered = b64(layered)
    assert SSN in view(layered)
    assert SSN not in view(b64(layered))  # one layer more than the bound


def test_a_layered_run_keeps_each_layer_a_recognizer_may_need() -> None:
    token = f"eyJhbGciOiJIUzI1NiJ9.{b64url(json.dumps({'sub': 'maria'}))}.c2lnbmF0dXJlLWJ5dGVz"
    read = view(f"bearer {b64(token)}")
    assert token in read  # the JWT as a JWT recognizer knows it
    assert '"sub": "maria"' in read  # and its payload


@pytest.mark.parametrize(
    "adversarial",
    [
        "QUJD" * 50_000,
        "QUJD=" * 40_000,
        "%41" * 60_000,
        "%zz" * 60_000,
        "&#65;" * 40_000,
        "&#" * 80_000,
        "=41" * 60_000,
        "=" * 200_000,
        "\\u0041" * 30_000,
        "\\" * 200_000,
        "one " * 50_000,
        "one, " * 40_000,
        "one" + " " * 200_000 + "two",
        ("QUJD" * 19 + "\n") * 2_500,
        "Ünïcödé 😀 " * 20_000,
    ],
)
def test_adversarial_input_decodes_to_no_more_than_it_holds(adversarial: str) -> None:
    decoding = decode(adversarial)
    text, starts, ends = decoding.view(adversarial)
    # Every decoding is shorter than what it decodes, and a run keeps at most its
    # layers: the recognizers never read more than a few times the text.
    assert len(text) <= MAX_DEPTH * len(adversarial)
    assert len(starts) == len(ends) == len(text)
