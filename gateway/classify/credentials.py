"""Credentials named by their key: `DB_PASSWORD=…`, `password: …`, `"pwd": "…"`,
`--password …`, `<password>…</password>`, `Authorization: Bearer …`, `user:pass@host`.

Such a value has no shape of its own ("sunshine" is a password only after
`password:`), so the key decides: its LAST component must name a credential
(`spring.datasource.password`, `dbPassword`, `AZURE_CLIENT_SECRET`), which keeps
`token_count`, `max_tokens`, `password_min_length` and `tokenizer` out. Obvious
placeholders and code (`os.environ[...]`, `get_token()`, `self.secret`) are not
values. The result covers the value alone, so redaction keeps the key readable.

Cost: every search starts from a key word (found in one pass over the lower-cased
text, and only where a substring test says one may be there) or, for URL user info,
from a colon just before an `@`; every quantifier is bounded or possessive, so a text
of megabytes takes time linear in its length.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

PASSWORD = "PASSWORD"
API_KEY = "API_KEY"
CONNECTION_STRING = "CONNECTION_STRING"
PRIVATE_KEY = "PRIVATE_KEY"
ENTITIES = (PASSWORD, API_KEY, CONNECTION_STRING, PRIVATE_KEY)
SCORE = 0.8  # a value under a credential key, even a dictionary word
STRONG_SCORE = 0.9  # ...that also looks random
MIN_LENGTH = 4  # shorter values are more often flags and typos than secrets
MAX_KEY = 64
MAX_VALUE = 512

# `key` alone is too common a word ("key: value", "primary key"): only with one of these.
_KEY_QUALIFIERS = (
    "api|secret|private|access|account|signing|encryption|master|subscription|client"
    "|auth|app|storage|shared|consumer|sas|hmac|webhook"
)
_KEY_WORDS = (
    rf"(?:{_KEY_QUALIFIERS})[_\-. ]?key|conn(?:ection)?[_\-. ]?str(?:ing)?"
    r"|pass(?:word|wort|wd|phrase|code)?|pwd|pw|secret|token|cred(?:ential)?s|credential"
    r"|dsn|authorization"
)
# Searched in the lower-cased text: a case-insensitive alternation costs Python's
# regex engine several times as much, and most prompts hold none of these stems.
_KEY_WORD = re.compile(_KEY_WORDS)
_KEY_WORD_ANY_CASE = re.compile(_KEY_WORDS, re.IGNORECASE)
_KEY_STEMS = ("pass", "pw", "secret", "token", "key", "cred", "conn", "dsn", "authoriz")
# Words that may follow other letters in a run-together key (`DBPASSWORD`, `authtoken`);
# the rest must start a component (`bypass`, `monkey` and `oauth` are no keys).
_JOINABLE = frozenset(
    {"password", "passwd", "passwort", "passphrase", "passcode", "secret", "token"}
    | {"credential", "credentials", "creds"}
)
_SENTENCE_PASSWORDS = frozenset({"password", "passwd", "passwort", "passphrase", "passcode"})
_PASSWORD_WORDS = _SENTENCE_PASSWORDS | {"pass", "pwd", "pw"}
_SEPARATOR = re.compile(r"(?P<close>[\"'`]?\]?)[ \t]*(?P<sep>:=|=>|=(?!=)|:(?![:/]))[ \t]*")
_FLAG_GAP = re.compile(r"[ \t]+(?!-)")
_XML_VALUE = re.compile(rf"[ \t]*(?P<value>[^<\n]{{1,{MAX_VALUE}}}+)</")
_VALUE = re.compile(
    rf"\"(?P<dq>[^\"\n]{{0,{MAX_VALUE}}}+)\"|'(?P<sq>[^'\n]{{0,{MAX_VALUE}}}+)'"
    rf"|`(?P<bq>[^`\n]{{0,{MAX_VALUE}}}+)`|(?P<bare>[^\s\"'`,;]{{1,{MAX_VALUE}}}+)"
)
# A connection string's parts are separated by `;` and its ports by `,`.
_CONNECTION_BARE = re.compile(rf"[^\s\"'`]{{1,{MAX_VALUE}}}+")
# `password: str = "..."`, `token: Optional[str] = ...`: a type, then the value.
_ANNOTATION = re.compile(r"[A-Za-z_][\w.\[\]|, ]{0,40}?[ \t]+=(?!=)[ \t]*")
_AUTH_SCHEME = re.compile(
    r"(?:Bearer|Basic|Token|Bot|Digest|Negotiate|ApiKey|SSWS)[ \t]+(?=\S)", re.IGNORECASE
)
# What may follow a value that ends its line or clause: a YAML or shell comment, the
# next item, a closing bracket or quote.
_STATEMENT_END = re.compile(r"[ \t]*(?:[.?!]?[ \t]*$|[.?!]\s|[#,;})\]\"'`<]|//)", re.MULTILINE)
_KEY_DIGITS = re.compile(r"[_\-]?\d{1,3}(?!\d)")
_NAME_SEPARATORS = re.compile(r"[_\-. ]")
_DIGIT = re.compile(r"\d")
_QUERY_NEXT = re.compile(r"&[\w.\-]+=")
# A Kubernetes or ECS environment entry names the key and gives the value apart:
# `- name: DB_PASSWORD` / `value: ...`, `{"name": "DB_PASSWORD", "value": "..."}`.
_PAIR_NAME = re.compile(r"\bname[\"']?[ \t]*:[ \t]*[\"']?$")
_PAIR_VALUE = re.compile(r"[\"']?[ \t]*(?:,[ \t]*|\r?\n[ \t]*)[\"']?value[\"']?[ \t]*:[ \t]*")
_HUMP = re.compile(r"[a-z][A-Z]")
_PLAIN_KEY = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)?")

# Code, not a literal: a call, an index or an attribute (`os.environ[`, `get_token()`,
# `self.secret`, `process.env.API_TOKEN`), a variable (`$DB_PASSWORD`, `${VAR}`,
# `$(cat f)`, `%VAR%`, `{{ .Values.x }}`), a YAML alias, tag or block, a structure.
_NAME = r"[A-Za-z_$][\w$]*"
# An attribute's parts read as words (`self.secret2`); a token's do not (`s.abc123def456`).
_WORD_NAME = r"[A-Za-z_$][A-Za-z_$]*\d*"
_CODE = re.compile(
    rf"{_NAME}(?:(?:\.|::|->){_NAME})*[(\[]|{_WORD_NAME}(?:(?:\.|::|->){_WORD_NAME})+$"
    r"|[${\[(|>*&]|!!?[A-Za-z]+$"
)
# A variable named for what it holds (`password=db_password`, `token=accessToken`).
_CREDENTIAL_NAME = re.compile(
    r"(?i:[A-Za-z]\w*[_-](?:password|passwd|pwd|secret|token|key|credentials|creds))"
    r"|[a-z][A-Za-z0-9]*(?:Password|Passwd|Pwd|Secret|Token|Key|Credentials|Creds)"
)
# A template, environment or shell variable, quoted or not; an SQL parameter
# (`:password`, `@password`); a file's path.
_REFERENCE = re.compile(
    r"\$\{.*\}|\$\(.*\)|\$[A-Za-z_]\w*|%\w+%|\{\{.*\}\}|#\{.*\}|[:@]\w+|[~.]{0,2}/.*"
)
_MASKS = re.compile(r"(?:x+|\*+|\.+|…|-+|\?+|#+|_+)", re.IGNORECASE)
# Values shorter than MIN_LENGTH need no entry.
_NOT_VALUES = frozenset(
    {"password", "passwd", "passphrase", "secret", "token", "apikey", "api_key", "creds"}
    | {"credential", "credentials", "null", "none", "undefined", "true", "false", "empty"}
    | {"todo", "fixme", "hidden", "masked", "removed", "omitted", "changeit", "sample"}
    | {"string", "bytes", "secretstr", "securestring", "value", "required", "optional"}
    | {"include", "omit", "same-origin", "inherit", "default", "bearer", "basic", "await"}
    | {"lambda", "function", "self", "this"}
)

_USERINFO = re.compile(rf":(?P<value>[^\s:/?#@\[\]\"'`<>]{{1,{MAX_VALUE}}}+)@(?=[\w\[])")
_USER_BEFORE = re.compile(r"(?:[A-Za-z][\w+.\-]{0,20}://)?[^\s:/@\"'`<>()\[\]{}]{1,64}$")
_HOST_AFTER = re.compile(r"[\w\-]+(?:\.[\w\-]+)*(?P<tail>:\d|/)?")
_UNLIKE_A_NAME = re.compile(r"[\d!#$%^&*+=~]")
# `name:word@host` without a scheme is more often a label and an e-mail address.
_LABELS = frozenset(
    {"mailto", "sip", "sips", "tel", "xmpp", "im", "from", "to", "cc", "bcc", "email"}
    | {"e-mail", "mail", "reply-to", "contact", "user", "username", "login", "author"}
    | {"sender", "by", "re", "fwd", "fw", "at", "git"}
)
_USER_FLAG = re.compile(
    rf"(?<![\w-])(?:-u|--user|--proxy-user)[ \t=]+[\"']?[^\s:\"']{{1,64}}:"
    rf"(?P<value>[^\s\"']{{1,{MAX_VALUE}}}+)"
)


@dataclass(frozen=True)
class _Value:
    start: int
    end: int
    quoted: bool


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


class CredentialRecognizer(EntityRecognizer):
    """A value assigned to a key that names a credential, and the password in URL user
    info. `placeholder` is the secret recognizers' own test for a placeholder value."""

    def __init__(self, placeholder: re.Pattern[str]) -> None:
        super().__init__(supported_entities=list(ENTITIES), name="CredentialRecognizer")
        self._placeholder = placeholder

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        found = [*self._named(text), *self._userinfo(text)]
        return [result for result in found if result.entity_type in entities]

    def _named(self, text: str) -> list[RecognizerResult]:
        found: list[RecognizerResult] = []
        searched_to = 0
        for start, end in _key_words(text):
            if start < searched_to:
                continue  # inside the value found before
            value = _assigned_value(text, start, end)
            if value is not None and self._is_literal(text, value):
                entity = _entity(_name(text[start:end]))
                found.append(self._result(entity, text, value.start, value.end))
                searched_to = value.end
        return found

    def _userinfo(self, text: str) -> list[RecognizerResult]:
        found: list[RecognizerResult] = []
        if "@" in text:
            for info in _USERINFO.finditer(text):
                if _is_user_info(text, info) and self._is_value(info.group("value")):
                    found.append(self._result(CONNECTION_STRING, text, *info.span("value")))
        if "-u" in text:  # curl's -u/--user user:password
            for flag in _USER_FLAG.finditer(text):
                if self._is_value(flag.group("value")):
                    found.append(self._result(PASSWORD, text, *flag.span("value")))
        return found

    def _is_literal(self, text: str, value: _Value) -> bool:
        literal = text[value.start : value.end]
        if not value.quoted and (
            _CODE.match(literal) is not None or _CREDENTIAL_NAME.fullmatch(literal) is not None
        ):
            return False
        return self._is_value(literal)

    def _is_value(self, value: str) -> bool:
        lowered = value.strip().lower()
        return not (
            len(lowered) < MIN_LENGTH
            or lowered in _NOT_VALUES
            or lowered.startswith("your")
            or _MASKS.fullmatch(lowered) is not None
            or self._placeholder.search(value) is not None
            or _REFERENCE.fullmatch(value) is not None
        )

    def _result(self, entity: str, text: str, start: int, end: int) -> RecognizerResult:
        value = text[start:end]
        strong = len(value) >= 8 and entropy(value) >= 3.0
        return RecognizerResult(entity, start, end, STRONG_SCORE if strong else SCORE)


