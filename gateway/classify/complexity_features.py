"""Features of a prompt that say whether it needs a large model.

Cheap cues (what is asked, how it is structured, how long it is) plus word presence.
Length is only one feature among many: "Prove that √2 is irrational" is short and
hard, "Sort these 40 numbers: ..." long and easy. The same function serves the
runtime classifier and the training script, so they can never disagree.
"""

from __future__ import annotations

import math
import re

_WORD = re.compile(r"[a-z][a-z'+#-]{1,24}")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "is",
        "are",
        "be",
        "this",
        "that",
        "it",
        "as",
        "at",
        "by",
        "from",
        "me",
        "my",
        "i",
        "you",
        "your",
        "we",
        "our",
        "can",
        "could",
        "would",
        "should",
        "please",
        "will",
        "do",
        "does",
        "how",
        "what",
        "into",
        "about",
    ]
)

CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "proof": r"\b(prove|proof|show that|theorem|lemma|by induction|derive|derivation)\b",
        "math": r"(\b(integral|derivative|eigen\w*|matrix|probabilit\w*|expected value|"
        r"equation|polynomial|converge\w*|asymptotic|modular|combinatori\w*|bayes\w*|"
        r"differential|optimi[sz]ation|variance|regression)\b|[∫∑√∂≤≥∞]|\^\d|O\(n)",
        "reasoning": r"\b(step[- ]by[- ]step|reason(ing)?|trade-?offs?|why (does|do|is|would)|"
        r"what would happen|implications?|counterexample|puzzle|riddle|infer|deduce)\b",
        "code_write": r"\b(implement|write (a|an|the) (\w+ )?(function|class|program|script|"
        r"module|service|parser|algorithm)|algorithm|refactor|unit tests?|data structure|"
        r"concurren\w*|thread-?safe|async\w*|recursion|recursive)\b",
        "code_debug": r"\b(debug|traceback|stack ?trace|exception|segfault|memory leak|"
        r"race condition|deadlock|fails? (with|when)|doesn't work|bug)\b",
        "design": r"\b(design|architect\w*|scal(able|ability|e to)|distributed|microservices?|"
        r"fault[- ]toleran\w*|high availability|sharding|replication|consensus|load balanc\w*|"
        r"throughput|latency budget|end-to-end)\b",
        "long_writing": r"\b(report|essay|white ?paper|proposal|business plan|chapter|"
        r"curriculum|specification|policy document|rfc)\b|\b\d{3,5}[- ]words?\b|"
        r"\b(sections?|in depth|in-depth|comprehensive|detailed)\b",
        "analysis": r"\b(analy[sz]e|analysis|evaluate|assess|critique|compare and contrast|"
        r"strategy|strategic|forecast|model(l)?ing|regulatory|legal|clinical|"
        r"pathophysiology|macroeconomic|valuation|hypothes[ie]s)\b",
        "plan_constraints": r"\b(constraints?|must (also|not)|requirements?|budget of|"
        r"at most|at least|subject to|optimi[sz]e for)\b",
        "simple_ask": r"^\s*(what|who|when|where|which) (is|was|are|were|did)\b|"
        r"\b(capital of|define|definition of|spell|how many days|what time|synonym|antonym)\b",
        "chitchat": r"^\s*(hi|hello|hey|thanks|thank you|good (morning|night|evening)|"
        r"how are you|what's up|lol|cool)\b",
        "transform": r"\b(translate|fix (the |my )?(grammar|spelling|typos?)|correct the|"
        r"proofread|rephrase|reword|paraphrase|reformat|format (this|it|as)|convert|"
        r"to (uppercase|lowercase|title case|json|csv|a table|bullet points)|sort|"
        r"alphabeti[sz]e|capitali[sz]e)\b",
        "extract_classify": r"\b(extract|list (all|the)|classify|categori[sz]e|label|tag|"
        r"is this (positive|negative|spam)|sentiment|which of these|pick one|yes or no)\b",
        "summarise_short": r"\b(summari[sz]e|tl;?dr|in one sentence|in a sentence|briefly|"
        r"one line|short)\b",
        "simple_math": r"^\s*(what is )?\d+(\.\d+)?\s*[-+*/x\u00d7]\s*\d+(\.\d+)?\s*\??\s*$|"
        r"\b(\d+\s*(percent|%) of \d+|convert \d+)",
    }.items()
}


def features(text: str) -> dict[str, float]:
    lowered = text.lower()
    found: dict[str, float] = {}
    for name, pattern in CUES.items():
        hits = len(pattern.findall(text))
        if hits:
            found[f"cue:{name}"] = min(hits, 3) / 3.0
    words = _WORD.findall(lowered)
    chars = max(len(text), 1)
    found["shape:log_chars"] = math.log10(chars) / 4.0
    found["shape:digit_ratio"] = sum(c.isdigit() for c in text) / chars
    found["shape:questions"] = min(text.count("?"), 5) / 5.0
    found["shape:lines"] = min(text.count("\n"), 40) / 40.0
    found["shape:code"] = (
        1.0 if ("```" in text or re.search(r"[{};]\s*$|def |=>", text, re.M)) else 0.0
    )
    found["shape:list_items"] = (
        min(len(re.findall(r"^\s*(?:[-*•]|\d+[.)])\s", text, re.M)), 10) / 10.0
    )
    found["shape:unique_word_ratio"] = len(set(words)) / max(len(words), 1)
    for word in set(words[:400]):
        if word not in _STOP:
            found[f"word:{word}"] = 1.0
    return found
