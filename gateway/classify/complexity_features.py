"""Features of a prompt that say whether it needs a large model.

Cheap cues: what is asked, how it is structured, how long it is.
Length is only one feature among many: "Prove that √2 is irrational" is short and
hard, "Sort these 40 numbers: ..." long and easy. The same function serves the
runtime classifier and the training script, so they can never disagree.
"""

from __future__ import annotations

import math
import re

# A word: a lower-case letter, then letters or ' + # -. The letters are a-z and the
# Latin-1 and Latin Extended-A ones (ß, à-ö, ø-ÿ, œ...), so a German or French word
# counts whole ("übersetze", "démontrer", not "bersetze" and "montrer"); digits and
# superscripts ("n²") stay outside, and ASCII text reads as it always did.
_WORD = re.compile(r"[a-zß-öø-ÿ\u0100-\u017f][a-zß-öø-ÿ\u0100-\u017f'+#-]{1,24}")
# Each cue reads English, German and French: the same cue names in every language, so
# the trained model (which reads the names) needs no new features. German and French
# alternatives follow the English ones; "|" joins plain words and phrases only, and
# every quantifier is bounded or over a single character class (no nested repeats).
CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "proof": r"\b(prove|proof|show (that|there)|theorem|lemma|by induction|derive|"
        r"derivation|infinitely many|tight bound|recurrence|irrational|how many ways|"
        # German
        r"beweise|beweisen|beweist|beweis|zeige,? dass|zeigen sie,? dass|herleiten|"
        r"herleitung|leite \w+ her|vollständige induktion|per induktion|unendlich viele|"
        r"wie viele möglichkeiten|"
        # French
        r"démontre|démontrer|démontrez|démonstration|montre[rz]? que|preuve|"
        r"par récurrence|théorème|lemme|une infinité de|irrationnel|"
        r"de combien de façons)\b",
        "math": r"(\b(integral|derivative|eigen\w*|matrix|probabilit\w*|expected value|"
        r"equation|polynomial|converge\w*|asymptotic|modular|combinatori\w*|bayes\w*|"
        r"differential|optimi[sz]ation|variance|regression|expected number|half-life|"
        r"log n|modulo|prime|primes|geometric|permutations?|"
        # German
        r"integrale|integralen|ableitung\w*|matrizen|wahrscheinlichkeit\w*|"
        r"erwartungswert\w*|gleichung\w*|polynom|polynome|polynomen|polynoms|"
        r"konvergie\w*|asymptotisch\w*|kombinatori\w*|differentialgleichung\w*|"
        r"differenzialgleichung\w*|optimierung\w*|varianz|halbwertszeit|primzahl\w*|"
        r"permutationen|geometrisch\w*|"
        # French
        r"intégrale\w*|dérivée\w*|valeurs? propres?|matrice|"
        r"espérance|équation\w*|polynôme\w*|asymptotique\w*|combinatoire\w*|"
        r"différentiel\w*|régression|demi-vie|nombres? premiers?|"
        r"géométrique\w*)\b|[∫∑√∂≤≥∞²³]|\^\d|O\(n)",
        "reasoning": r"\b(step[- ]by[- ]step|reason(ing)?|trade-?offs?|why (does|do|is|would)|"
        r"what would happen|implications?|counterexample|puzzle|riddle|infer|deduce|"
        r"on which day|how long until|how many (days|times|steps)|what's going on|"
        r"what went wrong|root cause|"
        # German
        r"schritt für schritt|begründe|begründen|begründung|abwägung\w*|"
        r"vor- und nachteile|warum|wieso|weshalb|was würde passieren|auswirkung\w*|"
        r"gegenbeispiel\w*|rätsel|schlussfolger\w*|an welchem tag|ursache|"
        r"was ist schiefgelaufen|"
        # French
        r"étape par étape|raisonnement|raisonne[rz]?|justifie[rz]?|compromis|"
        r"avantages et inconvénients|pourquoi|que se passerait-il|contre-exemple|"
        r"énigme|devinette|dédui\w*|quel jour|cause (racine|première)|"
        r"qu'est-ce qui (ne va pas|a mal tourné))\b",
        "code_write": r"\b(implement|write (a|an|the) (\w+ )?(function|class|program|script|"
        r"module|service|parser|algorithm)|algorithm|refactor|unit tests?|data structure|"
        r"concurren\w*|thread-?safe|async\w*|recursion|recursive|from scratch|helper|"
        r"coroutines?|backoff|circuit breaker|parser|compiler|interpreter|cli tool|library|"
        # German
        r"implementiere\w*|implementierung|schreibe (eine|ein|einen) (\w+ )?(funktion|"
        r"klasse|programm|skript|modul|dienst|parser|algorithmus)|algorithmus|"
        r"refaktori\w*|unit-tests?|datenstruktur\w*|nebenläufig\w*|threadsicher\w*|"
        r"rekursion|rekursiv\w*|von grund auf|bibliothek|"
        # French
        r"implémente[rz]?|implémentation|écri[st] (une|un) (\w+ )?(fonction|classe|"
        r"programme|script|module|service|parseur|algorithme)|algorithme|"
        r"refactorise[rz]?|refactorisation|tests? unitaires?|structure de données|"
        r"récursi\w*|"
        r"à partir de zéro|bibliothèque)\b",
        "code_language": r"\b(python|java|javascript|typescript|golang|go handler|rust|"
        r"haskell|kotlin|swift|c\+\+|c#|scala|sql|bash|terraform|kubernetes|react|node\.?js)\b",
        "code_debug": r"\b(debug|traceback|stack ?trace|exception|segfault|memory leak|"
        r"race condition|deadlocks?|race|fails? (with|when)|doesn't work|bug|instead of|"
        r"fix the (race|bug|leak|crash)|crash(es|ing)?|hangs?|off-by-one|overflow|"
        # German
        r"debugge\w*|fehlermeldung|speicherleck|stürzt ab|absturz|funktioniert nicht|"
        r"schlägt fehl|statt|anstatt|"
        # French
        r"débogue[rz]?|message d'erreur|fuite de mémoire|ne fonctionne pas|"
        r"ne marche pas|plantage|au lieu de)\b",
        "design": r"\b(design|architect\w*|scal(able|ability|e to)|distributed|microservices?|"
        r"fault[- ]toleran\w*|high availability|sharding|replication|consensus|load balanc\w*|"
        r"throughput|latency budget|end-to-end|look like|feature store|pipeline for|"
        # German
        r"entwirf|entwerfen|entwurf|architektur\w*|skalierbar\w*|verteilte[nmrs]?|"
        r"ausfallsicher\w*|hochverfügbar\w*|replikation|konsens|lastverteil\w*|"
        r"durchsatz|pipeline für|"
        # French
        r"conçois|concevoir|concevez|évoluti(f|ve)|distribuée?s?|"
        r"tolérance aux pannes|haute disponibilité|réplication|répartition de charge|"
        r"débit|pipeline pour)\b",
        "long_writing": r"\b(report|essay|white ?paper|proposal|business plan|chapter|"
        r"curriculum|specification|policy document|rfc|playbook|runbook|handbook|"
        r"draft a (complete|full|detailed|project)|chapters?|"
        # German
        r"bericht|aufsatz|geschäftsplan|businessplan|kapitel|lehrplan|"
        r"spezifikation|handbuch|leitfaden|"
        # French ("par rapport à" is "compared with", not a report)
        r"(?<!par )rapport|dissertation|mémoire de (master|fin d'études|licence)|"
        r"plan d'affaires|chapitres?|programme de cours|cahier des charges|guide complet)\b|"
        r"\b\d{3,5}[- ](words?|wörter|worte|wörtern|mots)\b|"
        r"\b(sections?|in depth|in-depth|comprehensive|detailed|"
        r"abschnitte?|ausführlich\w*|umfassend\w*|detailliert\w*|"
        r"approfondie?s?|détaillée?s?|exhaustif)\b",
        "analysis": r"\b(analy[sz]e|analysis|evaluate|assess|critique|compare and contrast|"
        r"strategy|strategic|forecast|model(l)?ing|regulatory|legal|clinical|"
        r"pathophysiology|macroeconomic|valuation|hypothes[ie]s|interpret|literature|"
        r"risks?|portfolio|clause|jurisdiction|liabilit\w*|pharmaco\w*|differential|"
        r"under (\w+ )?law|evidence|trial data|mechanism of action|"
        # German
        r"analysiere\w*|analysen|bewerte|bewerten|bewertung|beurteile|beurteilen|"
        r"vergleiche|vergleichen|strategie|strategien|strategisch\w*|prognose|prognosen|"
        r"regulatorisch\w*|"
        r"rechtlich\w*|klinisch\w*|pathophysiologie|makroökonomisch\w*|hypothese|hypothesen|"
        r"interpretiere\w*|literatur|risiko|risiken|klausel\w*|haftung|"
        r"nach (\w+ )?recht|studienlage|wirkmechanismus|"
        # French
        r"analyser|analysez|évalue[rz]?|critiquer|critiquez|comparer|comparez|"
        r"stratégi\w*|prévision\w*|modélisation|réglementaire\w*|juridique\w*|"
        r"clinique\w*|physiopathologie|macroéconomi\w*|hypothèses?|interpréte[rz]?|"
        r"interprète|risques?|portefeuille|responsabilité|jurisprudence|"
        r"en droit|mécanisme d'action)\b",
        "plan_constraints": r"\b(constraints?|must (also|not)|requirements?|budget of|"
        r"at most|at least|subject to|optimi[sz]e for|"
        # German
        r"einschränkung\w*|randbedingung\w*|nebenbedingung\w*|anforderung\w*|"
        r"muss (auch|nicht)|darf nicht|höchstens|mindestens|budget von|"
        r"optimiere für|"
        # French
        r"contraintes?|exigences?|doit (aussi|également|pas)|ne doit pas|au plus|"
        r"au moins|au maximum|au minimum|budget de|sous réserve|optimise[rz]? pour)\b",
        "simple_ask": r"^\s*(what|who|when|where|which) (is|was|are|were|did)\b|"
        r"\b(capital of|define|definition of|spell|how many days|what time|synonym|antonym)\b|"
        # German
        r"^\s*(was|wer|wann|wo|welche[rs]?) (ist|war|sind|waren|hat)\b|^\s*wann\b|"
        r"\b(hauptstadt von|definiere|definition von|wie schreibt man|wie spät|"
        r"gegenteil von)\b|"
        # French
        r"^\s*(qu'est-ce que|qu'est-ce qu'|quel(le)?s? (est|sont|était)|"
        r"qui (est|était|a)|où (est|se trouve)|quand)\b|"
        r"\b(capitale de|capitale du|définis|définition de|comment s'écrit|"
        r"quelle heure|synonyme|antonyme)\b",
        "chitchat": r"^\s*(hi|hello|hey|thanks|thank you|good (morning|night|evening)|"
        r"how are you|what's up|lol|cool|"
        # German
        r"hallo|servus|moin|danke|vielen dank|guten (morgen|tag|abend)|gute nacht|"
        r"wie geht's|wie geht es dir|"
        # French
        r"bonjour|bonsoir|salut|coucou|merci|bonne nuit|ça va|comment ça va|"
        r"comment vas-tu|comment allez-vous)\b",
        "transform": r"\b(translate|fix (the |my )?(grammar|spelling|typos?)|correct the|"
        r"proofread|rephrase|reword|paraphrase|reformat|format (this|it|as)|convert|"
        r"to (uppercase|lowercase|title case|json|csv|a table|bullet points)|sort|"
        r"alphabeti[sz]e|capitali[sz]e|"
        # German
        r"übersetze|übersetzen|übersetzung|korrigiere|korrigieren|formuliere (\w+ )?um|"
        r"umformulieren|umschreiben|konvertiere|konvertieren|wandle (\w+ )?um|"
        r"in (großbuchstaben|kleinbuchstaben|eine tabelle|stichpunkte)|"
        r"sortiere|sortieren|alphabetisch|rechtschreibung|grammatik|"
        # French
        r"traduis|traduire|traduisez|traduction|corrige|corriger|corrigez|reformule|"
        r"reformuler|reformulez|convertis|convertir|convertissez|"
        r"en (majuscules|minuscules|json|csv|tableau|liste à puces)|trier|triez|"
        r"ordre alphabétique|orthographe|grammaire)\b",
        "extract_classify": r"\b(extract|list (all|the)|classify|categori[sz]e|label|tag|"
        r"is this (positive|negative|spam)|sentiment|which of these|pick one|yes or no|"
        r"label each|one word|nothing else|one per line|positive or negative|which team|"
        r"reply with|only the|just the|"
        # German
        r"extrahiere\w*|liste (alle|die)|klassifiziere\w*|kategorisiere\w*|"
        r"ist das (positiv|negativ|spam)|stimmung|welche(r|s)? davon|ja oder nein|"
        r"ein wort|sonst nichts|eine pro zeile|positiv oder negativ|antworte mit|"
        r"nur (das|die|den)|"
        # French
        r"extrais|extraire|extrayez|liste[rz]? (tous|toutes|les)|classifie[rz]?|"
        r"catégorise[rz]?|étiquette\w*|est-ce (positif|négatif|du spam)|"
        r"lequel de ces|laquelle de ces|oui ou non|un seul mot|rien d'autre|"
        r"un par ligne|positif ou négatif|réponds par|uniquement (le|la|les))\b",
        "summarise_short": r"\b(summari[sz]e|tl;?dr|in one sentence|in a sentence|briefly|"
        r"one line|short|"
        # German
        r"fasse (\w+ )?zusammen|zusammenfassung|zusammenfassen|in einem satz|kurz|"
        r"kurze[nmrs]?|"
        # French
        r"résume[rz]?|un résumé|en une phrase|brièvement|en une ligne|bref|brève)\b",
        "simple_math": r"^\s*(what is |was ist |wie viel ist |combien (font|fait) )?"
        r"\d+(\.\d+)?\s*[-+*/x\u00d7]\s*\d+(\.\d+)?\s*\??\s*$|"
        r"\b(\d+\s*(percent|%) of \d+|convert \d+|\d+\s*(prozent|%) von \d+|"
        r"\d+\s*(pour ?cent|%) de \d+|rechne \d+|convertis \d+)",
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
        # [ \t]*, not \s*: with MULTILINE, \s* ran from every line start over every
        # later line break, quadratic in a run of blank lines.
        min(len(re.findall(r"^[ \t]*(?:[-*•]|\d+[.)])\s", text, re.M)), 10) / 10.0
    )
    found["shape:unique_word_ratio"] = len(set(words)) / max(len(words), 1)
    # No bag of words: on held-out prompts it generalised worse than the cues alone
    # (5-fold AUROC on the dev split 0.86 with words, 0.92 without).
    return found