def _name(word: str) -> str:
    """A key word as one lower-case word: `Api-Key` -> apikey."""
    return _NAME_SEPARATORS.sub("", word.lower())


def _entity(name: str) -> str:
    if name.endswith("key"):
        return PRIVATE_KEY if name.startswith("private") else API_KEY
    if name.startswith("conn") or name == "dsn":
        return CONNECTION_STRING
    return PASSWORD if name in _PASSWORD_WORDS else API_KEY


def _key_words(text: str) -> Iterator[tuple[int, int]]:
    """Where the key words are. Lower-casing keeps every offset unless it lengthens a
    character (only U+0130 does); then the text is searched as it is."""
    lowered = text.lower()
    if len(lowered) != len(text):
        found = _KEY_WORD_ANY_CASE.finditer(text)
    elif any(stem in lowered for stem in _KEY_STEMS):
        found = _KEY_WORD.finditer(lowered)
    else:
        return
    for word in found:
        yield word.span()


def _assigned_value(text: str, word_start: int, word_end: int) -> _Value | None:
    """The value assigned to the key that the word at `word_start` ends, or None when
    the word is not the last component of a key, or nothing is assigned to it."""
    name = _name(text[word_start:word_end])
    if not _starts_component(text, word_start, name):
        return None
    end = _ends_key(text, word_end)
    if end is None:
        return None
    start = _key_start(text, word_start)
    if text.startswith("//", start - 2):
        return None  # the user in a URL's user info (https://x-access-token:...@host)
    key = text[start:end]
    if start > 0 and text[start - 1] == "<" and text.startswith(">", end):
        xml = _XML_VALUE.match(text, end + 1)
        return None if xml is None else _Value(*xml.span("value"), quoted=True)
    value = _separated_value(text, start, end, key, name)
    if value is None and key.startswith("-") and not key.lower().startswith("--no-"):
        gap = _FLAG_GAP.match(text, end)  # --password hunter2
        value = None if gap is None else _parse_value(text, gap.end(), name)
    if value is None and _PAIR_NAME.search(text, max(0, start - 16), start) is not None:
        pair = _PAIR_VALUE.match(text, end)
        value = None if pair is None else _parse_value(text, pair.end(), name)
    return value


