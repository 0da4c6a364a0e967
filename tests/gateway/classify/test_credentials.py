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


# German and French: the keyed forms, a copula after a short gap, the key word itself.
GERMAN_FRENCH_POSITIVES = [
    # Keyed, as in a config file or a form.
    ("passwort=Sonnenschein1", PASSWORD, "Sonnenschein1"),
    ("kennwort: hunter22", PASSWORD, "hunter22"),
    ("mot_de_passe=Soleil2024", PASSWORD, "Soleil2024"),
    ("MOT_DE_PASSE='Soleil2024'", PASSWORD, "Soleil2024"),
    ("mdp=Soleil2024", PASSWORD, "Soleil2024"),
    ('{"passwort": "Geheim123"}', PASSWORD, "Geheim123"),
    ("<kennwort>Sonne2024</kennwort>", PASSWORD, "Sonne2024"),
    ("WLAN-Schlüssel: Xy7abc9Q", PASSWORD, "Xy7abc9Q"),
    ("Benutzername: admin, Kennwort: Tulpe2024", PASSWORD, "Tulpe2024"),
    # After an explicit label any value counts, a dictionary word too.
    ("Passwort: Sonnenschein", PASSWORD, "Sonnenschein"),
    ("Passwort: Sonnenschein \u2013 bitte weitergeben", PASSWORD, "Sonnenschein"),
    ("Das Passwort ist: Sonnenschein", PASSWORD, "Sonnenschein"),
    ("Das Passwort lautet Sonnenschein.", PASSWORD, "Sonnenschein"),
    ("mot de passe : soleil", PASSWORD, "soleil"),
    ("mot de passe\u00a0: soleil", PASSWORD, "soleil"),
    ("le mot de passe est : soleil", PASSWORD, "soleil"),
    ("Das Passwort lautet „Sonne Mond Sterne“.", PASSWORD, "Sonne Mond Sterne"),
    # "geheim" is a weak password, not a placeholder.
    ("Passwort: geheim", PASSWORD, "geheim"),
    ("Das Passwort lautet geheim.", PASSWORD, "geheim"),
    # In a sentence: a copula, perhaps after a few words, perhaps followed by a few.
    (
        "Das WLAN-Passwort fürs Büro ist ab Montag Kaffeeklatsch#77 \u2013 schreib eine Rundmail.",
        PASSWORD,
        "Kaffeeklatsch#77",
    ),
    ("Das Passwort für den Router lautet Tulpe2024", PASSWORD, "Tulpe2024"),
    ("Das Passwort ist übrigens Tulpe2024.", PASSWORD, "Tulpe2024"),
    ("Das neue Kennwort wird ab morgen Herbst2025! sein", PASSWORD, "Herbst2025!"),
    ("Mein Passwort war früher Hund123, jetzt ist es Katze456", PASSWORD, "Hund123"),
    ("Mein Passwort ist hunter2", PASSWORD, "hunter2"),
    ("Das Passwort ist 12345678.", PASSWORD, "12345678"),
    ("Das Passwort ist 'Sommer2024!'", PASSWORD, "Sommer2024!"),
    ("Mein neues Passwort: Sommer2024!", PASSWORD, "Sommer2024!"),
    ("Der Netzwerkschlüssel ist Xy7!abc9", PASSWORD, "Xy7!abc9"),
    (
        "Le nouveau mot de passe du wifi invités c'est Croissant2025! \u2013 écris un mail.",
        PASSWORD,
        "Croissant2025!",
    ),
    ("Le mot de passe, c'est Azerty123", PASSWORD, "Azerty123"),
    ("mon mdp c'est soleil123", PASSWORD, "soleil123"),
    ("Mot de passe temporaire : Azerty123!", PASSWORD, "Azerty123!"),
    ("Le mot de passe du wifi\u00a0: Croissant2025!", PASSWORD, "Croissant2025!"),
    ("Le mot de passe est « Soleil2024 »", PASSWORD, "Soleil2024"),
    ("La clé wifi c'est Abcd1234", PASSWORD, "Abcd1234"),
    ("Le code d'accès de l'immeuble est 4B27A.", PASSWORD, "4B27A"),
    ("Le code d'accès est 1234", PASSWORD, "1234"),
    ("Der Zugangscode lautet 8812.", PASSWORD, "8812"),
    # The key word itself, then the value.
    (
        "Login fürs Portal ist Benutzer m.kraemer, Passwort Sonnenblume2023! \u2013 schreib uns.",
        PASSWORD,
        "Sonnenblume2023!",
    ),
    (
        "Identifiants du portail : login f.morin, mdp Bretagne#1987. Rédige une procédure.",
        PASSWORD,
        "Bretagne#1987",
    ),
    ("Zugangsdaten: Benutzer admin, Passwort Geheim123!", PASSWORD, "Geheim123!"),
    # A PIN: only by its name, and only 4 to 8 digits.
    ("le code PIN est 1234", PASSWORD, "1234"),
    ("Meine PIN lautet 4711.", PASSWORD, "4711"),
    ("Die PIN für mein Handy ist 9876.", PASSWORD, "9876"),
    ("Meine PIN ist 4711, kannst du sie dir merken?", PASSWORD, "4711"),
    ("Die Geheimzahl meiner EC-Karte ist 5821.", PASSWORD, "5821"),
    ("Geheimzahl 82731", PASSWORD, "82731"),
    ("PIN-Code: 4711", PASSWORD, "4711"),
    ("Code PIN : 0000", PASSWORD, "0000"),
    # Credentials as a pair, and the English words that German and French borrow.
    (
        "Hier die AWS-Zugangsdaten für den Deploy-Job: AKIAAK4LFIGSABMS / x8rawBisReT0b94Qe.",
        API_KEY,
        "AKIAAK4LFIGSABMS / x8rawBisReT0b94Qe",
    ),
    ("Die Zugangsdaten lauten admin / Geheim123!", API_KEY, "Geheim123!"),
    ("Die Zugangsdaten sind max@firma.de / Geheim1!", API_KEY, "Geheim1!"),
    ("Voici mes identifiants : jdupont / Soleil2024!", API_KEY, "Soleil2024!"),
    ("La clé API est sk_abc123def456", API_KEY, "sk_abc123def456"),
    ("Der Token ist abc123def456XYZ.", API_KEY, "abc123def456XYZ"),
    ("Le secret est Abc123xyz!", API_KEY, "Abc123xyz!"),
]


