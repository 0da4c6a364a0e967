# ruff: noqa: RUF001 - the strings hold French and German quotes, apostrophes and dashes.
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

German and French (covered languages) name credentials too: `Passwort`, `Kennwort`,
`Zugangsdaten`, `mot de passe`, `mdp`, `code d'accès`, `identifiants`, and a PIN by an
explicit `PIN`/`code PIN`/`Geheimzahl` (its value 4 to 8 digits). Their keyed forms
(`passwort=`, `mot_de_passe: `) read as the English ones; in prose the value follows
a copula after a short gap ("das WLAN-Passwort fürs Büro ist ab Montag X", "le mot de
passe du wifi c'est X") or the key word itself ("…, mdp X"). There a value must not
read as a word of the sentence: it holds a symbol, or a digit or an inner capital and
ends its clause, unless it directly follows "lautet"/"ist:"/"mot de passe :" (then a
plain word counts too); a word after a preposition or an article ("ist für
Office365") never does. A name that says what goes there (`DEIN_SCHLUESSEL_HIER`,
`<Passwort>`, `VOTRE_CLE_ICI`) is a placeholder; a weak real password (`geheim`) is not.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
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
# German and French key words (tried first: `code secret` before `secret`, `pincode`
# before `pin`). `Passwort` is the English alternation's.
_NATIVE_KEY_WORDS = (
    r"pin[ _\-]?(?:code|nummer|nr)|code[ _\-]?pin|geheim(?:zahl|nummer)|pin"
    r"|zugangs[ _\-]?code|code[ _\-]?d['’ ]?acc[eè]s|code[ _\-]secret"
    r"|kennwort|mots?[ _\-]?de[ _\-]?passe|mdp"
    r"|(?:wlan|wifi|wi-fi|netzwerk|api|zugriffs|geheim)[ _\-]?schl(?:ü|ue|u)ssel"
    r"|cl[ée][ _\-]?(?:d['’])?api"
    r"|cl[ée][ _\-](?:secr[eè]te|priv[ée]e|wifi|wi-fi|wpa2?|de[ _\-]s[ée]curit[ée])"
    r"|jeton(?:[ _\-]d['’ ]?acc[eè]s)?|zugangsdaten|anmeldedaten|identifiants"
)
_KEY_WORDS = (
    rf"{_NATIVE_KEY_WORDS}"
    rf"|(?:{_KEY_QUALIFIERS})[_\-. ]?key|conn(?:ection)?[_\-. ]?str(?:ing)?"
    r"|pass(?:word|wort|wd|phrase|code)?|pwd|pw|secret|token|cred(?:ential)?s|credential"
    r"|dsn|authorization"
)
# Searched in the lower-cased text: a case-insensitive alternation costs Python's
# regex engine several times as much, and most prompts hold none of these stems.
_KEY_WORD = re.compile(_KEY_WORDS)
_KEY_WORD_ANY_CASE = re.compile(_KEY_WORDS, re.IGNORECASE)
_KEY_STEMS = (
    *("pass", "pw", "secret", "token", "key", "cred", "conn", "dsn", "authoriz"),
    *("kennw", "mdp", "pin", "geheim", "zugang", "code", "schl", "clé", "cle", "jeton"),
    *("anmeldedaten", "identifiants"),
)
# Words that may follow other letters in a run-together key (`DBPASSWORD`, `authtoken`);
# the rest must start a component (`bypass`, `monkey` and `oauth` are no keys).
_JOINABLE = frozenset(
    {"password", "passwd", "passwort", "passphrase", "passcode", "secret", "token"}
    | {"credential", "credentials", "creds", "kennwort", "zugangsdaten", "anmeldedaten"}
    | {"zugangscode", "geheimzahl", "geheimnummer"}
)
_SENTENCE_PASSWORDS = frozenset(
    {"password", "passwd", "passwort", "passphrase", "passcode", "kennwort"}
    | {"motdepasse", "motsdepasse"}
)
_PASSWORD_WORDS = _SENTENCE_PASSWORDS | {"pass", "pwd", "pw"}

# What a key word names, by its letters alone (`_canonical`: `Code d'accès` -> codedacces).
_PIN_NAME = re.compile(r"pin(?:code|nummer|nr)?|codepin|geheim(?:zahl|nummer)")
_CODE_NAME = re.compile(r"zugangscode|codedacces|codesecret")
_NATIVE_PASSWORD_NAME = re.compile(
    r"passwort|kennwort|motsdepasse|motdepasse|mdp"
    r"|(?:wlan|wifi|netzwerk)schl(?:u|ue)ssel|cle(?:wifi|wpa2?|desecurite)"
)
_NATIVE_CREDENTIALS_NAME = re.compile(r"zugangsdaten|anmeldedaten|identifiants")
_NATIVE_KEY_NAME = re.compile(
    r"(?:api|zugriffs|geheim)schl(?:u|ue)ssel|cled?api|clesecrete"
    r"|jeton(?:dacces)?"
)
_NATIVE_PRIVATE_KEY_NAME = re.compile(r"clepriv(?:e|ee)")
# English key words that German and French prose borrows ("der Token ist …", "le
# secret est …"); `pass` (a German passport), `pwd`, `dsn` and headers are left out.
_LOAN_NAME = re.compile(
    r"password|passwd|passphrase|passcode|secret|token|creds?|credentials?|\w+key"
)
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
# A key that reads as words (`password`, `api key`, `mot de passe`, `code d'accès`).
_PLAIN_KEY = re.compile(r"[^\W\d_]+(?:[ '’][^\W\d_]+){0,3}")

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
    # German and French: what a form or a manual writes instead of a value.
    | {"leer", "keins", "keine", "vide", "aucun", "aucune", "néant", "neant", "vrai", "faux"}
    | {"erforderlich", "obligatoire", "versteckt", "verborgen", "masqué", "masque"}
    | {"geschwärzt", "geschwaerzt", "zensiert", "entfernt", "caviardé", "supprimé"}
    | {"ändern", "aendern", "changer", "wert", "valeur", "zeichenkette", "chaîne"}
)
# A name that says what goes there rather than a value: the slot's own name, alone or
# after a possessive, before "here" (`Passwort`, `IHR_PASSWORT`, `DeinSchlüssel`,
# `SCHLUESSEL_HIER`, `votre-mot-de-passe`, `ta_cle_ici`). "geheim" is a weak password.
_SLOT_NAME = re.compile(
    r"(?:(?:your|dein|deine|ihr|ihre|euer|eure|votre|vos|ton|ta|tes)[_\-. ]?)?"
    r"(?:(?:api|wlan|wifi|zugangs|netzwerk|geheim|neues|nouveau|nouvelle)[_\-. ]?)?"
    r"(?:passwort|kennwort|schl(?:ü|ue|u)ssel|geheimnis|zugangsdaten|zugangscode|pin"
    r"|mots?[_\-. ]?de[_\-. ]?passe|mdp|cl[ée]|jeton|identifiants?|code"
    r"|password|key|token|secret|benutzer(?:name)?|utilisateur)"
    r"(?:[_\-. ]?(?:hier|ici|here|ein|eingeben))?"
)
# In prose, a value must not read as a word of the sentence. The symbols that make a
# token unlike one (an apostrophe, a hyphen, a dot or a slash do not: "l'équipe",
# "Wi-Fi", "m.kraemer", "und/oder").
_SYMBOLS = frozenset("!#$%&*+=?@^~§€£|\\")
# Spaces within a line, a few at most: two unbounded runs side by side would let a
# long run of spaces cost quadratic time.
_SPACES = r"[^\S\n]{0,8}+"
_SPACED = r"[^\S\n]{1,8}+"
_GAP_WORD = r"[^\s.,;:!?=\"«»„“”()\[\]{}<>]{1,24}+"
_COPULA = (
    r"c['’]est|c['’][ée]tait|ce[^\S\n]{1,8}sera|est|sont|sera|seront|[ée]tait|reste|devient"
    r"|ist|sind|war|waren|w[äa]re|bleibt|wird|lautet|lauten|lautete|hei(?:ß|ss)t"
)
# After the key: a few words ("fürs Büro", "du wifi invités"), then a copula, perhaps
# after a comma ("le mot de passe, c'est") or with a colon ("ist:"), or a colon or an
# equals sign.
_PROSE = re.compile(
    rf"(?P<gap>(?:{_SPACED}{_GAP_WORD}){{0,4}}?)"
    rf"(?:{_SPACES}(?P<sep>[:=])(?![=>])"
    rf"|(?:{_SPACES},)?{_SPACED}(?P<verb>{_COPULA})(?![\w'’])(?:{_SPACES}(?P<colon>:))?)",
    re.IGNORECASE,
)
_DIRECT_GAP = re.compile(_SPACED)
_TOKEN = re.compile(rf"{_SPACES}(?P<token>\S{{1,{MAX_VALUE}}}+)")
_QUOTES = {
    '"': '"',
    "'": "'",
    "`": "`",
    "„": '“”"',
    "“": '”"',
    "«": "»",
    "‚": "‘’'",
    "‘": "’'",
}
_TRAILING = ".,;:?)]}>…»“”\"'’"
# The words between the copula and the value that do not end the search.
_PROSE_GAP_TOKENS = 3
# Where a value in prose ends its clause: the line's or text's end, punctuation, a
# dash, a slash between a user and a password, or a conjunction.
_CLAUSE_END = re.compile(
    rf"{_SPACES}(?:$|\n|[,;:.!?)\]»“”\"'’–—]|[-/|](?:{_SPACED}|$)"
    r"|(?:und|oder|aber|sowie|bitte|danke|et|ou|mais|merci|svp|stp|and|or|but|please)"
    r"(?![\w'’]))",
    re.IGNORECASE,
)
# A word before the value that makes it the object of a preposition or an article's
# noun, not the value ("ist für Office365", "est dans le fichier config2").
_FUNCTION_WORDS = frozenset(
    {"für", "fürs", "fuer", "vom", "von", "mit", "bei", "beim", "an", "am", "auf", "aus"}
    | {"in", "im", "ins", "zu", "zum", "zur", "über", "ueber", "unter", "nach", "vor"}
    | {"seit", "ab", "bis", "per", "via", "gegen", "ohne", "um", "wie", "als", "der"}
    | {"die", "das", "dem", "den", "des", "ein", "eine", "einem", "einen", "einer"}
    | {"pour", "par", "de", "du", "des", "le", "la", "les", "un", "une", "avec", "sans"}
    | {"sur", "sous", "dans", "en", "à", "au", "aux", "chez", "depuis", "vers", "comme"}
    | {"que", "jusqu'à", "jusqu’à", "for", "with", "on", "at", "from", "to", "by", "of"}
    | {"the", "a", "an", "like", "as"}
)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^\W\d_]{2,24}")
_NUMBERISH = re.compile(r"[\d.,:/%€$+\-]{1,40}")
# A number run into a word: "12fach", "8stellig".
_NUMBER_WORD = re.compile(r"\d{1,3}[^\W\d_]{3,64}")
_PIN_VALUE = re.compile(r"\d{4,8}")
_PAIR_SECOND = re.compile(rf"{_SPACED}/{_SPACED}(?P<second>\S{{1,{MAX_VALUE}}}+)")

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
            name = _name(text[start:end])
            kind = _kind(name)
            value = _assigned_value(text, start, end, kind)
            if (
                value is not None
                and self._is_literal(text, value)
                and (kind != _PIN_KIND or _PIN_VALUE.fullmatch(text, value.start, value.end))
            ):
                found.append(self._result(_entity(name), text, value.start, value.end))
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
            or _SLOT_NAME.fullmatch(lowered) is not None
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