def _separated_value(text: str, start: int, end: int, key: str, name: str) -> _Value | None:
    separator = _SEPARATOR.match(text, end)
    if separator is None:
        return None
    close = separator.group("close")
    if close and close[0] in "\"'`" and (start == 0 or text[start - 1] != close[0]):
        return None  # a closing quote that opens nothing: the key is inside a string
    colon = separator.group("sep") == ":"
    position = separator.end()
    if colon:
        annotation = _ANNOTATION.match(text, position)
        if annotation is not None and not text.startswith("//", annotation.end()):
            position, colon = annotation.end(), False
    value = _parse_value(text, position, name)
    if value is None or not colon or value.quoted or close:
        return value
    plain = _PLAIN_KEY.fullmatch(key) is not None and _HUMP.search(key) is None
    return value if not plain or _reads_as_assignment(text, start, key, name, value) else None


def _reads_as_assignment(text: str, start: int, key: str, name: str, value: _Value) -> bool:
    """Whether `word: value` is a label and its value rather than a sentence, which can
    read the same ("Reset your password: go to Settings", "The secret: patience"): the
    value must end its line or clause, and in the middle of a line, follow a password
    or hold a digit ("Boarding pass: 12A" is neither)."""
    if _STATEMENT_END.match(text, value.end) is None:
        return False
    if _opens_line(text, start) or " " in key or name in _SENTENCE_PASSWORDS:
        return True
    return name not in _PASSWORD_WORDS and _DIGIT.search(text, value.start, value.end) is not None


