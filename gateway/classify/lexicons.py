"""German and French term lists for the sensitivity classifier.

The policy's term lists and patterns read English: "Meine Mutter hat Brustkrebs" or
"ma mère est hospitalisée" names nothing they know and would pass as public. These
recognizers report the policy's own entities for German and French text, from
reviewable lists in data/lexicons/<language>_<list>.txt (one term per line):
- HEALTH_CONTEXT, HR_CONTEXT and FINANCIAL_CONTEXT (0.7, as the policy's deny lists):
  <language>_health.txt, _hr.txt, _financial.txt;
- PERSON_REFERENCE (0.6, as the policy's "my mother", "our employee"): a possessive
  (_possessives.txt: "meine", "unserem", "ma", "notre") before a relative
  (_relatives.txt) or a role (_roles.txt), or an article or demonstrative
  (_articles.txt: "der", "diese", "la", "cet") before a role only: "the patient" is
  someone in English, "the mother" anyone, and so are "die Patientin" and "die Mutter
  aller Schlachten". At most two adjectives (_adjectives.txt) may stand between
  ("meine kranke Mutter", "ma vieille mère"), a number before the first ("mein
  82-jähriger Vater"). "einen Patienten", "un patient" (a patient) is anyone.
- values the English patterns read in English, German and French style: a lab value
  (_lab.txt, _lab_codes.txt: "Kreatinin 1,4", "glycémie à 3,1 mmol/L", "tension 16/9";
  HEALTH_CONTEXT 0.7), a sum owed, lent or lost (_amounts.txt: "il me doit 740 €",
  "a perdu 15k"; FINANCIAL_CONTEXT 0.7), a personnel or patient number (_numbers.txt:
  "Personalnummer 40817", "matricule 40817"; PERSON_REFERENCE 0.6): the term counts
  only with its value after it.
As in English, a context alone is public ("Was sind die Symptome von Diabetes?"): the
policy's combinations make a person and a context sensitive together.

PeopleRecognizer (below) reads how the two languages name people and where they live:
a name after an honorific ("Frau Schneider", "M. Dubois"), a family ("Familie
Ostermann", "die Neumanns", "les Dupont"), a given name in lower case after a relative
("mon pote quentin"), all PERSON; a room or bed beside a person (PERSON_REFERENCE); a
street address (STREET_ADDRESS). Its lists are data/lexicons/<language>_honorifics.txt,
_titles, _families, _indefinites, _not_names, _streets, _ways, _address_cues,
_public_places and _rooms, each described in its file.

How words compare. A text is read as words (runs of letters and digits), each folded:
lower case, accents and umlauts dropped, ß as "ss", œ as "oe" ("hôpital" and "hopital",
"salariée" and "salariee" are one word). A listed term with an umlaut also matches its
written-out spelling ("Kündigung", "Kuendigung"). A multi-word term matches words
separated by at most four spaces, hyphens or apostrophes, typographic ones too
("arrêt maladie", "arrêt-maladie", "période d'essai"), not across other punctuation.
A "*" in a list stands for one or more further characters of the word (at least three
letters of stem), so German compounds need no lines of their own: "*krebs" is
Brustkrebs, "krebs*" Krebsdiagnose, "*krank*" erkrankt. The bare word counts only
where it has its own line, because some stems are English words or names alone
("Krebs", the Krebs cycle; "Diagnose", to diagnose).

The lists read every prompt, English included, so no term may be an English word or a
word common in English technical prompts ("promotion", "patient", "cancer", "bonus"):
such a word appears only inside a German or French phrase ("une promotion", "le
cancer") or compound.

Cost: all the lists of all the languages asked for are merged into one index, and one
recognizer reads them all. A word finds in it, with a few dictionary lookups (the word;
its first and last three letters, for the stems that begin or end the same way; a
substring test per "*stem*" entry), which lists hold it and which phrases begin with
it. One pass over the text's words, each distinct word looked up once; a text none of
whose words begins a term (most English prompts) is done there, and otherwise only the
words that do are looked at again. Linear in the text; no regular expression is built
from the lists (nothing to backtrack). The lists are read when the recognizer is built.

Presidio is asked for English whatever the text (sensitivity.py), so these recognizers
declare "en", Presidio's default: the lists' language is theirs, not Presidio's.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from presidio_analyzer import EntityRecognizer, RecognizerResult

from gateway.classify.data import read_list
from gateway.classify.names import NAME_WORDS_RESOURCE, all_given_names

LANGUAGES = ("de", "fr")
FOLDER = "lexicons"
CONTEXT_LISTS = {
    "HEALTH_CONTEXT": "health",
    "HR_CONTEXT": "hr",
    "FINANCIAL_CONTEXT": "financial",
}
REFERENCE_LISTS = ("possessives", "articles", "adjectives", "relatives", "roles", "nominals")
# Terms that count only with a value after them (see _VALUE_READERS below).
VALUE_LISTS = ("lab", "lab_codes", "amounts", "numbers")
PERSON_REFERENCE = "PERSON_REFERENCE"
CONTEXT_SCORE = 0.7
REFERENCE_SCORE = 0.6
MAX_ADJECTIVES = 2
# An age before an adjective: "82-jähriger", "3-jährige".
MAX_AGE_DIGITS = 3
MARK = "*"
# Stems with a "*" are filed under their first (or last) letters, this many; a shorter
# stem would take too many words to be meant.
STEM_KEY = 3
# Words an index remembers having looked up, before it starts again.
_MEMO_WORDS = 50_000

_WORD = re.compile(r"[^\W_]+")
# What may separate the words of one term: spaces, hyphens and apostrophes, a few.
_JOINER = re.compile(r"[\s'\u2019\u2018`\u00b4\u2010\u2011-]{1,4}")
_MAX_GAP = 4
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
# Letters NFKD leaves whole, written as people type them without the key.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})

Phrases = tuple[tuple[tuple[str, ...], int], ...]


def fold(word: str) -> str:
    """A word as the lists are compared: lower case (ß as ss), without accents, œ as oe."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_LIGATURES)


