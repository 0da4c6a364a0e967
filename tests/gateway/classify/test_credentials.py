"""Credentials named by their key: the recognizer alone (every form, every placeholder),
then a few prompts through the real classifier."""

from __future__ import annotations

import time

import pytest

from gateway.classify.credentials import (
    API_KEY,
    CONNECTION_STRING,
    ENTITIES,
    PASSWORD,
    PRIVATE_KEY,
    SCORE,
    STRONG_SCORE,
    CredentialRecognizer,
)
from gateway.classify.extract import Segment
from gateway.classify.registry import Classifiers
from gateway.classify.secrets import credential_recognizer, secret_recognizers
from gateway.classify.signals import Level

ALL = list(ENTITIES)


@pytest.fixture(scope="module")
def recognizer() -> CredentialRecognizer:
    return credential_recognizer()


def found(recognizer: CredentialRecognizer, text: str) -> list[tuple[str, str]]:
    """(entity type, the text of its span) for each finding."""
    return [(r.entity_type, text[r.start : r.end]) for r in recognizer.analyze(text, ALL)]


POSITIVES = [
    # Environment variables and shells.
    ("DB_PASSWORD=hunter2x", PASSWORD, "hunter2x"),
    ("export DB_PASSWORD='s3cr3t-Value'", PASSWORD, "s3cr3t-Value"),
    ('export API_TOKEN="tok_9f8e7d6c5b"', API_KEY, "tok_9f8e7d6c5b"),
    ("set DB_PASSWORD=hunter2x", PASSWORD, "hunter2x"),
    ('$env:AZURE_CLIENT_SECRET = "q8Zr2mPqxx"', API_KEY, "q8Zr2mPqxx"),
    ("docker run -e POSTGRES_PASSWORD=hunter2x postgres:16", PASSWORD, "hunter2x"),
    (
        "kubectl create secret generic db --from-literal=password=hunter2x",
        PASSWORD,
        "hunter2x",
    ),
    # YAML, flat and nested; a key in kebab case.
    ("password: sunshine", PASSWORD, "sunshine"),
    ("spring:\n  datasource:\n    password: sunshine\n", PASSWORD, "sunshine"),
    ("env:\n  - mysql-root-password: rootpass99  # prod\n", PASSWORD, "rootpass99"),
    ("services:\n  db:\n    POSTGRES_PASSWORD: 'k7v5m3d4'\n", PASSWORD, "k7v5m3d4"),
    # A Kubernetes or ECS environment entry: the key named, the value apart.
    ("env:\n  - name: DB_PASSWORD\n    value: hunter2x\n", PASSWORD, "hunter2x"),
    ('[{"name": "STRIPE_SECRET_KEY", "value": "rk_abc123def456"}]', API_KEY, "rk_abc123def456"),
    # JSON, INI, TOML, Java properties, XML.
    ('{"pwd": "Tr0ub4dor&3", "user": "bob"}', PASSWORD, "Tr0ub4dor&3"),
    ('{"refresh_token": "1//0gAbCdEf"}', API_KEY, "1//0gAbCdEf"),
    ("[database]\npassword = correct-horse\n", PASSWORD, "correct-horse"),
    ('[db]\npassword = "correct horse battery staple"', PASSWORD, "correct horse battery staple"),
    ("spring.datasource.password=Orchid5674", PASSWORD, "Orchid5674"),
    ("<config><password>hunter2x</password></config>", PASSWORD, "hunter2x"),
    # Command-line flags, with `=` and with a space.
    ("mysql --password=Hunter22 -h db", PASSWORD, "Hunter22"),
    ("mysql --password Hunter22 -h db", PASSWORD, "Hunter22"),
    ("vault login --token s.abc123def456", API_KEY, "s.abc123def456"),
    ("curl -u deploy:Qu4ntum^8 https://nexus.internal/", PASSWORD, "Qu4ntum^8"),
    # User info in a URL, with and without a scheme.
    ("postgres://admin:Sup3rS3cret@db.internal:5432/app", CONNECTION_STRING, "Sup3rS3cret"),
    ("HTTP_PROXY is admin:Sup3rS3cret@proxy.corp:3128", CONNECTION_STRING, "Sup3rS3cret"),
    # HTTP headers.
    ('curl -H "Authorization: Bearer abcdef123456" https://x', API_KEY, "abcdef123456"),
    ("Authorization: Basic dXNlcjpwYXNz", API_KEY, "dXNlcjpwYXNz"),
    ("X-Api-Key: 8f3a9c2e1b7d4f60", API_KEY, "8f3a9c2e1b7d4f60"),
    ('headers = {"x-api-key": "8f3a9c2e1b7d"}', API_KEY, "8f3a9c2e1b7d"),
    # camelCase and run-together keys.
    ("const cfg = { dbPassword: 'Nebula&6749' };", PASSWORD, "Nebula&6749"),
    ('clientSecret: "q8Zr2mPq"', API_KEY, "q8Zr2mPq"),
    ("apiKey=8f3a9c2e1b7d", API_KEY, "8f3a9c2e1b7d"),
    ("DBPASSWORD=hunter2x", PASSWORD, "hunter2x"),
    # Quoted literals in code; an annotated one.
    ('password = "hunter2!x"', PASSWORD, "hunter2!x"),
    ('password: str = "hunter2!x"', PASSWORD, "hunter2!x"),
    ("$db = ['password' => 'pa55word!'];", PASSWORD, "pa55word!"),
    ('os.environ["DB_PASSWORD"] = "hunter2x"', PASSWORD, "hunter2x"),
    # The other entity types.
    ('SECRET_KEY = "django-insecure-1dcc88cc"', API_KEY, "django-insecure-1dcc88cc"),
    ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCY", API_KEY, "wJalrXUtnFEMIK7MDENGbPxRfiCY"),
    ('private_key = "abcdefghijk"', PRIVATE_KEY, "abcdefghijk"),
    (
        'connection_string = "Server=x;Database=y;Password=abc123"',
        CONNECTION_STRING,
        "Server=x;Database=y;Password=abc123",
    ),
    (
        "The connection string: Server=tcp:sql,1433;Database=a;Password=_gQ-VY2*zNS*;",
        CONNECTION_STRING,
        "Server=tcp:sql,1433;Database=a;Password=_gQ-VY2*zNS*",
    ),
    ("DB_CONN_STR=Host=db;Pwd=abc1234", CONNECTION_STRING, "Host=db;Pwd=abc1234"),
    (
        "SENTRY_DSN=https://abc123@o1.ingest.sentry.io/2",
        CONNECTION_STRING,
        "https://abc123@o1.ingest.sentry.io/2",
    ),
    ("GITHUB_TOKEN=abc123def456 make release", API_KEY, "abc123def456"),
    ("AWS_CREDENTIALS=AKIAabc:secretvalue", API_KEY, "AKIAabc:secretvalue"),
    # A dictionary word, a passphrase with spaces, a label in prose, a sentence's stop.
    ("The wifi password: sunshine", PASSWORD, "sunshine"),
    ('passphrase = "correct horse battery staple"', PASSWORD, "correct horse battery staple"),
    ("Password: marmalade.", PASSWORD, "marmalade"),
    ("token=abc123def&page=2", API_KEY, "abc123def"),
    ("password2 = letmein99", PASSWORD, "letmein99"),
]