@pytest.mark.parametrize(("text", "entity", "value"), GERMAN_FRENCH_POSITIVES)
def test_a_credential_named_in_german_or_french_is_found(
    recognizer: CredentialRecognizer, text: str, entity: str, value: str
) -> None:
    assert found(recognizer, text) == [(entity, value)]


GERMAN_FRENCH_PLACEHOLDERS = [
    "export API_KEY=DEIN_SCHLUESSEL_HIER",
    "Die API-Doku sagt: export API_KEY=DEIN_SCHLUESSEL_HIER. Wo bekomme ich den her?",
    "passwort: <Passwort>",
    "In der Anleitung steht 'passwort: <Passwort>'. Muss ich die Klammern eintippen?",
    "passwort: IHR_PASSWORT",
    "Kennwort: DeinPasswort",
    "kennwort=dein-kennwort",
    "api_key: VOTRE_CLE_ICI",
    "token = SCHLUESSEL_HIER",
    "mot de passe : <mot de passe>",
    "mot_de_passe=<votre_mot_de_passe>",
    "mdp: ton_mdp",
    "Passwort: xxx",
    "Passwort: xxxxxxxx",
    "Passwort: Passwort",
    "mot de passe : mot de passe",
    "Kennwort: Beispiel123",
    "mot_de_passe=exemple",
    "Passwort: Platzhalter",
    "passwort=bitte_aendern",
    "mot_de_passe: a_changer",
    "Passwort: leer",
    "mot de passe : vide",
    "Das Passwort lautet <Passwort>.",
    "Le mot de passe est VOTRE_MOT_DE_PASSE.",
    "PIN: ****",
]


@pytest.mark.parametrize("text", GERMAN_FRENCH_PLACEHOLDERS)
def test_german_and_french_placeholders_are_not_credentials(
    recognizer: CredentialRecognizer, text: str
) -> None:
    assert found(recognizer, text) == []


