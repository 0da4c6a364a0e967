"""The sensitivity classifier: Presidio's recognizers per message, cached by content
hash, then mapped to a level by the policy's rules.

spaCy's neural NER is the most expensive step and only ever adds PERSON, which is
never sensitive alone. It runs only when a person's name could change the level: when
the request holds everything a PERSON combination rule needs except the person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from presidio_analyzer import RecognizerResult
from spacy.language import Language
from spacy.tokens import Span

from common.embedding import MiniLM
from gateway.classify.budget import (
    CHUNK_CHARS,
    Deadline,
    DeadlineClock,
    Overrun,
    bind_deadline,
    chunks,
)
from gateway.classify.cache import LruCache, content_key
from gateway.classify.context import SemanticContextRecognizer
from gateway.classify.decode import DecodedReading, decode, decoded_reading
from gateway.classify.engine import CachedRegistry, LeanAnalyzerEngine
from gateway.classify.extract import Segment
from gateway.classify.findings import Findings, merged
from gateway.classify.language import Languages
from gateway.classify.levels import sensitivity_level
from gateway.classify.names import all_given_names
from gateway.classify.nlp import (
    NAME_MODELS,
    PERSON_LABELS,
    TrimmedSpacyEngine,
    load_pipeline,
    tokenizer_pipeline,
)
from gateway.classify.normalize import Normalized, normalize, readings
from gateway.classify.options import SensitivityOptions
from gateway.classify.public import PublicFigures
from gateway.classify.recognizers import all_recognizers
from gateway.classify.semantic import MessageEmbeddings
from gateway.classify.signals import SensitivitySignal
from gateway.classify.subjects import DataSubjects

PERSON = "PERSON"
NER_PERSON_SCORE = 0.85  # what Presidio's own spaCy recognizer reports
_SENTENCE_ENDS = frozenset({".", "!", "?", "\n", ":", ";"})
# What follows an instruction's verb, never a person's name: "Summarise why",
# "Describe the", "Explain how".
_OBJECT_WORDS = frozenset(
    {
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "its",
        "why",
        "how",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whether",
        "it",
        "me",
        "us",
        "them",
    }
)


class SensitivityClassifier:
    def __init__(
        self, options: SensitivityOptions, embeddings: MessageEmbeddings | None = None
    ) -> None:
        self._options = options
        self._context: SemanticContextRecognizer | None = None
        if options.semantic_context:
            embeddings = embeddings or MessageEmbeddings(MiniLM(), options.cache_size)
            self._context = SemanticContextRecognizer(embeddings.model, options.semantic_context)
        self._embeddings = embeddings
        self._ner = load_pipeline(options.spacy_model)
        # The other covered languages' name pipelines, where there is one.
        self._ner_by_language = {
            code: load_pipeline(NAME_MODELS[code])
            for code in options.languages
            if code in NAME_MODELS
        }
        recognizers = all_recognizers(options)
        self._deadlines = DeadlineClock()
        for recognizer in recognizers:
            # Every pattern searches within the request's deadline, and says so when
            # it runs out instead of skipping the pattern as Presidio does.
            bind_deadline(recognizer, self._deadlines)
        registry = CachedRegistry(recognizers=recognizers, supported_languages=["en"])
        engine = TrimmedSpacyEngine(tokenizer_pipeline(self._ner))
        self._analyzer = LeanAnalyzerEngine(
            registry=registry, nlp_engine=engine, supported_languages=["en"]
        )
        self._entities = sorted({e for r in recognizers for e in r.supported_entities})
        self._allowed = [term.lower() for term in options.allow_list]
        given = all_given_names()
        self._given = frozenset(given)
        self._public = (
            PublicFigures.shipped(options.allow_list, given)
            if options.public_figures
            else PublicFigures(options.allow_list, given)
        )
        self._subjects = DataSubjects(options.data_subject_roles)
        self._languages = Languages(options.languages)
        self._floor = min([options.min_score, *options.score_thresholds.values()])
        self._needs_person = [
            frozenset(rule.all) - {PERSON} for rule in options.combinations if PERSON in rule.all
        ]
        self.cache: LruCache[Findings] = LruCache(options.cache_size)

    def classify(
        self, segments: Iterable[Segment], deadline: Deadline | None = None
    ) -> SensitivitySignal:
        """The signal for the texts; past `deadline`, the signal of what was read by
        then, with `timeout` among its unreadable kinds."""
        texts = [segment.text for segment in segments]
        found: list[Findings] = []
        with self._deadlines.running(deadline):
            try:
                for text in texts:
                    self._check()
                    found.append(self.findings(text))
                if self._names_could_matter(found):
                    found = [
                        self._with_names(text, f) for text, f in zip(texts, found, strict=True)
                    ]
            except Overrun as overrun:
                return self._signal(found, frozenset({overrun.reason}))
        return self._signal(found)

    def _check(self) -> None:
        deadline = self._deadlines.current
        if deadline is not None:
            deadline.check()

    def embedding_texts(self, segments: Iterable[Segment]) -> list[str]:
        """What `classify` will embed: the normalized reading of each message it has
        not analyzed yet (none without a semantic context recognizer)."""
        if self._context is None:
            return []
        return [
            readings(segment.text)[-1].text
            for segment in segments
            if self.cache.peek(content_key(segment.text)) is None
        ]

    def cached(self, segments: Iterable[Segment]) -> SensitivitySignal | None:
        """The signal from the cache alone: None when a message has not been analyzed
        yet, or when NER would have to run. Cheap enough for the event loop."""
        found = []
        for segment in segments:
            findings = self.cache.get(content_key(segment.text))
            if findings is None:
                return None
            found.append(findings)
        if self._names_could_matter(found):
            return None
        return self._signal(found)

    def _signal(
        self, found: Sequence[Findings], unread: frozenset[str] = frozenset()
    ) -> SensitivitySignal:
        counts: Counter[str] = Counter()
        scores: dict[str, float] = {}
        decoded: dict[str, tuple[str, ...]] = {}
        languages: set[str] = set()
        for findings in found:
            counts.update(findings.counts)
            languages |= findings.languages
            for name, score in findings.scores.items():
                scores[name] = max(score, scores.get(name, 0.0))
            for name, encodings in findings.decoded.items():
                seen = decoded.get(name, ())
                decoded[name] = seen + tuple(e for e in encodings if e not in seen)
        level, score = sensitivity_level(counts, scores, self._options)
        return SensitivitySignal(
            level=level,
            entities=dict(counts),
            score=score,
            decoded=decoded,
            unreadable=unread
            | frozenset({"binary"} if any(f.binary for f in found) else ())
            | frozenset({"language"} if languages else ()),
            languages=frozenset(languages),
        )

    def findings(self, text: str) -> Findings:
        key = content_key(text)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        if len(text) > CHUNK_CHARS:
            # spaCy reads at most a million characters, and the deadline is checked
            # between chunks: a long text is read in overlapping windows.
            parts = []
            for _, chunk in chunks(text, CHUNK_CHARS):
                self._check()
                parts.append(self.findings(chunk))
            findings = merged(parts)
        else:
            findings = self._analyze(text)
        self.cache.put(key, findings)
        return findings

    def _names_could_matter(self, found: Sequence[Findings]) -> bool:
        present = {name for f in found for name, count in f.counts.items() if count}
        if PERSON in present or all(f.names_checked for f in found):
            return False
        return any(rest <= present for rest in self._needs_person)

    def _with_names(self, text: str, findings: Findings) -> Findings:
        if findings.names_checked:
            return findings
        people = 0
        for _, chunk in chunks(text, CHUNK_CHARS):
            self._check()
            people += self._people(chunk)
        counts, scores = dict(findings.counts), dict(findings.scores)
        if people:
            counts[PERSON] = counts.get(PERSON, 0) + people
            scores[PERSON] = max(scores.get(PERSON, 0.0), NER_PERSON_SCORE)
        checked = replace(findings, counts=counts, scores=scores, names_checked=True)
        self.cache.put(content_key(text), checked)
        return checked

    def _people(self, text: str) -> int:
        """The people NER finds in a text's normalized and decoded readings, as many as
        the reading that saw more."""
        first = normalize(text)
        views = [first.text]
        decoded = decoded_reading(first, decode(first.text))
        if decoded is not None:
            views.append(decoded.view.text)
        return max(self._count_people(view) for view in views)

    def _count_people(self, text: str) -> int:
        ner = self._ner_for(text)
        if ner is None:
            return 0
        return sum(1 for entity in ner(text).ents if self._is_person(entity))

    def _ner_for(self, text: str) -> Language | None:
        """The name pipeline for the language `text` is in: its own, English's for
        English or a text CLD2 cannot place, none for a covered language without one
        (its names come from the given-name lists)."""
        language = self._languages.written_in(text)
        if language is None or language == "en":
            return self._ner
        return self._ner_by_language.get(language)

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where each finding is in `text` (found in its normalized readings, mapped
        back), for redaction. Never cached: the positions identify the values, which
        must not outlive the request."""
        if len(text) > CHUNK_CHARS:
            return [
                (offset + start, offset + end, kind)
                for offset, chunk in chunks(text, CHUNK_CHARS)
                for start, end, kind in self.spans(chunk)
            ]
        found: list[tuple[int, int, str]] = []
        seen = readings(text)
        decoded = decoded_reading(seen[0], decode(seen[0].text))
        if decoded is not None:
            # A value found in a decoded view maps to its whole encoded span, so the
            # placeholder replaces the encoding and restoring puts it back.
            seen.append(decoded.view)
        for normalized in seen:
            found += [
                (*normalized.original_span(start, end), kind)
                for start, end, kind in self._spans(normalized.text)
            ]
        return found

    def _spans(self, seen: str) -> list[tuple[int, int, str]]:
        results = self._analyzer.analyze(
            text=seen, language="en", entities=self._entities, score_threshold=self._floor
        )
        found = [
            (r.start, r.end, r.entity_type)
            for r in results
            if r.score >= self._options.score_thresholds.get(r.entity_type, self._options.min_score)
            and not self._is_allowed(seen, r)
        ]
        # Names matter most in redaction, so NER always runs here.
        ner = self._ner_for(seen)
        if ner is not None:
            found += [
                (e.start_char, e.end_char, PERSON) for e in ner(seen).ents if self._is_person(e)
            ]
        return found

    def _analyze(self, original: str) -> Findings:
        seen = readings(original)
        found = [self._analyze_reading(n) for n in seen]
        # What a reader could decode (base64, percent-encoding, entities...), read as
        # decoded: a finding there counts as if it were plain.
        decoding = decode(seen[0].text)
        decoded = decoded_reading(seen[0], decoding)
        if decoded is not None:
            found.append(self._analyze_reading(decoded.view, decoded))
        # Every reading of a text: each entity as often as the reading that saw more.
        counts = {k: max(f.counts.get(k, 0) for f in found) for f in found for k in f.counts}
        scores = {k: max(f.scores.get(k, 0.0) for f in found) for f in found for k in f.scores}
        through = dict(found[-1].decoded) if decoded is not None else {}
        # The normalized reading: zero-width characters and look-alike letters would
        # otherwise break the words into pieces the model does not know.
        contexts: list[tuple[dict[str, float], tuple[str, ...]]] = [
            (self._in_context(seen[-1].text), ())
        ]
        if decoded is not None:
            contexts.append((self._in_context(decoded.view.text), decoded.encodings()))
        for context, encodings in contexts:
            for entity, score in context.items():
                if encodings and entity not in counts:
                    through[entity] = encodings
                counts[entity] = max(counts.get(entity, 0), 1)
                scores[entity] = max(scores.get(entity, 0.0), score)
        # Text in a language the recognizers do not read is not public, whatever they
        # found in it.
        languages = self._languages.unread(seen[0].text)
        return Findings(
            counts, scores, decoded=through, binary=decoding.binary, languages=languages
        )

    def _in_context(self, text: str) -> dict[str, float]:
        """The contexts the text's meaning is near (health, HR, money), with scores."""
        if self._context is None or self._embeddings is None:
            return {}
        return dict(self._context.findings(self._embeddings.of(text)))

    def _analyze_reading(
        self, reading: Normalized, decoded: DecodedReading | None = None
    ) -> Findings:
        text = reading.text
        results = self._analyzer.analyze(
            text=text, language="en", entities=self._entities, score_threshold=self._floor
        )
        counts: Counter[str] = Counter()
        scores: dict[str, float] = {}
        through: dict[str, tuple[str, ...]] = {}
        for result in results:
            threshold = self._options.score_thresholds.get(
                result.entity_type, self._options.min_score
            )
            if result.score < threshold or self._is_allowed(text, result):
                continue
            counts[result.entity_type] += 1
            scores[result.entity_type] = max(result.score, scores.get(result.entity_type, 0.0))
            if decoded is not None:
                encodings = decoded.encodings_at(*reading.original_span(result.start, result.end))
                seen = through.get(result.entity_type, ())
                if encodings:
                    through[result.entity_type] = seen + tuple(
                        e for e in encodings if e not in seen
                    )
        return Findings(dict(counts), scores, decoded=through)

    def _is_person(self, entity: Span) -> bool:
        """An NER PERSON that is neither a public figure nor an instruction's verb:
        spaCy's small model reads a capitalised word opening a sentence as a name
        ("Summarise why...", "Describe the..."). A name there is followed by what the
        person does ("Priya has"); a verb, by its object or a question word."""
        if entity.label_ not in PERSON_LABELS or self._is_public(
            entity.doc.text, entity.start_char, entity.end_char
        ):
            return False
        if len(entity) > 1 or entity.text in self._given:
            return True
        doc = entity.doc
        opens = entity.start == 0 or doc[entity.start - 1].text in _SENTENCE_ENDS
        after = doc[entity.end].lower_ if entity.end < len(doc) else ""
        return not (opens and after in _OBJECT_WORDS)

    def _is_allowed(self, text: str, result: RecognizerResult) -> bool:
        if result.entity_type == PERSON and self._is_public(text, result.start, result.end):
            return True
        value = text[result.start : result.end].lower()
        return any(
            value == term or value.endswith(("@" + term, "." + term)) for term in self._allowed
        )

    def _is_public(self, text: str, start: int, end: int) -> bool:
        """A public figure's name with nothing beside it that makes this one a private
        person: "Patient David Beckham, 54" is someone's record, not football."""
        return self._public.named_at(text, start, end) and not self._subjects.marked(
            text, start, end
        )