@pytest.mark.parametrize(("text", "entity", "value"), POSITIVES)
def test_a_value_under_a_credential_key_is_found(
    recognizer: CredentialRecognizer, text: str, entity: str, value: str
) -> None:
    assert found(recognizer, text) == [(entity, value)]


NEGATIVES = [
    # Placeholders.
    "password: <password>",
    "token: <your-token>",
    "password: changeme",
    "password: '***'",
    'password: "****"',
    "password: xxxxxxxx",
    "password: ${DB_PASSWORD}",
    "password: $DB_PASSWORD",
    "password=%DB_PASSWORD%",
    "password: {{ .Values.db.password }}",
    'password: "{{ .Values.db.password }}"',
    "token: ${{ secrets.GITHUB_TOKEN }}",
    "api_key: example",
    "password: your_password",
    "password: password",
    "secret: secret",
    "token = token",
    "password: REDACTED",
    "password: [REDACTED]",
    "password: null",
    "password: none",
    "secure: true",
    "password: false",
    "password: yes",
    'password: ""',
    "password: ...",
    "password: TODO",
    "Authorization: Bearer <token>",
    "What does the header 'Authorization: Bearer <token>' mean?",
    "The README example is postgres://user:password@localhost:5432/mydb.",
    "password: abc",  # too short to tell
    # Code rather than a literal.
    'password = os.environ["DB_PASSWORD"]',
    "token = get_token()",
    "connect(host=h, secret=self.secret)",
    "const t = process.env.API_TOKEN;",
    "connect(user=user, password=db_password)",
    "login(password=password)",
    "GOOGLE_APPLICATION_CREDENTIALS=/etc/keys/sa.json",
    "password: !vault |",
    "if password == '': raise ValueError('empty')",
    "credentials: 'include'",
    "SELECT id FROM users WHERE password = :password",
    "UPDATE users SET password = @password",
    "- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db-creds\n",
    # Not the key's last component.
    "token_count: 500",
    "max_tokens=100",
    "password_min_length: 12",
    "secret_name: db-creds",
    "passwordPolicy: strict",
    "tokenizer: bpe",
    "DB_PASSWORD_FILE=/run/secrets/db",
    "primary key: customer_id",
    "monkey: business123",
    "compass: north1234",
    # Prose.
    "What makes a good password?",
    "The secret to good bread is time.",
    "Reset your password: go to Settings",
    "Password: what are the rules for a strong one?",
    "The secret: patience.",
    "Boarding pass: AB1234",
    "Email:maria.lopez82@gmail.com",
    "mailto:john@example.com",
    "Is 'P@ssw0rd' a strong password? Explain why or why not.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_placeholders_code_other_keys_and_prose_are_not_credentials(
    recognizer: CredentialRecognizer, text: str
) -> None:
    assert found(recognizer, text) == []