class Index:
    """Several lists in one lookup: for a folded word, a bit for each list that holds it
    as a single word, and the phrases (with their lists' bits) that begin with it."""

    def __init__(self, lists: Sequence[Iterable[str]]) -> None:
        exact: dict[str, int] = {}
        prefixes: dict[str, int] = {}
        suffixes: dict[str, int] = {}
        infixes: dict[str, int] = {}
        phrases: dict[str, dict[tuple[str, ...], int]] = {}
        for number, terms in enumerate(lists):
            bit = 1 << number
            for term in terms:
                for spelling in {term, term.translate(_UMLAUTS)}:
                    keys, before, after = _parse(spelling)
                    if len(keys) > 1:
                        starting = phrases.setdefault(keys[0], {})
                        starting[keys] = starting.get(keys, 0) | bit
                        continue
                    table = (
                        (infixes if after else suffixes)
                        if before
                        else (prefixes if after else exact)
                    )
                    table[keys[0]] = table.get(keys[0], 0) | bit
        self._exact = exact
        self._memo: dict[tuple[str, int], tuple[str, int, Phrases, bool]] = {}
        self._prefixes = _filed(prefixes, lambda stem: stem[:STEM_KEY])
        self._suffixes = _filed(suffixes, lambda stem: stem[-STEM_KEY:])
        self._infixes = tuple(infixes.items())
        # Longest first: the first phrase that matches is the longest.
        self._phrases: dict[str, Phrases] = {
            first: tuple(sorted(found.items(), key=lambda item: len(item[0]), reverse=True))
            for first, found in phrases.items()
        }

    def bits(self, key: str) -> int:
        """The lists that hold a folded word as a single-word term, markers included."""
        found = self._exact.get(key, 0)
        length = len(key)
        if length <= STEM_KEY:
            return found
        for stem, bit in self._prefixes.get(key[:STEM_KEY], ()):
            if len(stem) < length and key.startswith(stem):
                found |= bit
        for stem, bit in self._suffixes.get(key[-STEM_KEY:], ()):
            if len(stem) < length and key.endswith(stem):
                found |= bit
        if self._infixes:
            inner = key[1:-1]
            for stem, bit in self._infixes:
                if stem in inner:
                    found |= bit
        return found

    def phrases(self, key: str) -> Phrases:
        return self._phrases.get(key, ())

    def looked_up(self, word: str, starters: int) -> tuple[str, int, Phrases, bool]:
        """A word as the text has it: its folded key, its lists' bits,
        the phrases it begins, and whether it begins a term of a `starters` list.
        Remembered: prompts repeat their words, and the stems are tried per word."""
        remembered = self._memo.get((word, starters))
        if remembered is not None:
            return remembered
        key = fold(word)
        bits, phrases = self.bits(key), self.phrases(key)
        starts = bool(bits & starters) or any(lists & starters for _, lists in phrases)
        if len(self._memo) >= _MEMO_WORDS:
            self._memo.clear()  # bounded: a stream of new words must not grow it
        looked = (key, bits, phrases, starts)
        self._memo[(word, starters)] = looked
        return looked


def _filed(
    stems: dict[str, int], label: Callable[[str], str]
) -> dict[str, tuple[tuple[str, int], ...]]:
    filed: dict[str, list[tuple[str, int]]] = {}
    for stem, bit in stems.items():
        filed.setdefault(label(stem), []).append((stem, bit))
    return {key: tuple(found) for key, found in filed.items()}


def _parse(term: str) -> tuple[tuple[str, ...], bool, bool]:
    """A listed term's folded words and whether it takes letters before and after."""
    core = term.strip(MARK)
    before, after = term.startswith(MARK), term.endswith(MARK)
    pieces = _WORD.split(core)
    keys = tuple(fold(w) for w in _WORD.findall(core))
    well_formed = (
        bool(keys)
        and pieces[0] == pieces[-1] == ""
        and all(_JOINER.fullmatch(gap) for gap in pieces[1:-1])
        and not ((before or after) and (len(keys) > 1 or len(keys[0]) < STEM_KEY))
    )
    if not well_formed:
        # A term that could never match (or a marker in a phrase) is a list error.
        raise ValueError(f"malformed lexicon term: {term!r}")
    return keys, before, after


class Reading:
    """A text's words, looked up in an index: word `i` is text[starts[i]:ends[i]].
    `starters`: the bits of the lists whose terms begin a finding (the contexts, the
    determiners); a text with no word that begins one of their terms is not placed."""

    def __init__(self, text: str, index: Index, starters: int) -> None:
        self.text = text
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.keys: list[str] = []
        self.bits: list[int] = []
        self.phrases: list[Phrases] = []
        # The words that begin a term of a starter list (alone or as a phrase's first).
        self.found: list[int] = []
        # ASCII text keeps its length when lowered: its words are read lowered at once.
        ascii_text = text.isascii()
        source = text.lower() if ascii_text else text
        seen: dict[str, tuple[str, int, Phrases, bool]] = {}
        hit = False
        for word in _WORD.findall(source):
            if word not in seen:
                looked = index.looked_up(word, starters)
                seen[word] = looked
                hit = hit or looked[3]
        if not hit:
            return  # most texts (English prompts) begin no term: nothing to place
        for number, match in enumerate(_WORD.finditer(source)):
            key, bits, phrases, starts = seen[match.group()]
            if starts:
                self.found.append(number)
            self.starts.append(match.start())
            self.ends.append(match.end())
            self.keys.append(key)
            self.bits.append(bits)
            self.phrases.append(phrases)

    def joined(self, at: int) -> bool:
        """Whether word `at + 1` follows word `at` after a joiner only: both may belong
        to one term."""
        if at + 1 >= len(self.keys):
            return False
        end, following = self.ends[at], self.starts[at + 1]
        return (
            following - end <= _MAX_GAP and _JOINER.fullmatch(self.text, end, following) is not None
        )

    def match(self, at: int, lists: int) -> int:
        """How many words the longest term of `lists` (their bits) starting at word `at`
        spans; 0 for none."""
        width = 1 if self.bits[at] & lists else 0
        for phrase, bits in self.phrases[at]:
            if len(phrase) <= width:
                break
            if bits & lists and self._follows(at, phrase):
                return len(phrase)
        return width

    def _follows(self, at: int, phrase: tuple[str, ...]) -> bool:
        if at + len(phrase) > len(self.keys):
            return False
        return all(
            self.joined(at + k) and self.keys[at + k + 1] == phrase[k + 1]
            for k in range(len(phrase) - 1)
        )

    def spans(self, lists: int) -> Iterator[tuple[int, int]]:
        """The terms of `lists` (their bits), as word ranges, left to right, not
        overlapping."""
        free = 0
        for at in self.found:
            if at < free:
                continue
            width = self.match(at, lists)
            if width:
                yield at, at + width
                free = at + width

    def written(self, at: int) -> str:
        return self.text[self.starts[at] : self.ends[at]]


# The lists of a language, in the index's order; each language's take the next bits.
_LISTS = (*CONTEXT_LISTS.values(), *REFERENCE_LISTS, *VALUE_LISTS)


class Grammar(NamedTuple):
    """One language's reference lists, as index bits."""

    possessives: int
    articles: int
    adjectives: int
    relatives: int
    roles: int
    nominals: int


