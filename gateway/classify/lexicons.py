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
As in English, a context alone is public ("Was sind die Symptome von Diabetes?"): the
policy's combinations make a person and a context sensitive together.

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from presidio_analyzer import EntityRecognizer, RecognizerResult

from gateway.classify.data import read_list

LANGUAGES = ("de", "fr")
FOLDER = "lexicons"
CONTEXT_LISTS = {
    "HEALTH_CONTEXT": "health",
    "HR_CONTEXT": "hr",
    "FINANCIAL_CONTEXT": "financial",
}
REFERENCE_LISTS = ("possessives", "articles", "adjectives", "relatives", "roles")
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
                key = word if ascii_text else fold(word)
                bits, phrases = index.bits(key), index.phrases(key)
                starts = bool(bits & starters) or any(lists & starters for _, lists in phrases)
                seen[word] = (key, bits, phrases, starts)
                hit = hit or starts
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
_LISTS = (*CONTEXT_LISTS.values(), *REFERENCE_LISTS)


class Grammar(NamedTuple):
    """One language's reference lists, as index bits."""

    possessives: int
    articles: int
    adjectives: int
    relatives: int
    roles: int


def _bit(language_number: int, name: str) -> int:
    return 1 << (language_number * len(_LISTS) + _LISTS.index(name))


def languages_index(languages: Sequence[str]) -> Index:
    """The languages' lists, read from the package data, in one index."""
    return Index(
        [read_list(f"{FOLDER}/{language}_{name}.txt") for language in languages for name in _LISTS]
    )


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
        self._starters = sum(self._contexts.values()) | determiners

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
    return 0


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


def lexicon_recognizers(languages: Iterable[str]) -> list[EntityRecognizer]:
    """The recognizer for those of `languages` that have lists here (de, fr), one for
    them all; nothing when none has (English is the policy's own)."""
    covered = [language for language in dict.fromkeys(languages) if language in LANGUAGES]
    return [LexiconRecognizer(covered)] if covered else []