def test_randomness_raises_the_score_and_is_never_required(
    recognizer: CredentialRecognizer,
) -> None:
    [word] = recognizer.analyze("password: sunshine", ALL)
    [random] = recognizer.analyze("password: q8Zr2mPq!7", ALL)
    assert (word.score, random.score) == (SCORE, STRONG_SCORE)


@pytest.mark.parametrize(
    "text",
    [
        "Sørensen\u2019s password: sunshine",  # not ASCII
        "İstanbul office password: sunshine",  # lower-casing lengthens İ
        "PASSWORD: sunshine",
    ],
)
def test_any_text_and_any_case_is_searched(recognizer: CredentialRecognizer, text: str) -> None:
    assert found(recognizer, text) == [(PASSWORD, "sunshine")]


def test_only_the_requested_entities_are_reported(recognizer: CredentialRecognizer) -> None:
    text = "password: sunshine\napi_key: 8f3a9c2e1b7d"
    assert [r.entity_type for r in recognizer.analyze(text, [API_KEY])] == [API_KEY]


def test_the_secret_recognizers_include_it() -> None:
    assert sum(isinstance(r, CredentialRecognizer) for r in secret_recognizers()) == 1


@pytest.mark.parametrize(
    "text",
    [
        "token: " * 30_000,
        "password=" * 25_000,
        "a password: abcd, " * 12_000,
        "x:abcd1@host " * 16_000,
        "-u a:" * 40_000,
        "<password>" * 20_000,
        "password: " + "a " * 100_000,
        "password:" + " " * 200_000,
        ("x" * 60 + ":" + "y" * 600 + "@") * 300,
    ],
)
def test_large_inputs_take_linear_time(recognizer: CredentialRecognizer, text: str) -> None:
    # Each of these takes well under a second here; a quadratic path would take minutes.
    started = time.perf_counter()
    recognizer.analyze(text, ALL)
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    "text",
    [
        "password: sunshine",
        "export DB_PASSWORD='hunter2'",
        "Why does this fail?\n```yaml\nspring:\n  datasource:\n    password: marmalade\n```",
        "mysql --password correcthorse -h db.internal",
        'Call it with curl -H "X-Api-Key: 8f3a9c2e1b7d" and tell me why it 401s.',
        '{"pwd": "letmein", "user": "svc_app"}',
    ],
)
def test_a_named_credential_is_restricted(classifiers: Classifiers, text: str) -> None:
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.level == Level.RESTRICTED


@pytest.mark.parametrize(
    "text",
    [
        "What makes a good password?",
        "The secret to good bread is time.",
        "Reset your password: go to Settings",
        "Set max_tokens=100 and token_count: 500 in the request.",
        "In my compose file I have password: ${DB_PASSWORD}. How do I set that variable?",
    ],
)
def test_prose_and_placeholders_stay_public(classifiers: Classifiers, text: str) -> None:
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.level == Level.PUBLIC


def test_redaction_replaces_the_value_and_keeps_the_key(classifiers: Classifiers) -> None:
    text = "spring:\n  datasource:\n    password: marmalade\n"
    spans = classifiers.sensitivity.spans(text)
    value = text.index("marmalade")
    assert (value, value + len("marmalade"), PASSWORD) in spans
    assert all(end <= text.index("password") or start >= value for start, end, _ in spans)