# What a German or French key word names (None for the English ones, `_LOAN_KIND` for those
# that German and French prose borrows). `_PIN_KIND` values are 4 to 8 digits; a `_CODE_KIND`'s
# may be digits or a password's; `_CREDENTIALS_KIND` is a pair of user and password.
_PIN_KIND = "pin"
_CODE_KIND = "code"
_NATIVE_PASSWORD_KIND = "password"
_CREDENTIALS_KIND = "credentials"
_NATIVE_KEY_KIND = "key"
_NATIVE_PRIVATE_KEY_KIND = "private key"
_LOAN_KIND = "loan"
_KINDS = (
    (_PIN_KIND, _PIN_NAME),
    (_CODE_KIND, _CODE_NAME),
    (_NATIVE_PASSWORD_KIND, _NATIVE_PASSWORD_NAME),
    (_CREDENTIALS_KIND, _NATIVE_CREDENTIALS_NAME),
    (_NATIVE_KEY_KIND, _NATIVE_KEY_NAME),
    (_NATIVE_PRIVATE_KEY_KIND, _NATIVE_PRIVATE_KEY_NAME),
    (_LOAN_KIND, _LOAN_NAME),
)
_NATIVE_ENTITIES = {
    _PIN_KIND: PASSWORD,
    _CODE_KIND: PASSWORD,
    _NATIVE_PASSWORD_KIND: PASSWORD,
    _CREDENTIALS_KIND: API_KEY,
    _NATIVE_KEY_KIND: API_KEY,
    _NATIVE_PRIVATE_KEY_KIND: PRIVATE_KEY,
}
# Whose value may follow the key word itself in prose ("Passwort X", "mdp X").
_DIRECT_KINDS = frozenset({_PIN_KIND, _CODE_KIND, _NATIVE_PASSWORD_KIND})
# Whose value may be a single plain word after "lautet", "ist:" or "mot de passe :".
_WORD_VALUE_KINDS = frozenset({_CODE_KIND, _NATIVE_PASSWORD_KIND})
_WORD_VALUE_NAMES = frozenset({"mdp"})  # ...but an abbreviation, like `pwd`, needs more