# What may follow an adjective that stands for a person ("die Neue in der Logistik",
# "meine Kleine hat Fieber", "le nouveau depuis", "ma petite a de la fièvre"): a
# preposition or a verb, not a noun ("die neue Version", "ma petite entreprise").
# Grammar words, folded, both languages'.
_NOMINAL_FOLLOWERS = frozenset(
    {"aus", "in", "im", "von", "vom", "bei", "beim", "mit", "auf", "seit", "an", "am"}
    | {"ist", "is", "hat", "hatte", "war", "wird", "kann", "muss", "soll", "will", "hab"}
    | {"de", "du", "des", "d", "a", "au", "aux", "en", "dans", "depuis", "chez"}
    | {"est", "etait", "avait", "fait", "va", "vient", "veut", "doit", "peut", "s"}
)
# What ends a clause after such an adjective ("mobben den Neuen.").
_CLAUSE_MARKS = frozenset(".,;:!?)")


def _bit(language_number: int, name: str, lists: Sequence[str] = _LISTS) -> int:
    return 1 << (language_number * len(lists) + lists.index(name))


def languages_index(languages: Sequence[str]) -> Index:
    """The languages' lists, read from the package data, in one index."""
    return Index(
        [read_list(f"{FOLDER}/{language}_{name}.txt") for language in languages for name in _LISTS]
    )


# Values after a term (the lists of VALUE_LISTS). Each reader takes the text and where
# the term ends, and gives where the value ends (0: no value there). Bounded patterns,
# matched once at that place: nothing searches the text.
_BLANK = "[ \t\u00a0\u202f]"
# A measurement: a blood pressure ("180/110", "16/9"), or a number with at most two
# decimals, German and French with a comma ("1,4"): "3,500" and "1.500" are thousands.
# A unit may follow; one that no lab value has ("230 V", "5 km", "20 €") makes it no
# measurement. A German or French word may come first ("Kalium von 6,1", "glycémie à
# 3,1", "tension à 18"), or a colon.
_LAB_VALUE = re.compile(
    # Each optional part begins with something other than a blank: no two runs of
    # blanks meet, so a long one is read once.
    rf"{_BLANK}*(?:(?:[:=]"
    r"|(?:(?:liegt|lag|ist|war|est|était|etait|mesurée|mesuree|mesuré|mesure)[ \t]+)?"
    rf"(?P<word>bei|von|auf|à|de|autour de)(?![^\W_])){_BLANK}*)?"
    r"(?:(?P<pair>\d{2,3}[ \t]*/[ \t]*\d{1,3})"
    r"|(?P<whole>\d{1,4})(?P<decimal>[.,]\d{1,2})?)(?![\d/]|[.,]\d)"
    rf"(?P<unit>{_BLANK}*(?:%|mmol/l|mg/dl|mg/l|g/dl|g/l|µmol/l|μmol/l|umol/l|µg/l|μg/l"
    r"|ng/ml|ng/l|pg/ml|mu/l|u/l|ui/l|iu/l|gpt/l|mmhg|mm hg|cmhg|/min|bpm|/µl|/μl"
    r"|/nl|ml/min|mval/l|meq/l)(?![^\W_]))?"
    rf"(?!{_BLANK}*(?:(?-i:V|kV|mV|W|kW|A|Hz|km|m|cm|mm|Euro|EUR|euros?|Jahre|Jahren|ans)"
    r"(?![^\W_])|[€$°]))",
    re.IGNORECASE,
)
# A sum of money: with a currency or "k", or a number of three digits or more that no
# other word follows ("doit encore 6000 à sa banque"; not "doit 300 pages"), or money
# named ("de l'argent", "Geld"). Grouped thousands as written: "6 000", "12.000".
_AMOUNT = re.compile(
    rf"{_BLANK}*(?:(?:mir|dir|ihm|ihr|uns|euch|ihnen|sich)[ \t]+)?"
    r"(?:(?:encore|toujours|déjà|deja|plus de|près de|pres de|environ|au moins|presque"
    r"|noch|schon|bereits|fast|rund|etwa|über|ueber|knapp)[ \t]+)?"
    r"(?:(?P<money>de l['\u2019]argent|du fric|des sous|de la thune|du blé|du ble|Geld)(?![^\W_])"
    r"|(?P<number>\d{1,3}(?:[ .\u00a0\u202f]\d{3})+|\d{1,7})(?:[.,]\d{1,2})?(?!\d)"
    rf"(?P<currency>{_BLANK}?(?:k€|k|€|euros?|eur|balles|francs?|chf|dollars?|\$)"
    r"(?![^\W_]))?)",
    re.IGNORECASE,
)
_MIN_SUM_DIGITS = 3
_NEXT_WORD = re.compile(rf"{_BLANK}*([^\W\d_]+|[%/°])?")
# What may follow a bare sum: a preposition ("à sa banque", "bei der Bank"), not a unit.
_SUM_LINKS = frozenset(
    ["à", "a", "au", "aux", "de", "d", "en", "pour", "sur", "chez", "auprès", "aupres", "et"]
) | frozenset(["bei", "an", "von", "und", "zu", "beim", "für", "fuer"])
# An identifier: letters (at most four) and three digits or more ("40817", "P-4432").
_IDENTIFIER = re.compile(
    rf"{_BLANK}*(?:(?:[:#]|(?:Nr|nr|No|no|N°|n°)\.?|ist|est|lautet){_BLANK}*)?"
    rf"(?:[:#]{_BLANK}*)?"
    r"(?<![\w-])(?:[A-Z]{1,4}[- ]?)?\d{3,12}(?:[-/][A-Z0-9]{1,8})?(?![\w-])"
)


def _lab_value(text: str, at: int) -> int:
    """A measured value after a German or French analyte: any value it can have."""
    found = _LAB_VALUE.match(text, at)
    return found.end() if found else 0


def _coded_lab_value(text: str, at: int) -> int:
    """A measured value after an analyte English shares: only one written the German or
    French way ("INR 4,2", "CRP bei 45", "tension 16/9"); "creatinine 1.4" and "glucose
    182 mg/dL" are the policy's English pattern's, "INR 500" rupees."""
    found = _LAB_VALUE.match(text, at)
    if found is None:
        return 0
    decimal = found.group("decimal") or ""
    written_here = found.group("pair") or found.group("word") or decimal.startswith(",")
    return found.end() if written_here else 0


