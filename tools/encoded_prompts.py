# ruff: noqa: E501
"""Prompts with encoded text for the sensitivity evaluation (issue 28), dev only.

Harmless ones guard against false positives from decoding (image data, hashes,
encoded URLs, entities in markup, escapes, counting in words); sensitive ones carry a
fake value that only its decoding shows. Built here from plain text so that the
encoding is exact; every value is a fake.
"""

from __future__ import annotations

import base64
from urllib.parse import quote


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _binary(seed: int, size: int) -> str:
    """Deterministic bytes that are not text, as an image or a font file holds."""
    data = bytes((seed * 7919 + i * 104729) % 251 for i in range(size))
    return base64.b64encode(b"\x89PNG\r\n\x1a\n" + data).decode()


def _entities(text: str) -> str:
    return "".join(f"&#{ord(c)};" if i % 2 else c for i, c in enumerate(text))


def _spoken(digits: str) -> str:
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    groups = digits.split("-")
    return ", ".join(" ".join(words[int(d)] for d in group) for group in groups)


def encoded_harmless_dev() -> list[str]:
    return [
        f"Why does this image fail to render? data:image/png;base64,{_binary(1, 180)}",
        f"Embed this font in my CSS correctly: src: url(data:font/woff2;base64,{_binary(2, 120)})",
        "The SHA-256 of the release tarball is 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08; how do I verify it on Linux?",
        f"What does this base64 decode to: {_b64('Hello, world! Welcome to the workshop.')}",
        f"My config map has greeting: {_b64('Good morning from the build server')} — why is it base64?",
        f"apiVersion: v1\nkind: Secret\ndata:\n  username: {_b64('admin')}\n  environment: {_b64('production')}\nWhy are these values encoded?",
        "Why does https://example.com/search?q=caf%C3%A9%20au%20lait&lang=fr not match my route?",
        "Rename /docs/getting%20started/install%20guide.md so that the spaces are not percent-encoded.",
        "Convert &lt;div class=&quot;note&quot;&gt;Tea &amp; biscuits at four&lt;/div&gt; back to plain HTML.",
        "This e-mail body shows =E2=80=9CThanks for the update=E2=80=9D with soft breaks=\nin it; which encoding is that?",
        'Why does my JSON show {"city": "M\\u00fcnchen", "dish": "cr\\u00e8me br\\u00fbl\\u00e9e"} instead of the accents?',
        "What does \\x48\\x65\\x6c\\x6c\\x6f mean in this C string literal?",
        "Count the beat with the class: one two three four, five six seven eight.",
        "The lift buttons read one two three four five; which floor is the canteen on?",
        f"Decode {_b64(quote('tea & cake at 4pm, room 12', safe=''))} for me: it came from a query string.",
        f"A teammate pasted {_b64('print(sum(range(10)))')} into the chat. What does the code do?",
        "Our API returns the cursor eyJwYWdlIjogMiwgInNpemUiOiA1MH0 for the next page; is that safe to log?",
        "The git object 3b18e512dba79e4c8300dd08aeb37f8e728b8dad is missing after the rebase; how do I recover it?",
        f"Is {_binary(3, 48)} a valid AES-GCM nonce and tag pair, length-wise?",
        "Docker pulled sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855; is that the empty layer?",
        f"Our logo is inlined as data:image/gif;base64,{_binary(4, 90)} — should it be a file instead?",
        "Unescape this for me: Fish &amp; chips &mdash; &pound;9.50 &ndash; served daily.",
        "Decode the form body title=Quarterly%20planning&room=Blue%2BGreen&start=09%3A30.",
        "The spec lists the steps as one, two, three, four, five; summarise what each does.",
        f"A vendor sent {_b64('The meeting moved to Thursday at 10am in the Lisbon office.')}; what does it say?",
    ]


def encoded_sensitive_dev() -> list[str]:
    return [
        f"Summarise this record from the export: {_b64('Patient Tomas Brennan, DOB 03/14/1972, diagnosed with HIV in 2019.')}",
        f"Why does the webhook fail for GET /api/users?email={quote('priya.raman84@outlook.com', safe='')}&active=1 ?",
        f"Contact on file: {_entities('kwame.asante77@gmail.com')} — draft a reminder to him.",
        "From: =?utf-8?Q?Jos=C3=A9?= <jose.garcia=40hotmail.com>\nSubject: my payslip\n\nPlease look into it.",
        f"Speech-to-text of the caller: my social security number is {_spoken('412-55-9031')}, please update it.",
        f"Transcript: the card is {_spoken('4532-0151-1283-0366')}, expiring next June.",
        'Log line: {"note": "\\u0053SN 412-55-9031 belongs to Aoife Gallagher"}',
        f"Decode this for the audit: {_b64(quote('maria.lopez82@gmail.com', safe=''))}",
        f"The pod spec has TOKEN_NOTE: {_b64('ghp_' + 'x7Qm2Lp9Rt4Vw8Zy3Nb6Kc1Df5Gh0Js2Ak9P')}",
        f"Our intake form posted name=Fatima+Okafor&condition={quote('stage 2 breast cancer', safe='')}&dob=1981-06-02",
        f"In the scraped page: <td>{_entities('Card 4532 0151 1283 0366')}</td> — is the markup valid?",
        f"Base64 note from HR: {_b64('Employee Dana Whitfield received a final written warning for misconduct.')}",
        f"Decode and check: {_b64('IBAN DE89 3704 0044 0532 0130 00 for Lukas Brandt')}",
        f"Voicemail transcript: call me back on {_spoken('415-555-0132')} about my test results.",
        f"Our CRM link is https://crm.contoso.example/contacts?phone={quote('+44 7700 900123', safe='')}&name=Eleanor+Voss",
        f"Cookie value {quote(_b64('user=olusegun.adeyemi@yahoo.com;role=admin'), safe='')} keeps expiring; why?",
        'Parse this: {"patient": "\\u004Drs \\u0048elen \\u004Fkoye", "note": "flare-up of her lupus"}',
        f"The ticket says {_entities('SSN: 523-45-6789')} was typed into the free-text field.",
        f"Why won't this decode? {_b64(_b64('Password for the payroll DB is Tr0ub4dor&3'))}",
        f"Speech log: my account number is {_spoken('0012-3456-7890')} and the sort code is {_spoken('20-00-00')}.",
    ]