def _canonical(name: str) -> str:
    """A key word's letters and digits without accents: `coded'accès` -> codedacces."""
    folded = unicodedata.normalize("NFKD", name)
    return "".join(c for c in folded if c.isalnum())


def _kind(name: str) -> str | None:
    canonical = _canonical(name)
    for kind, pattern in _KINDS:
        if pattern.fullmatch(canonical) is not None:
            return kind
    return None


def _entity(name: str) -> str:
    native = _NATIVE_ENTITIES.get(_kind(name) or "")
    if native is not None:
        return native
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


def _assigned_value(
    text: str, word_start: int, word_end: int, kind: str | None = None
) -> _Value | None:
    """The value assigned to the key that the word at `word_start` ends, or None when
    the word is not the last component of a key, or nothing is assigned to it. `kind`
    (`_kind`) lets a German or French sentence name it too."""
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
    if value is None and kind is not None:
        value = _prose_value(text, end, name, kind)
    return value


def _prose_value(text: str, end: int, name: str, kind: str) -> _Value | None:
    """The value that a German or French sentence gives the key word ending at `end`:
    after a copula ("ist ab Montag X", "c'est X"), a colon after a few words ("für den
    Deploy-Job: X"), or the word itself ("Passwort X")."""
    prose = _PROSE.match(text, end)
    if prose is not None and (prose.group("sep") is None or kind != _LOAN_KIND):
        verb = (prose.group("verb") or "").lower()
        explicit = (
            prose.group("colon") is not None
            or verb.startswith("laut")
            or (prose.group("sep") == ":" and not prose.group("gap"))
        )
        words = explicit and kind in _WORD_VALUE_KINDS and name not in _WORD_VALUE_NAMES
        value = _value_after(text, prose.end(), kind, words, _PROSE_GAP_TOKENS)
        if value is not None:
            return _with_second(text, value) if kind == _CREDENTIALS_KIND else value
    if kind in _DIRECT_KINDS:
        gap = _DIRECT_GAP.match(text, end)
        if gap is not None and not text.startswith(tuple(_QUOTES), gap.end()):
            return _value_after(text, gap.end(), kind, words=False, gap_tokens=0)
    return None