def _sum(text: str, at: int) -> int:
    found = _AMOUNT.match(text, at)
    if found is None:
        return 0
    if found.group("money") or found.group("currency"):
        return found.end()
    digits = sum(c.isdigit() for c in found.group("number"))
    next_word = _NEXT_WORD.match(text, found.end())
    following = next_word.group(1) if next_word else None
    linked = following is None or following.casefold() in _SUM_LINKS
    return found.end() if digits >= _MIN_SUM_DIGITS and linked else 0


def _identifier(text: str, at: int) -> int:
    found = _IDENTIFIER.match(text, at)
    return found.end() if found else 0


_VALUE_READERS: dict[str, tuple[str, Callable[[str, int], int], float]] = {
    "lab": ("HEALTH_CONTEXT", _lab_value, CONTEXT_SCORE),
    "lab_codes": ("HEALTH_CONTEXT", _coded_lab_value, CONTEXT_SCORE),
    "amounts": ("FINANCIAL_CONTEXT", _sum, CONTEXT_SCORE),
    "numbers": (PERSON_REFERENCE, _identifier, REFERENCE_SCORE),
}


class LexiconRecognizer(EntityRecognizer):
    """The lists of one or more languages: the three contexts and PERSON_REFERENCE.
    One recognizer for all of them, so that a text's words are read and looked up once
    whatever the number of languages; a reference takes its determiner, adjectives and
    noun from one language."""

    def __init__(self, languages: Sequence[str]) -> None:
        self._lexicon_languages = tuple(languages)  # load() below needs them
        super().__init__(
            supported_entities=[*CONTEXT_LISTS, PERSON_REFERENCE],
            name=f"LexiconRecognizer:{'+'.join(self._lexicon_languages)}",
        )

    def load(self) -> None:
        numbers = range(len(self._lexicon_languages))
        self._index = languages_index(self._lexicon_languages)
        # A context's terms in any of the languages (distinct bits: their sum is their union).
        self._contexts = {
            entity: sum(_bit(number, name) for number in numbers)
            for entity, name in CONTEXT_LISTS.items()
        }
        self._grammars = tuple(
            Grammar(*(_bit(number, name) for name in REFERENCE_LISTS)) for number in numbers
        )
        determiners = sum(grammar.possessives | grammar.articles for grammar in self._grammars)
        self._values = tuple(
            (entity, sum(_bit(number, name) for number in numbers), reader, score)
            for name, (entity, reader, score) in _VALUE_READERS.items()
        )
        valued = sum(lists for _, lists, _, _ in self._values)
        self._starters = sum(self._contexts.values()) | determiners | valued

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        wanted = set(entities or self.supported_entities)
        reading = Reading(text, self._index, self._starters)
        if not reading.found:
            return []
        results: list[RecognizerResult] = []
        for entity, lists in self._contexts.items():
            if entity in wanted:
                results.extend(
                    _result(reading, entity, a, b, CONTEXT_SCORE) for a, b in reading.spans(lists)
                )
        if PERSON_REFERENCE in wanted:
            results.extend(
                _result(reading, PERSON_REFERENCE, a, b, REFERENCE_SCORE)
                for a, b in _references(reading, self._grammars)
            )
        for entity, lists, reader, score in self._values:
            if entity not in wanted:
                continue
            for first, end in reading.spans(lists):
                value_end = reader(text, reading.ends[end - 1])
                if value_end:
                    results.append(
                        RecognizerResult(entity, reading.starts[first], value_end, score)
                    )
        return results


def _result(reading: Reading, entity: str, first: int, end: int, score: float) -> RecognizerResult:
    return RecognizerResult(entity, reading.starts[first], reading.ends[end - 1], score)


def _references(reading: Reading, grammars: Sequence[Grammar]) -> Iterator[tuple[int, int]]:
    free = 0
    for at in reading.found:
        if at < free:
            continue
        end = max(_reference_at(reading, at, grammar) for grammar in grammars)
        if end:
            yield at, end
            free = end


def _reference_at(reading: Reading, at: int, grammar: Grammar) -> int:
    """The end (a word index) of a person reference starting at word `at`; 0 for none."""
    width = reading.match(at, grammar.possessives)
    nouns = grammar.relatives | grammar.roles
    if not width:
        width = reading.match(at, grammar.articles)
        nouns = grammar.roles
    if not width:
        return 0
    # Where the noun may start: after the determiner, or after each adjective.
    starts = [at + width]
    for _ in range(MAX_ADJECTIVES):
        width = _adjective(reading, starts[-1], grammar.adjectives)
        if not width:
            break
        starts.append(starts[-1] + width)
    for start in reversed(starts):  # the most adjectives first: "mon ex-mari"
        if not reading.joined(start - 1):
            continue
        width = reading.match(start, nouns)
        if width and not _acronym(reading, at, start):
            return start + width
    # No noun: an adjective that stands for a person ("die Neue", "ma petite").
    for start in reversed(starts[1:]):
        if reading.bits[start - 1] & grammar.nominals and _nominal_end(reading, start - 1):
            return start
    return 0


def _nominal_end(reading: Reading, at: int) -> bool:
    """Whether word `at` ends a noun phrase: the text or a clause ends after it, or a
    preposition or a verb (_NOMINAL_FOLLOWERS) follows."""
    following = at + 1
    if following >= len(reading.keys):
        return not reading.text[reading.ends[at] :].strip(" \t")[:1].isalnum()
    gap = reading.text[reading.ends[at] : reading.starts[following]]
    if any(mark in _CLAUSE_MARKS for mark in gap):
        return True
    return gap.isspace() and reading.keys[following] in _NOMINAL_FOLLOWERS


def _adjective(reading: Reading, at: int, adjectives: int) -> int:
    if not reading.joined(at - 1):
        return 0
    width = reading.match(at, adjectives)
    age = reading.keys[at]
    is_age = age.isdigit() and len(age) <= MAX_AGE_DIGITS
    if not width and is_age and reading.joined(at):
        after = reading.match(at + 1, adjectives)
        width = after + 1 if after else 0
    return width


def _acronym(reading: Reading, determiner: int, noun: int) -> bool:
    """An upper-case determiner before a noun that is not: "LA client", "SA customer",
    "DEM model" are abbreviations in English, not "la", "sa", "dem". A whole phrase in
    capitals ("MA MÈRE") still counts."""
    written = reading.written(determiner)
    return len(written) > 1 and written.isupper() and not reading.written(noun).isupper()


