"""The semantic context recognizer, alone and inside the sensitivity classifier."""

from __future__ import annotations

from common.embedding import MiniLM
from gateway.classify.context import SemanticContextRecognizer
from gateway.classify.extract import Segment
from gateway.classify.options import SemanticContextOptions
from gateway.classify.registry import Classifiers
from gateway.classify.signals import Level

HEALTH = SemanticContextOptions(
    entity="HEALTH_CONTEXT",
    threshold=0.35,
    exemplars=["She has been seriously ill and is having treatment at the hospital."],
)


def test_similarity_to_an_exemplar_reports_the_entity(classifiers: Classifiers) -> None:
    model: MiniLM = classifiers.embeddings.model
    recognizer = SemanticContextRecognizer(model, [HEALTH])
    ill = model.embed_text("My aunt has been in hospital for weeks getting treatment.")
    weather = model.embed_text("Tomorrow will be sunny with a light breeze.")
    assert recognizer.entities == ["HEALTH_CONTEXT"]
    assert recognizer.findings(ill) == {
        "HEALTH_CONTEXT": recognizer.similarities(ill.whole)["HEALTH_CONTEXT"]
    }
    assert recognizer.findings(weather) == {}


def test_a_message_nearer_an_unlike_exemplar_is_not_about_anyone(
    classifiers: Classifiers,
) -> None:
    model: MiniLM = classifiers.embeddings.model
    general = "What is the usual treatment for this illness in hospital?"
    unlike = HEALTH.model_copy(update={"unlike": [general]})
    plain, contrasted = (SemanticContextRecognizer(model, [o]) for o in (HEALTH, unlike))
    topic = model.embed_text("What treatment do hospitals usually give for a serious illness?")
    person = model.embed_text("My aunt has been in hospital for weeks getting treatment.")
    # Above the threshold either way; the unlike exemplar is nearer for the topic only.
    assert plain.findings(topic) != {}
    assert contrasted.findings(topic) == {}
    assert contrasted.findings(person) == plain.findings(person) != {}


# A long message about other things, with one sentence about someone's health.
DILUTED = (
    "Please tidy up my notes from the planning meeting. We moved the launch to the "
    "second week of May and froze the scope on Friday. The design review slips by a "
    "week and the budget stays as it is. My aunt has been in hospital for weeks "
    "getting treatment. Turn the rest into five bullet points for the team channel."
)


def test_one_sentence_carries_the_context_of_a_long_message(classifiers: Classifiers) -> None:
    model: MiniLM = classifiers.embeddings.model
    recognizer = SemanticContextRecognizer(model, [HEALTH])
    vectors = model.embed_text(DILUTED)
    # The whole message is mostly about planning: its vector alone stays under the
    # threshold, the sentence's does not.
    assert recognizer.similarities(vectors.whole)["HEALTH_CONTEXT"] < HEALTH.threshold
    assert recognizer.findings(vectors).get("HEALTH_CONTEXT", 0.0) >= HEALTH.threshold


def test_an_unlike_exemplar_also_applies_to_each_sentence(classifiers: Classifiers) -> None:
    model: MiniLM = classifiers.embeddings.model
    sentence = "My aunt has been in hospital for weeks getting treatment."
    unlike = HEALTH.model_copy(update={"unlike": [sentence]})
    assert SemanticContextRecognizer(model, [unlike]).findings(model.embed_text(DILUTED)) == {}


def test_context_beyond_the_term_lists_feeds_the_person_combination(
    classifiers: Classifiers,
) -> None:
    # No word of the HEALTH_CONTEXT term list: found by meaning, then "person + health".
    text = "Tomasz's kidneys are only working at 15% and he needs the machine three times a week."
    signal = classifiers.sensitivity.classify([Segment("user", text)])
    assert signal.entities.get("HEALTH_CONTEXT") == 1
    assert signal.level == Level.RESTRICTED


def test_the_same_topic_without_a_person_stays_public(classifiers: Classifiers) -> None:
    text = "How does dialysis work when the kidneys stop filtering blood?"
    assert classifiers.sensitivity.classify([Segment("user", text)]).level == Level.PUBLIC


def test_a_message_is_embedded_once_for_both_classifiers(classifiers: Classifiers) -> None:
    text = "Rewrite this sentence so it sounds friendlier: we will not refund opened items."
    misses = classifiers.embeddings.cache.misses
    classifiers.classify_segments([Segment("user", text)])
    classifiers.classify_segments([Segment("user", text)])
    assert classifiers.embeddings.cache.misses == misses + 1