def _with_second(text: str, value: _Value) -> _Value:
    """Credentials given as a pair ("AKIA… / x8raw…", "admin / Geheim1!"): both."""
    pair = _PAIR_SECOND.match(text, value.end)
    if value.quoted or pair is None:
        return value
    second = pair.group("second").rstrip(_TRAILING)
    if _shape(second) not in (_STRONG, _MEDIUM):
        return value
    return _Value(value.start, pair.start("second") + len(second), quoted=False)


def _value_after(
    text: str, position: int, kind: str, words: bool, gap_tokens: int
) -> _Value | None:
    """The first token from `position` on (past at most `gap_tokens` words of the
    sentence) that reads as the value, or None when something else comes first.
    `words`: a plain word right at `position` is a value too."""
    before = ""
    for index in range(gap_tokens + 1):
        token = _TOKEN.match(text, position)
        if token is None:
            return None
        start, end = token.span("token")
        quoted = text[start] in _QUOTES
        if quoted:
            span = _quoted(text, start)
            if span is None:
                return None
            value_start, value_end, after = span
        else:
            value_start, after = start, start + len(token.group("token").rstrip(_TRAILING))
            value_end = after
        shape = _shape(text[value_start:value_end])
        candidate = shape in (_STRONG, _MEDIUM, _DIGITS)
        if candidate and before in _FUNCTION_WORDS:
            return None  # "für Office365", "dans config2.yml": no value
        if candidate or (shape == _WORD and words and index == 0):
            if _accepts(text, kind, shape, index, value_start, value_end, after):
                return _Value(value_start, value_end, quoted=quoted)
            if candidate:
                return None  # a value unlike this key's ends the search
        if quoted or shape not in (_WORD, _GAP):
            return None
        if text[end - 1] in ",;:!?" or (shape == _WORD and text[end - 1] == "."):
            return None  # the clause ends (a date's or an ordinal's dot does not end it)
        before = text[start:end].lower()
        position = end
    return None