# People named as German and French name them, and their addresses: the lists of
# data/lexicons/<language>_<list>.txt below, with the reference lists above (articles,
# possessives, relatives, roles) read again.
PEOPLE_LISTS = (
    "honorifics",
    "titles",
    "families",
    "indefinites",
    "streets",
    "ways",
    "address_cues",
    "public_places",
    "rooms",
)
_PEOPLE_READ = ("articles", "possessives", "relatives", "roles")
# The words before a family named by its plural ("die Neumanns", "bei Müllers", "chez
# les Dupont"): grammar, not vocabulary, so they are here rather than in a list.
_PLURAL_MARKERS = {"de": ("die", "den", "bei"), "fr": ("les",)}
_PEOPLE_INDEX = (*PEOPLE_LISTS, *_PEOPLE_READ, "plural_markers")
PERSON = "PERSON"
STREET_ADDRESS = "STREET_ADDRESS"
PERSON_SCORE = 0.6
ADDRESS_SCORE = 0.7
# A German surname's plural ends so ("Neumanns", "Beckers", "Schmidts"); no German
# noun's does (Männer; Lehrer, Becher). A stem of this many letters at least.
_GERMAN_PLURAL_NAMES = ("manns", "ers", "dts")
_MIN_STEM = 3
# French plurals end so: "les Français", "les Alpes", "les Bleus", "les Baux".
_FRENCH_PLURALS = ("s", "x", "z")
# German "-ring" streets follow a consonant (Kaiserring, Ostring); English gerunds a
# vowel ("Offering", "Engineering").
_VOWELS = frozenset("aeiouy")
# How far a person, a word of residence or a public building may stand from what it
# makes a person's or an address, in the same sentence.
_REACH_BEFORE = 80
_REACH_AFTER = 40
_CUE_REACH = 60

_CAPITAL = "A-ZÀ-ÖØ-ÞĀ-Ž"
# A name as written after an honorific: a capital, letters, and one hyphenated or
# apostrophised part ("Müller-Lüdenscheidt", "O'Brien", "d'Artagnan" after its particle).
_NAME = re.compile(rf"[{_CAPITAL}][^\W\d_]*(?:['\u2019-][{_CAPITAL}][^\W\d_]*)?(?![\w'\u2019-])")
_GAP = re.compile(r"[ \t\u00a0]{1,3}")
_INITIAL = re.compile(rf"[{_CAPITAL}]\.[ \t\u00a0]{{0,2}}")
# One or two initials after a role, not the first of an abbreviation ("z. B.", "M.Sc.").
_INITIALS = re.compile(rf"[{_CAPITAL}]\.(?:[ \t\u00a0]?[{_CAPITAL}]\.)?(?![^\W_]|[ \t]?[a-z]\.)")
_PLACEHOLDER_INITIALS = frozenset("ABCXYZ")
# A word that may be a title ("Dr.", "Professor", "med."): letters and an optional period.
_TITLE = re.compile(r"([^\W\d_]+)(\.?)")
_PARTICLE = re.compile(
    r"(?:von der|von dem|van der|van den|von|van|vom|zu|zur|de la|de l['\u2019]|de|du|d['\u2019]"
    r"|della|di|da)(?:[ \t]+|(?<=['\u2019]))"
)
_MAX_TITLES = 3
# "Frau Mutter des Bräutigams": a noun before a genitive, not a name.
_GENITIVE = re.compile(r"[ \t]+des(?![^\W_])")
# A room or bed number: "Zimmer 12", "Zi. 4", "Bett Nr. 3", "chambre 214", "lit n° 4".
_ROOM_NUMBER = re.compile(
    r"\.?[ \t]*(?:(?:Nr|nr|No|no)\.?[ \t]*|[nN]°[ \t]*)?\d{1,4}(?:[a-zA-Z](?![^\W_]))?"
    r"(?![\d/]|[.,]\d|[^\W\d_])"
    r"(?![ \t]*(?:x|\u00d7|places?|personnes?|pers|cm|m²|m2|qm|Betten|lits|Personen|€|Euro|euros?)"
    r"(?![^\W_]))"
)
# A German house number: one to three digits, a letter or a range ("12a", "12-14"),
# not a distance ("5 km") or a share.
_HOUSE_NUMBER = re.compile(
    r"\.?[ \t]*\d{1,3}(?:[ \t]?[a-zA-Z](?![^\W_]))?(?:[ \t]*[-\u2013/][ \t]*\d{1,3}[a-zA-Z]?)?"
    r"(?![\d/]|[.,]\d)"
    r"(?![ \t]*(?:km|m|Meter|Minuten|min|Prozent|%|€|Euro)(?![^\W_]))"
)
_GERMAN_POSTCODE = re.compile(
    rf"(?:[ \t]*,)?[ \t]*(?:D-)?\d{{5}}[ \t]+[{_CAPITAL}][^\W\d_]*(?:-[{_CAPITAL}][^\W\d_]*){{0,3}}"
)
# A French house number before the street type: "12 rue", "3 bis avenue", "8, allée".
_FRENCH_NUMBER = re.compile(
    r"(?<![\d,.])\d{1,4}(?:[ \t]*(?:bis|ter|quater|[A-Da-d])(?![^\W_]))?[ \t]*,?[ \t]*$"
)
_FRENCH_NUMBER_REACH = 16
# The street's name: its article, a word, and up to three more capitalised words or
# particles ("rue du Faubourg Saint-Honoré", "avenue Jean Jaurès").
_QUOTE = "['\u2019]"
_FRENCH_ARTICLE = rf"(?:de la|de l{_QUOTE}|du|des|de|d{_QUOTE}|la|le|les|l{_QUOTE})"
_FRENCH_STREET_NAME = re.compile(
    rf"\.?[ \t]+(?P<particle>{_FRENCH_ARTICLE}[ \t]*)?(?P<name>[^\W\d_][\w'\u2019-]*)"
    rf"(?:[ \t]+(?:(?:{_FRENCH_ARTICLE}|et|sur|en)[ \t]*)?[{_CAPITAL}][\w'\u2019-]*){{0,3}}"
)
_FRENCH_POSTCODE = re.compile(
    rf"(?:[ \t]*,)?[ \t]*\d{{5}}[ \t]+[{_CAPITAL}][\w'\u2019-]*"
    r"(?:[ \t]+(?:CEDEX|Cedex)(?:[ \t]+\d{1,2})?)?"
)
# Where a sentence ends, as far as the reaches above need: "!", "?", a line break, or a
# period after a word of four letters or more (not "Dr.", "M.", "Str.").
_SENTENCE_END = re.compile(r"[!?\n]|(?<=[^\W\d_]{4})\.[ \t]")


class PeopleGrammar(NamedTuple):
    """One language's lists for the people recognizer, as index bits."""

    language: str
    honorifics: int
    titles: int
    families: int
    indefinites: int
    streets: int
    ways: int
    address_cues: int
    public_places: int
    rooms: int
    articles: int
    possessives: int
    relatives: int
    roles: int
    plural_markers: int