def _parse_value(text: str, position: int, name: str) -> _Value | None:
    schemed = name in ("authorization", "token") or name.endswith("key")
    if schemed:  # Authorization: Bearer <value>
        scheme = _AUTH_SCHEME.match(text, position)
        position = position if scheme is None else scheme.end()
    found = _VALUE.match(text, position)
    if found is None:
        return None
    for group in ("dq", "sq", "bq"):
        if found.group(group) is not None:
            start, end = found.span(group)
            scheme = _AUTH_SCHEME.match(text, start, end) if schemed else None
            return _Value(start if scheme is None else scheme.end(), end, quoted=True)
    start = found.start("bare")
    connection = _CONNECTION_BARE.match(text, start) if _entity(name) == CONNECTION_STRING else None
    bare = found.group("bare") if connection is None else connection.group()
    return _Value(start, start + _trimmed_length(bare), quoted=False)


def _trimmed_length(bare: str) -> int:
    """The length of an unquoted value less what belongs to the text around it: a
    sentence's full stop, an unbalanced closing bracket, a URL's next query parameter."""
    query = _QUERY_NEXT.search(bare)
    if query is not None:
        bare = bare[: query.start()]
    while bare and bare[-1] in ".,;)]}>":
        opener = {")": "(", "]": "[", "}": "{", ">": "<"}.get(bare[-1])
        if opener is not None and opener in bare:
            break
        bare = bare[:-1]
    return len(bare)


def _starts_component(text: str, start: int, name: str) -> bool:
    if start == 0 or not text[start - 1].isalnum():
        return True
    if text[start].isupper() and not text[start - 1].isupper():
        return True  # camelCase: dbPassword, clientSecret
    return name in _JOINABLE


def _ends_key(text: str, end: int) -> int | None:
    """Where the key ends (after a numeric suffix: `password2`), or None when another
    component follows (`password_min_length`, `passwordPolicy`, `tokenizer`)."""
    digits = _KEY_DIGITS.match(text, end)
    end = end if digits is None else digits.end()
    following = text[end : end + 2]
    if following[:1].isalpha():
        return None
    if following[:1] in ("_", "-", ".") and following[1:2].isalnum():
        return None
    return end


def _key_start(text: str, word_start: int) -> int:
    start = word_start
    while start > max(0, word_start - MAX_KEY) and (
        text[start - 1].isalnum() or text[start - 1] in "_.-$"
    ):
        start -= 1
    return start


def _opens_line(text: str, start: int) -> bool:
    """Whether the key starts its line (past indentation, a list marker or a comment
    sign), or follows an opening bracket, a comma or a quote (JS objects, headers)."""
    head = text[max(0, start - MAX_KEY) : start]
    if head.rstrip()[-1:] in ("{", "(", "[", ",", ";", '"', "'"):
        return True
    bare = head.rstrip(" \t-*#>")
    return bare.endswith("\n") or (bare == "" and start <= MAX_KEY)


def _is_user_info(text: str, info: re.Match[str]) -> bool:
    """Whether `:…@` is the password of `user:password@host`, with or without a scheme."""
    user = _USER_BEFORE.search(text, max(0, info.start() - 90), info.start())
    host = _HOST_AFTER.match(text, info.end())
    if user is None or host is None:
        return False
    if "://" in user.group():
        return True
    before = text[user.start() - 1] if user.start() > 0 else " "
    if user.group().lower() in _LABELS or not (before.isspace() or before in "=\"'(,;<>"):
        return False
    return host.group("tail") is not None or _UNLIKE_A_NAME.search(info.group("value")) is not None