def _accepts(
    text: str, kind: str, shape: str, index: int, start: int, end: int, after: int
) -> bool:
    """Whether a token in prose (`start`-`end`, its quotes and stop up to `after`) is
    the value of a key of `kind`."""
    ends_clause = _CLAUSE_END.match(text, after) is not None
    if kind == _PIN_KIND or (kind == _CODE_KIND and shape == _DIGITS):
        # "PIN 1234", "ist ab Montag 4711,", but not "ist 2019 geändert worden"
        return ends_clause and _PIN_VALUE.fullmatch(text, start, end) is not None
    if shape == _STRONG:
        return True
    if shape in (_DIGITS, _WORD):  # a number or a plain word: only right after the verb
        return index == 0 and ends_clause
    return ends_clause


def _quoted(text: str, start: int) -> tuple[int, int, int] | None:
    """The span of a quoted value in prose, less spaces inside the quotes, and where its
    closing quote ends; None when the quote does not close on its line."""
    closers = _QUOTES[text[start]]
    inner = start + 1
    limit = min(len(text), inner + MAX_VALUE)
    found = [text.find(closer, inner, limit) for closer in closers]
    close = min((i for i in found if i >= 0), default=-1)
    line_end = text.find("\n", inner, limit)
    if close < 0 or 0 <= line_end < close:
        return None
    content = text[inner:close]
    value_start = inner + len(content) - len(content.lstrip())
    value_end = inner + len(content.rstrip())
    return (value_start, value_end, close + 1) if value_end > value_start else None


def _is_compound(core: str, digits: bool, symbols: bool) -> bool:
    """A compound word of the sentence rather than a value: a number run into a word
    ("12fach"), or anything hyphened to a last word ("8-stellig", "WPA2-verschlüsselt",
    "FRITZ!Box-Standard"), unless it holds both a digit and a symbol."""
    if digits and symbols:
        return False
    head, hyphen, last = core.rpartition("-")
    if hyphen and head and len(last) >= 3 and last.isalpha():
        return True
    return not symbols and _NUMBER_WORD.fullmatch(core) is not None


# How a token in prose reads (`_shape`).
_STRONG = "strong"  # letters and a symbol: Kaffeeklatsch#77
_MEDIUM = "medium"  # letters and digits or an inner capital: Sonnenblume2023, hunTer
_DIGITS = "digits"  # 1234
_WORD = "word"  # a word of the sentence, a compound of a number and a word
_GAP = "gap"  # a date, a time, an amount, an address: 1.4., 10:30, 100%, a@b.de
_OTHER = "other"  # a URL, a dash, punctuation


def _shape(token: str) -> str:
    core = token.rstrip("!")
    if not core or "://" in core:
        return _OTHER
    if _EMAIL.fullmatch(core) is not None:
        return _GAP  # a user's address: "admin@firma.de / Geheim1!"
    letters = any(c.isalpha() for c in core)
    digits = any(c.isdigit() for c in core)
    symbols = any(c in _SYMBOLS for c in core)
    # A trailing "!" belongs to a password ("Croissant2025!"), not to a word ("sicher!").
    symbols = symbols or (len(core) < len(token) and (digits or symbols))
    if not letters:
        if core.isdigit():
            return _DIGITS
        numeric = digits and _NUMBERISH.fullmatch(core) is not None
        return _GAP if numeric or core in ("/", "|") else _OTHER
    if _is_compound(core, digits, symbols):
        return _WORD
    if symbols:
        return _STRONG
    if digits or any(a.islower() and b.isupper() for a, b in itertools.pairwise(core)):
        return _MEDIUM
    return _WORD


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
