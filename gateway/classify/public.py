"""Public figures: a name that the whole world knows is not a private person's.

"What illness did Frida Kahlo live with?" names a person and a health condition, the
same combination as "Priya's kidneys are failing", but it asks for public knowledge.
Nothing in the text tells the two apart; a list of public people does. A PERSON
finding whose name is on the shipped list (gateway/classify/data/public_figures.txt)
or on the policy's allow list is not counted and not redacted, unless something
beside it marks the person as a private individual (subjects.py: a role word such as
"patient" or "employee", a relation, an identifier, a record's shape); then it counts
like anyone's. The cost: a private person who shares a famous name with none of these
beside it is missed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from gateway.classify.data import read_list

FIGURES_RESOURCE = "public_figures.txt"
COMMON_SURNAMES_RESOURCE = "common_surnames.txt"

# How a name is introduced or closed, not part of what identifies it.
_TITLES = frozenset(
    [
        "queen",
        "king",
        "emperor",
        "empress",
        "tsar",
        "czar",
        "prince",
        "princess",
        "president",
        "vice",
        "senator",
        "governor",
        "chancellor",
        "premier",
        "pope",
        "saint",
        "st",
        "sir",
        "dame",
        "lord",
        "lady",
        "dr",
        "doctor",
        "professor",
        "prof",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "general",
        "gen",
        "colonel",
        "admiral",
        "captain",
        "rev",
        "reverend",
    ]
)
_SUFFIXES = frozenset(["jr", "sr", "junior", "senior"])
_POSSESSIVE = re.compile(r"['\u2019][sS]?$")
_NOT_NAME = re.compile(r"[^\w\s-]")
_LAST_WORD = re.compile(r"(\w+)[ \t]+$")
_TITLE_REACH = 40  # longer than any title and the spaces after it
_ROMAN = re.compile(r"(?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})")


def normalized(name: str) -> str:
    """Casefolded, with accents, punctuation and a possessive removed: "Queen
    Elizabeth II's" -> "queen elizabeth ii", "Gabriel García Márquez" -> "gabriel
    garcia marquez", "Michael J. Fox" -> "michael j fox"."""
    plain = unicodedata.normalize("NFKD", name.strip())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(_NOT_NAME.sub(" ", _POSSESSIVE.sub("", plain)).casefold().split())


def keys(name: str) -> list[str]:
    """The forms a name is looked up by: as written, and without leading titles when
    more than one word remains ("Queen Elizabeth II" is also "elizabeth ii"; "Pope
    Francis" is never just "francis")."""
    full = normalized(name)
    words = full.split()
    while len(words) > 2 and words[0] in _TITLES:
        words = words[1:]
    if len(words) == 2 and words[0] in _TITLES:
        return [full]
    stripped = " ".join(words)
    return [full] if stripped == full else [full, stripped]


class PublicFigures:
    """Membership by normalized name. Where a famous name could as well be a private
    person's, it does not count: a missed public figure costs a cloud answer, a
    missed private person leaks. So a one-word entry that is also a given name
    ("Adele") or a common surname, and a given name with a surname many people carry
    ("Serena Williams", "Andy Murray"), are not public. A surname alone counts only
    where the list holds it as a one-word entry ("Beethoven", "Obama"), never as
    the last word of a listed name: obscure surnames are private people's too."""

    def __init__(
        self, names: Iterable[str], given_names: Iterable[str] = (), common: Iterable[str] = ()
    ) -> None:
        given = frozenset(normalized(name) for name in given_names)
        common_surnames = frozenset(normalized(name) for name in common)
        private = given | common_surnames
        listed = {key for name in names for key in keys(name) if key}
        self._names = frozenset(
            key
            for key in listed
            if key not in private
            and not (key.split()[0] in given and _surname(key) in common_surnames)
        )
        self._regnal = frozenset(
            key.split()[0]
            for key in listed
            if len(key.split()) == 2 and _ROMAN.fullmatch(key.split()[1])
        )

    @classmethod
    def shipped(cls, extra: Iterable[str] = (), given_names: Iterable[str] = ()) -> PublicFigures:
        """The shipped list, plus the policy's own public names."""
        return cls(
            [*read_list(FIGURES_RESOURCE), *extra], given_names, read_list(COMMON_SURNAMES_RESOURCE)
        )

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        found = keys(name)
        if any(key in self._names for key in found):
            return True
        words = found[-1].split()
        # A title and a name that a listed monarch or pope had: "Queen Elizabeth"
        # (Elizabeth II), "King Charles", "Pope Leo".
        if len(words) == 2 and words[0] in _TITLES and words[1] in self._regnal:
            return True
        # spaCy's small model sometimes takes the word before a name into it
        # ("Describe Ernest Hemingway's"): the rest, if still a full name, counts.
        return any(
            " ".join(words[drop:]) in self._names for drop in (1, 2) if drop + 1 < len(words)
        )

    def named_at(self, text: str, start: int, end: int) -> bool:
        """Whether the name found at text[start:end] is a public figure's, with the
        title written before it when there is one: a recognizer finds "Diana" (or
        "Diana do") in "Princess Diana do…", and "Princess Diana" is on the list."""
        name = text[start:end]
        if name in self:
            return True
        # The word just before the name: searched in the few characters before it, not
        # from the text's start (once per name, that was quadratic in a list of names).
        before = _LAST_WORD.search(text, max(0, start - _TITLE_REACH), start)
        if before is None or before.group(1).casefold() not in _TITLES:
            return False
        title = before.group(1)
        first = (name.split() or [name])[0]
        return f"{title} {name}" in self or f"{title} {first}" in self

    def __len__(self) -> int:
        return len(self._names)


def _surname(name: str) -> str:
    """The last word that is neither a suffix nor a regnal number: "martin luther
    king jr" -> "king"; "" when nothing is left."""
    words = [w for w in name.split() if w not in _SUFFIXES and not _ROMAN.fullmatch(w)]
    return words[-1] if len(words) > 1 else ""