def _people_lists(language: str) -> list[list[str]]:
    lists = [
        read_list(f"{FOLDER}/{language}_{name}.txt") for name in (*PEOPLE_LISTS, *_PEOPLE_READ)
    ]
    return [*lists, list(_PLURAL_MARKERS.get(language, ()))]


def _undotted(term: str) -> str:
    return term[:-1] if term.endswith(".") else term


class PeopleRecognizer(EntityRecognizer):
    """How German and French name people and where they live, which the English
    patterns and spaCy's English model miss:
    - PERSON (0.6): a name after an honorific ("Frau Schneider", "Herrn Markus Lehmann",
      "Fr. Dr. Weber", "M. Dubois", "Mme Véronique Lacroix"), titles allowed between; a
      family ("Familie Ostermann", "famille Delmas", "die Neumanns", "les Dupont"); a
      shipped given name written in lower case right after a relative or a role ("mein
      kumpel lukas", "mon pote quentin"), and nowhere else ("will", "lance" are words);
    - PERSON_REFERENCE (0.6): a room or bed number next to a person or a role in the
      same sentence ("Herr Yilmaz aus Zimmer 12", "la patiente du lit 4");
    - STREET_ADDRESS (0.7): a street and house number ("Hauptstraße 12a", "Lindenweg 7,
      49074 Osnabrück", "12 rue des Lilas", "8 allée des Tilleuls, 69003 Lyon"), unless
      it is a public building's or a business's with no one named near it.
    The lists are described in their files. One pass over the text's words as in
    LexiconRecognizer; what is read around a word (a name, a number, a window of a
    sentence) is bounded, so the whole is linear in the text."""

    def __init__(self, languages: Sequence[str]) -> None:
        self._people_languages = tuple(languages)
        super().__init__(
            supported_entities=[PERSON, PERSON_REFERENCE, STREET_ADDRESS],
            name=f"PeopleRecognizer:{'+'.join(self._people_languages)}",
        )

    def load(self) -> None:
        languages = self._people_languages
        lists = [terms for language in languages for terms in _people_lists(language)]
        self._period: set[str] = set()
        # As listed, case and all: "Hr." is Herr, "HR." human resources.
        self._abbreviations: set[str] = set()
        self._bare: set[str] = set()
        self._suffixes: dict[str, list[tuple[str, bool]]] = {}
        cleaned: list[list[str]] = []
        for number, terms in enumerate(lists):
            name = _PEOPLE_INDEX[number % len(_PEOPLE_INDEX)]
            language = languages[number // len(_PEOPLE_INDEX)]
            if name in ("honorifics", "families"):
                self._period |= {fold(t[:-1]) for t in terms if t.endswith(".")}
                self._abbreviations |= {t[:-1] for t in terms if t.endswith(".")}
            if name in ("streets", "ways"):
                for term in terms:
                    plain = fold(_undotted(term).strip(MARK))
                    if term.startswith(MARK):
                        self._suffixes.setdefault(language, []).append((plain, name == "streets"))
                    else:
                        self._bare.add(plain)
            cleaned.append([_undotted(term) for term in terms])
        self._index = Index(cleaned)
        self._grammars = tuple(
            PeopleGrammar(
                language,
                *(_bit(number, name, _PEOPLE_INDEX) for name in PeopleGrammar._fields[1:]),
            )
            for number, language in enumerate(languages)
        )
        self._starters = sum(
            g.honorifics
            | g.families
            | g.streets
            | g.ways
            | g.rooms
            | g.relatives
            | g.roles
            | g.plural_markers
            for g in self._grammars
        )
        names = all_given_names()
        self._given = frozenset(names)
        common = {w.casefold() for w in read_list(NAME_WORDS_RESOURCE)}
        common |= {
            w.casefold()
            for language in languages
            for w in read_list(f"{FOLDER}/{language}_not_names.txt")
        }
        self._lower_names = frozenset(
            n.lower() for n in names if len(n) >= _MIN_STEM and n.casefold() not in common
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        wanted = set(entities or self.supported_entities)
        reading = Reading(text, self._index, self._starters)
        if not reading.found:
            return []
        people: list[tuple[int, int]] = []
        rooms: list[tuple[int, int]] = []
        addresses: list[tuple[int, int, bool]] = []
        for at in reading.found:
            for grammar in self._grammars:
                bits = reading.bits[at]
                if bits & grammar.honorifics:
                    people.extend(self._honored(reading, at, grammar))
                if bits & grammar.families:
                    people.extend(self._family(reading, at, grammar))
                if bits & grammar.plural_markers:
                    people.extend(self._plural_family(reading, at, grammar))
                relation = reading.match(at, grammar.relatives | grammar.roles)
                if relation:
                    people.extend(self._lower_case_name(reading, at + relation - 1))
                    people.extend(_initials(reading.text, reading.ends[at + relation - 1]))
                if bits & grammar.rooms:
                    rooms.extend(_room(reading, at))
                if reading.match(at, grammar.streets | grammar.ways):
                    addresses.extend(self._address(reading, at, grammar))
        people = sorted(set(people))
        results: list[RecognizerResult] = []
        if PERSON in wanted:
            results += [RecognizerResult(PERSON, a, b, PERSON_SCORE) for a, b in people]
        if PERSON_REFERENCE in wanted:
            results += [
                RecognizerResult(PERSON_REFERENCE, a, b, REFERENCE_SCORE)
                for a, b in rooms
                if self._someone_near(reading, a, b, people, roles_count=True)
            ]
        if STREET_ADDRESS in wanted:
            results += [
                RecognizerResult(STREET_ADDRESS, a, b, ADDRESS_SCORE)
                for a, b, confirmed in addresses
                if self._an_address(reading, a, b, confirmed, people)
            ]
        return results

    # People.

    def _blocked(self, reading: Reading, at: int, determiners: int) -> bool:
        """Whether word `at` follows a determiner, directly or across one lower-case
        word ("eine junge Frau"): then it is a noun."""
        for back in (1, 2):
            before = at - back
            if before < 0 or not reading.joined(before):
                return False
            if reading.bits[before] & determiners:
                return True
            if not reading.written(before).islower():
                return False
        return False

    def _honored(self, reading: Reading, at: int, grammar: PeopleGrammar) -> list[tuple[int, int]]:
        written = reading.written(at)
        if len(written) <= 3 and not written[0].isupper():
            return []  # "m", "fr", "mme" in lower case are not honorifics
        text, end = reading.text, reading.ends[at]
        if reading.keys[at] in self._period:
            if not text.startswith(".", end) or written not in self._abbreviations:
                return []
            end += 1
            if _in_range(text, reading.starts[at]):
                return []  # "Mo.-Fr." is a week, not Frau
        elif text.startswith(".", end):
            end += 1  # "Mme."
        determiners = grammar.indefinites | grammar.possessives
        if grammar.language == "de":
            determiners |= grammar.articles
        if self._blocked(reading, at, determiners):
            return []
        # Not a degree after a name ("John Smith, M. D."): an initial alone counts where
        # no comma comes before the honorific.
        lone = not text[max(0, reading.starts[at] - 3) : reading.starts[at]].rstrip().endswith(",")
        return self._name_after(text, end, grammar, titles=True, lone_initial=lone)

    def _family(self, reading: Reading, at: int, grammar: PeopleGrammar) -> list[tuple[int, int]]:
        text, end = reading.text, reading.ends[at]
        if reading.keys[at] in self._period:
            if not text.startswith(".", end) or reading.written(at) not in self._abbreviations:
                return []
            end += 1
        if self._blocked(reading, at, grammar.indefinites | grammar.possessives):
            return []
        return self._name_after(text, end, grammar, titles=False)

    def _stop(self, word: str, grammar: PeopleGrammar) -> bool:
        """Whether a capitalised word is one of the lists' words rather than a name."""
        key = fold(word)
        bits = self._index.bits(key)
        stops = (
            grammar.titles
            | grammar.roles
            | grammar.relatives
            | grammar.honorifics
            | grammar.articles
            | grammar.possessives
            | grammar.indefinites
            | grammar.families
        )
        return bool(bits & stops)

    def _name_after(
        self,
        text: str,
        at: int,
        grammar: PeopleGrammar,
        *,
        titles: bool,
        lone_initial: bool = False,
    ) -> list[tuple[int, int]]:
        """The name (one or two words) after an honorific or a family word ending at
        `at`, titles first where `titles`; with `lone_initial`, an initial alone counts
        as the name ("Frau K."); [] for none."""
        for _ in range(_MAX_TITLES + 1):
            gap = _GAP.match(text, at)
            if gap is None:
                return []
            at = gap.end()
            if not titles:
                break
            title = _TITLE.match(text, at)
            if title is None or not (self._index.bits(fold(title.group(1))) & grammar.titles):
                break
            at = title.end()
        initial = _INITIAL.match(text, at)
        if initial and _NAME.match(text, initial.end()):
            at = initial.end()
        elif initial and titles and lone_initial:
            # "Frau K.", "Mme D.": a name cut to its initial.
            return [(initial.start(), initial.start() + 2)]
        particle = _PARTICLE.match(text, at)
        name = _NAME.match(text, particle.end() if particle else at)
        if name is None or not self._is_name(text, name, grammar):
            return []
        end = name.end()
        if name.group() in self._given:
            # "Herrn Markus Lehmann": a given name, then the surname.
            gap = _GAP.match(text, end)
            surname = _NAME.match(text, gap.end()) if gap else None
            if surname and self._is_name(text, surname, grammar):
                end = surname.end()
        if grammar.language == "de" and _GENITIVE.match(text, end):
            return []
        return [(name.start(), end)]

    def _is_name(self, text: str, name: re.Match[str], grammar: PeopleGrammar) -> bool:
        word = name.group()
        letters = [c for c in word if c.isalpha()]
        if len(letters) < 2 or (word.isupper() and len(letters) < _MIN_STEM):
            return False
        if len(letters) <= _MIN_STEM and text.startswith(".", name.end()):
            return False  # an abbreviation: "M. Sc.", "Fr. Dipl."
        return not self._stop(word, grammar)

    def _plural_family(
        self, reading: Reading, at: int, grammar: PeopleGrammar
    ) -> list[tuple[int, int]]:
        """ "die Neumanns", "bei Müllers"; "les Dupont", "chez les Martin"."""
        if not _spaced(reading, at):
            return []
        following = at + 1
        word, key = reading.written(following), reading.keys[following]
        if not (word[0].isupper() and not word.isupper()) or self._stop(word, grammar):
            return []
        start, end = reading.starts[following], reading.ends[following]
        text = reading.text
        if grammar.language == "de":
            plural = key.endswith(_GERMAN_PLURAL_NAMES) and len(key) - 1 > _MIN_STEM
            # Not a word of the lists in the plural ("die Partners").
            if not plural or self._stop(word[:-1], grammar) or text.startswith("-", end):
                return []
            return [(start, end)]
        # French: the surname takes no plural, and is one word ("les Rolling Stones").
        if key.endswith(_FRENCH_PLURALS) or len(key) < _MIN_STEM:
            return []
        name = _NAME.match(text, start)
        if name is None or name.group().split("-")[0].casefold().endswith(_FRENCH_PLURALS):
            return []
        gap = _GAP.match(text, name.end())
        if gap and _NAME.match(text, gap.end()):
            return []
        return [(start, name.end())]

    def _lower_case_name(self, reading: Reading, at: int) -> list[tuple[int, int]]:
        """ "mein kumpel lukas": a given name in lower case right after a relative or a
        role (only spaces between)."""
        if not _spaced(reading, at):
            return []
        following = at + 1
        word = reading.written(following)
        if word.islower() and word in self._lower_names:
            return [(reading.starts[following], reading.ends[following])]
        return []

    # Addresses.

    def _address(
        self, reading: Reading, at: int, grammar: PeopleGrammar
    ) -> list[tuple[int, int, bool]]:
        if grammar.language == "de":
            return self._german_address(reading, at, grammar)
        return self._french_address(reading, at, grammar)

    def _german_address(
        self, reading: Reading, at: int, grammar: PeopleGrammar
    ) -> list[tuple[int, int, bool]]:
        text, key, written = reading.text, reading.keys[at], reading.written(at)
        start = reading.starts[at]
        if key in self._bare:
            # "Berliner Straße 5", "Willy-Brandt-Straße 1": a capitalised word before.
            strong = bool(reading.bits[at] & grammar.streets)
            before = at - 1
            if before < 0 or not reading.joined(before):
                return []
            word = reading.written(before)
            stops = grammar.articles | grammar.possessives | grammar.indefinites
            if not word[0].isupper() or word.isdigit() or reading.bits[before] & stops:
                return []
            start = reading.starts[before]
            # The rest of a hyphenated name: "Willy-" before "Brandt-Straße".
            for _ in range(2):
                if before < 1 or text[reading.ends[before - 1] : reading.starts[before]] != "-":
                    break
                before -= 1
                start = reading.starts[before]
        else:
            suffix = next(
                (
                    (stem, strong)
                    for stem, strong in self._suffixes.get("de", ())
                    if key.endswith(stem) and len(key) - len(stem) >= _MIN_STEM
                ),
                None,
            )
            if suffix is None or not written[0].isupper():
                return []
            stem, strong = suffix
            if stem == "ring" and key[-len(stem) - 1] in _VOWELS:
                return []
        number = _HOUSE_NUMBER.match(text, reading.ends[at])
        if number is None:
            return []
        end = number.end()
        postcode = _GERMAN_POSTCODE.match(text, end)
        if postcode:
            end = postcode.end()
        return [(start, end, strong or postcode is not None)]

    def _french_address(
        self, reading: Reading, at: int, grammar: PeopleGrammar
    ) -> list[tuple[int, int, bool]]:
        text = reading.text
        width = reading.match(at, grammar.streets | grammar.ways)
        if not width:
            return []
        strong = bool(reading.match(at, grammar.streets))
        start = reading.starts[at]
        number = _FRENCH_NUMBER.search(text, max(0, start - _FRENCH_NUMBER_REACH), start)
        if number is None:
            return []
        name = _FRENCH_STREET_NAME.match(text, reading.ends[at + width - 1])
        if name is None:
            return []
        end = name.end()
        postcode = _FRENCH_POSTCODE.match(text, end)
        if postcode:
            end = postcode.end()
        named = name.group("particle") is not None and name.group("name")[0].isupper()
        return [(number.start(), end, strong or named or postcode is not None)]

    def _an_address(
        self,
        reading: Reading,
        start: int,
        end: int,
        confirmed: bool,
        people: Sequence[tuple[int, int]],
    ) -> bool:
        """An address stands: a street of the strong lists, a postcode or a named street
        (`confirmed`) or a word of residence shortly before; and not a public building's
        with no one near it."""
        cues = _sum_bits(self._grammars, "address_cues")
        if not confirmed:
            cue_start = _sentence_start(reading.text, start, _CUE_REACH)
            near = self._someone_near(reading, start, end, people, roles_count=False)
            if not near and not _any_word(reading, cue_start, start, cues):
                return False
        public = _sum_bits(self._grammars, "public_places")
        window = _sentence_start(reading.text, start, _REACH_BEFORE)
        after = _sentence_end(reading.text, end, _REACH_AFTER)
        if not (
            _any_word(reading, window, start, public) or _any_word(reading, end, after, public)
        ):
            return True
        return self._someone_near(reading, start, end, people, roles_count=False)

    def _someone_near(
        self,
        reading: Reading,
        start: int,
        end: int,
        people: Sequence[tuple[int, int]],
        *,
        roles_count: bool,
    ) -> bool:
        """A person found here, a given name before a surname, a possessive before a
        relative or a role (or, with `roles_count`, a role alone: "Patientin in Bett 3") in the
        same sentence shortly before or after text[start:end]."""
        first = _sentence_start(reading.text, start, _REACH_BEFORE)
        last = _sentence_end(reading.text, end, _REACH_AFTER)
        # `people` is sorted: the first few that start in the window (not all of them,
        # or a text of many names and rooms would cost their product).
        nearest = bisect_left(people, (first, first))
        if any(b <= last for _, b in people[nearest : nearest + 2]):
            return True
        roles = _sum_bits(self._grammars, "roles")
        relatives = _sum_bits(self._grammars, "relatives")
        possessives = _sum_bits(self._grammars, "possessives")
        for word in _words_between(reading, first, last):
            if start <= reading.starts[word] < end:
                continue
            bits = reading.bits[word]
            if roles_count and bits & roles:
                return True
            if bits & (roles | relatives) and word and reading.bits[word - 1] & possessives:
                return True
            if reading.written(word) in self._given and _spaced(reading, word):
                # A given name and a surname ("Museum Ludwig" is a museum's name).
                following = reading.written(word + 1)
                if following[0].isupper() and not following.isupper():
                    return True
        return False


def _sum_bits(grammars: Sequence[PeopleGrammar], name: str) -> int:
    return sum(getattr(grammar, name) for grammar in grammars)


def _spaced(reading: Reading, at: int) -> bool:
    """Whether word `at + 1` follows word `at` after spaces only."""
    if at + 1 >= len(reading.keys):
        return False
    gap = reading.text[reading.ends[at] : reading.starts[at + 1]]
    return 0 < len(gap) <= _MAX_GAP and gap.isspace() and "\n" not in gap


def _in_range(text: str, start: int) -> bool:
    """Whether an abbreviation at `start` ends a range of weekdays ("Mo.-Fr.", "Mo. bis Fr.")."""
    before = text[max(0, start - 3) : start].rstrip(" ")
    return before.endswith(("-", "\u2013", "/"))


def _words_between(reading: Reading, start: int, end: int) -> range:
    return range(bisect_left(reading.starts, start), bisect_left(reading.starts, end))


def _any_word(reading: Reading, start: int, end: int, lists: int) -> bool:
    return any(reading.match(word, lists) for word in _words_between(reading, start, end))


def _sentence_start(text: str, at: int, reach: int) -> int:
    """Where the sentence holding text[at] begins, at most `reach` characters back."""
    first = max(0, at - reach)
    begins = first
    for end in _SENTENCE_END.finditer(text, first, at):
        begins = end.end()
    return begins


def _sentence_end(text: str, at: int, reach: int) -> int:
    """Where the sentence holding text[at] ends, at most `reach` characters on."""
    last = min(len(text), at + reach)
    found = _SENTENCE_END.search(text, at, last)
    return found.start() if found else last


def _initials(text: str, at: int) -> list[tuple[int, int]]:
    """ "Kollegin S.", "Patient M. S.", "la patiente R. T.": a relative or a role (ending
    at `at`) named by one or two initials; not by the letters that stand for anyone in
    a textbook case ("Patient A.", "Mitarbeiter X.")."""
    gap = _GAP.match(text, at)
    if gap is None:
        return []
    first = _INITIALS.match(text, gap.end())
    if first is None or text[first.start()] in _PLACEHOLDER_INITIALS:
        return []
    return [(first.start(), first.end())]


def _room(reading: Reading, at: int) -> list[tuple[int, int]]:
    number = _ROOM_NUMBER.match(reading.text, reading.ends[at])
    return [(reading.starts[at], number.end())] if number else []


def lexicon_recognizers(languages: Iterable[str]) -> list[EntityRecognizer]:
    """The recognizers for those of `languages` that have lists here (de, fr), each one
    for them all: the term lists (LexiconRecognizer) and the people and addresses
    (PeopleRecognizer); nothing when none has (English is the policy's own)."""
    covered = [language for language in dict.fromkeys(languages) if language in LANGUAGES]
    return [LexiconRecognizer(covered), PeopleRecognizer(covered)] if covered else []