GERMAN_FRENCH_SENTENCES = [
    # Questions and advice.
    "Wie erstelle ich ein sicheres Passwort, das ich mir trotzdem merken kann?",
    "Comment choisir un bon mot de passe pour sa box internet ?",
    "Was ist ein sicheres Passwort?",
    "Welches Passwort ist sicherer: Sommer2024! oder Winter2023?",
    "Ist 'Sommer2024!' ein gutes Passwort?",
    "Le mot de passe c'est quoi déjà ?",
    "Quel est le mot de passe par défaut d'une Livebox ?",
    "Passwort vergessen, was tun?",
    "mot de passe oublié",
    "Kennwort ändern unter Windows 10",
    # A copula followed by the sentence's own words, numbers and names.
    "Mein Passwort ist abgelaufen, wie setze ich es zurück?",
    "Das Passwort ist geheim.",
    "Das Passwort ist zu kurz, es hat nur 6 Zeichen.",
    "Das Passwort ist mindestens 12 Zeichen lang.",
    "Das Passwort ist 8-stellig.",
    "Das Passwort ist seit 2019 unverändert.",
    "Das Passwort ist 2024 abgelaufen.",
    "Das Passwort ist seit dem 01.04.2025 ungültig.",
    "Das Passwort ist das Geburtsdatum, also 12.03.1985.",
    "Das Passwort ist für Office365 und Teams gültig.",
    "Das Passwort für Windows 11 ist bei mir das gleiche wie für Outlook.",
    "Das Passwort ist bei 1Password gespeichert.",
    "Das Passwort ist im KeePass2 gespeichert.",
    "Das Passwort ist SHA256 gehasht.",
    "Das Passwort ist 100% sicher.",
    "Das Passwort lautet wie folgt:",
    "Das Passwort lautet bei allen Geräten gleich.",
    "Das Passwort ist und bleibt geheim.",
    "Passwort ist ab Montag Pflicht.",
    "Das WLAN-Passwort ist WPA2-verschlüsselt.",
    "Das WLAN-Passwort ist WPA2 verschlüsselt.",
    "Das WLAN-Passwort ist FRITZ!Box-Standard.",
    "Das WLAN-Passwort ist auf der Fritzbox 7590 aufgedruckt.",
    "Das Passwort wurde an max@firma.de geschickt.",
    "Die Zugangsdaten sind in der Datei credentials.json",
    "Die Zugangsdaten sind im Passwortmanager hinterlegt.",
    "Der API-Schlüssel ist ungültig.",
    "Der Token ist nach 3600 Sekunden abgelaufen.",
    "Mein Pass ist C01X00T47.",  # a passport, not a password
    "Le mot de passe est incorrect.",
    "Mon mot de passe est trop faible selon le site, pourquoi ?",
    "Le mot de passe est trop court (8 caractères).",
    "Le mot de passe est le même que pour Gmail.",
    "Le mot de passe est dans le fichier config2.yml",
    "Le mot de passe est haché avec SHA-256.",
    "Le mot de passe, c'est important.",
    "Le mot de passe par défaut est admin.",
    "Mes identifiants sont mon numéro client et ma date de naissance.",
    "Le code d'accès est valable 24h.",
    "La clé API est expirée depuis hier.",
    "mot de passe : voir ci-dessous",
    # PIN: only 4 to 8 digits that end the clause.
    "Die PIN ist falsch.",
    "Die PIN ist 4-stellig.",
    "Die PIN ist 2019 geändert worden.",
    "Ich habe die PIN dreimal falsch eingegeben.",
    "Der PIN-Code ist auf der Rückseite.",
    "Le code PIN est bloqué après 3 essais.",
    "Die Geheimzahl ist vierstellig.",
    "PIN: abcd",
    "pin: 13",
    "Spinnaker: 12345",
]


@pytest.mark.parametrize("text", GERMAN_FRENCH_SENTENCES)
def test_german_and_french_sentences_about_credentials_are_not_credentials(
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
        "Passwort ist '" * 15_000,
        "Das Passwort ist ab " * 12_000,
        "le mot de passe c'est " * 10_000,
        "Passwort " + "fürs Büro " * 20_000,
        ("Passwort ist " + "a" * 600 + " ") * 300,
        "Zugangsdaten sind Ab1 / " * 10_000,
        "Das Passwort lautet „" + "x " * 100_000,
        "mdp " * 50_000,
        "code pin " * 50_000,
        "mot de passe\u00a0:\u00a0" * 15_000,
        "Passwort" + " " * 200_000 + "x",
        "Passwort ist" + " " * 200_000 + "x",
        "Zugangsdaten sind Ab1" + " " * 200_000 + "/",
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


@pytest.mark.parametrize(
    "text",
    [
        "Das WLAN-Passwort fürs Büro ist ab Montag Kaffeeklatsch#77 \u2013 schreib eine Rundmail.",
        "Le nouveau mot de passe du wifi invités c'est Croissant2025! \u2013 écris un mail.",
        "Identifiants du portail : login f.morin, mdp Bretagne#1987. Rédige une procédure.",
        "Meine PIN lautet 4711.",
    ],
)
def test_a_german_or_french_credential_is_restricted(classifiers: Classifiers, text: str) -> None:
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.level == Level.RESTRICTED


@pytest.mark.parametrize(
    "text",
    [
        "Die API-Doku sagt: export API_KEY=DEIN_SCHLUESSEL_HIER. Wo bekomme ich so einen her?",
        "Dans la doc c'est écrit mot_de_passe=<votre_mot_de_passe>, j'enlève les chevrons ?",
        "Wie erstelle ich ein sicheres Passwort, das ich mir trotzdem merken kann?",
        "Le mot de passe est incorrect, que faire ?",
    ],
)
def test_german_and_french_placeholders_and_prose_stay_public(
    classifiers: Classifiers, text: str
) -> None:
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.level == Level.PUBLIC


def test_redaction_replaces_the_value_and_keeps_the_key(classifiers: Classifiers) -> None:
    text = "spring:\n  datasource:\n    password: marmalade\n"
    spans = classifiers.sensitivity.spans(text)
    value = text.index("marmalade")
    assert (value, value + len("marmalade"), PASSWORD) in spans
    assert all(end <= text.index("password") or start >= value for start, end, _ in spans)
