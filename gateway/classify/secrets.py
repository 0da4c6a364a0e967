"""Recognizers for credentials and secrets, which Presidio does not ship.

Each pattern is specific enough to score high on its own; obvious placeholders
("YOUR_API_KEY", "AKIAXXXXXXXXEXAMPLE", "<password>") are discarded. Values with no
shape of their own, named by their key (`DB_PASSWORD=...`), are credentials.py's.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer

from gateway.classify.credentials import CredentialRecognizer, entropy

_PLACEHOLDER = re.compile(
    r"example|xxxx|your[_-]|<[^>]*>|\*{3}|\.\.\.|changeme|placeholder|redacted|dummy|\$\{"
    r"|:(?:password|passwd|pass|secret|pwd)@"
    # German and French: "DEIN_SCHLUESSEL_HIER", "IHR-PASSWORT", "VOTRE_CLE_ICI",
    # "ton_mdp", "Beispiel", "exemple", "Platzhalter", "bitte_aendern", "a_changer".
    r"|(?<![a-z0-9])(?:dein|deine|ihr|ihre|euer|eure|votre|vos|ton|ta|tes)[_-]"
    r"|[_-](?:hier|ici)(?![a-z0-9])|beispiel|exemple|platzhalter|aendern|ändern"
    r"|(?<![a-z0-9])[aà][_-]changer",
    re.IGNORECASE,
)


class SecretRecognizer(PatternRecognizer):
    """A pattern recognizer that drops placeholders and, optionally, low-entropy values."""

    def __init__(
        self,
        entity: str,
        patterns: list[Pattern],
        context: list[str] | None = None,
        min_entropy: float = 0.0,
        name: str | None = None,
    ) -> None:
        super().__init__(
            supported_entity=entity,
            patterns=patterns,
            context=context or [],
            name=name or f"{entity.title().replace('_', '')}Recognizer",
        )
        self._min_entropy = min_entropy

    def invalidate_result(self, pattern_text: str) -> bool:
        if _PLACEHOLDER.search(pattern_text):
            return True
        return self._min_entropy > 0 and entropy(pattern_text) < self._min_entropy


def _p(name: str, regex: str, score: float = 0.9) -> Pattern:
    return Pattern(name=name, regex=regex, score=score)


def _cloud_access_keys() -> SecretRecognizer:
    return SecretRecognizer(
        "CLOUD_ACCESS_KEY",
        [
            _p("aws access key id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
            _p("google api key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
            _p(
                "aws secret access key",
                r"(?i)aws.{0,20}secret.{0,20}?[=:\"'\s]\s*[\"']?([A-Za-z0-9/+=]{40})\b",
                0.85,
            ),
            _p("azure account key", r"(?i)AccountKey=[A-Za-z0-9+/=]{40,}"),
            _p("azure shared access signature", r"(?i)\bsig=[A-Za-z0-9%+/=]{30,}"),
        ],
    )


def _api_keys() -> SecretRecognizer:
    return SecretRecognizer(
        "API_KEY",
        [
            _p("github token", r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
            _p("github fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{60,}\b"),
            _p("slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
            _p("openai style key", r"\bsk-(?:proj-|svcacct-|ant-)?[A-Za-z0-9_\-]{32,}\b"),
            _p("stripe key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b"),
            _p("sendgrid key", r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}\b"),
            _p("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
            _p("pypi token", r"\bpypi-[A-Za-z0-9_\-]{50,}"),
            _p("gitlab token", r"\bglpat-[A-Za-z0-9_\-]{20}\b"),
            _p(
                "generic api key assignment",
                r"(?i)(?:api[_-]?key|apikey|access[_-]?token|_?auth[_-]?token|client[_-]?secret"
                r"|secret[_-]?key|bearer)\b[\"']?\s*[:=]?\s*[\"']?([A-Za-z0-9_\-./+=]{16,})",
                0.75,
            ),
        ],
        min_entropy=3.0,
    )


def _passwords() -> SecretRecognizer:
    return SecretRecognizer(
        "PASSWORD",
        [
            _p(
                "password assignment",
                r"(?i)\b(?:password|passwd|pwd|passphrase|pass ?code|pin)\b[^.\n@/]{0,40}?"
                r"(?:[:=]|\bis\b|\bwas\b|\bto\b)\s*[\"'`]?"
                r"((?=[^\s\"'`,;]*\d)(?=[^\s\"'`,;]*[A-Za-z])[^\s\"'`,;]{6,})",
                0.8,
            ),
            _p(
                "login pair",
                r"(?i)\b(?:login|log-in|credentials?|sign-in|user ?name and password)\b"
                r"[^.\n]{0,30}?\b[\w.@-]+\s*[/:]\s*"
                r"((?=\S*\d)(?=\S*[A-Za-z])[^\s\"'`,;]{6,})",
                0.8,
            ),
            _p(
                "password followed by its value",
                r"(?i)\b(?:password|passwd|passphrase)\s+[\"'`]?"
                r"((?=[^\s\"'`,;]*\d)(?=[^\s\"'`,;]*[A-Za-z])[^\s\"'`,;]{6,})",
                0.8,
            ),
        ],
    )


def _connection_strings() -> SecretRecognizer:
    return SecretRecognizer(
        "CONNECTION_STRING",
        [
            _p(
                "url with credentials",
                r"\b[a-z][a-z0-9+.\-]{1,20}://[^\s:/@]*:[^\s@/]{3,}@[^\s/]+",
                0.9,
            ),
            _p("ado style password", r"(?i)(?:^|;)\s*(?:password|pwd)\s*=\s*[^;\s]{3,}", 0.9),
            _p(
                "jdbc credentials in code",
                r"getConnection\(\s*[^,()]+,\s*\"[^\"]+\",\s*\"[^\"]{4,}\"\s*\)",
                0.85,
            ),
        ],
    )


def _private_keys() -> SecretRecognizer:
    return SecretRecognizer(
        "PRIVATE_KEY",
        [
            # The whole block, so that redaction replaces the key material and not
            # only its header: to the END line, or (a block cut short) as far as the
            # base64 lines go.
            _p(
                "pem private key",
                r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?"
                r"PRIVATE KEY(?: BLOCK)?-----"
                r"(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,-]*)",
                1.0,
            ),
            # An END line alone still says that key material is near.
            _p("pem private key end", r"-----END [A-Z ]*PRIVATE KEY(?: BLOCK)?-----", 1.0),
        ],
    )


def _json_web_tokens() -> SecretRecognizer:
    return SecretRecognizer(
        "JWT",
        [
            _p(
                "json web token",
                r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
                0.95,
            )
        ],
    )


def credential_recognizer() -> CredentialRecognizer:
    """Values named by their key, with the same test for a placeholder as the rest."""
    return CredentialRecognizer(_PLACEHOLDER)


def secret_recognizers() -> list[EntityRecognizer]:
    return [
        build()
        for build in (
            _cloud_access_keys,
            _api_keys,
            _passwords,
            _connection_strings,
            _private_keys,
            _json_web_tokens,
            credential_recognizer,
        )
    ]
