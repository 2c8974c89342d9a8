"""Automatic triage of one report: categories, urgency and the reasons for both.

``classify`` is pure and deterministic: the same answers and text always give the
same decision, so an officer's override can be compared with the automatic
decision it replaced, and a rule change can be replayed over past decisions.

The urgency policy follows ``data/triage/taxonomy.md``: a report's urgency is the
highest level any reason gives it. Missing an ``immediate`` report is the worst
error this engine can make, so every ambiguity is resolved upwards:

* a "danger now" answer of yes is ``immediate``; "unsure" is at least ``high``, and
  ``immediate`` when anything else in the report is ``high``;
* an injury (of any stated severity) together with care refused or not given is
  ``immediate`` (the policy's "serious injury without care"; the text rarely says
  how serious);
* words of present danger ("right now", "tonight", "help us now") raise a ``high``
  report to ``immediate``.

Reasons carry the words of the text that matched. Callers seal them with the
report; they must never be logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import msgspec

from signalement.triage.category_opinion import RULE_ID as CATEGORY_RULE
from signalement.triage.category_opinion import default_model as default_category_opinion
from signalement.triage.rulebook import RuleHit, default_rulebook
from signalement.triage.second_opinion import RULE_ID as SECOND_OPINION_RULE
from signalement.triage.second_opinion import default_model as default_second_opinion
from signalement.triage.taxonomy import (
    CATEGORIES,
    URGENCIES,
    URGENCY_RANK,
    VIOLENT_CATEGORIES,
    most_urgent,
    urgency_of,
)

# Reports longer than this are read at the head and the tail only: intake caps
# sizes far below it, and an unbounded text must not let one request pin a core.
MAX_TEXT_CHARS = 100_000
_IMMEDIATE, _HIGH, _STANDARD = (URGENCY_RANK[u] for u in URGENCIES)
_UNSURE = "answer.danger_now_unsure"


class Reason(msgspec.Struct, frozen=True, kw_only=True):
    """One step of the explanation: which answer or rule gave which category or urgency."""

    source: str
    rule: str
    category: str | None = None
    urgency: str | None = None
    matched: tuple[str, ...] = ()
    # Set when a rule fired only weakly: "negated", "hypothetical", "reported" or "ambiguous".
    # Such a reason adds no category and no urgency (see ``policy.needs_human_look``).
    scope: str | None = None
    # For a compositional rule: the concepts whose co-occurrence fired it ("POWER", "INTIMATE"); for
    # the trained second opinion (``model.second_opinion``): its probability ("p=0.93").
    concepts: tuple[str, ...] = ()


class TextReading(msgspec.Struct, frozen=True, kw_only=True):
    """What the rules read in one piece of text, without its words (``matched`` is always empty).

    A channel that seals each of the reporter's texts as it arrives (SMS) keeps this instead of
    the words, so the report is still triaged on everything it said when it is filed.
    """

    reasons: tuple[Reason, ...] = ()
    signals: tuple[str, ...] = ()
    weak_sensitive: bool = False
    # The second opinion's probability for this text alone (``read_text(second_opinion=True)``), so a story
    # sealed text by text is weighed by the model too: the filed report takes its texts' highest.
    model_probability: float | None = None
    # The category opinion's additions for this text alone (code, probability): the filed report adds those
    # the rest of it did not give (``read_text(second_opinion=True)``).
    model_categories: tuple[tuple[str, float], ...] = ()


class TriageInput(msgspec.Struct, frozen=True, kw_only=True):
    """What the reporter told us, from any channel, before sealing."""

    categories: tuple[str, ...] = ()
    danger_now: str = "no"
    channel: str = "web"
    language: str = "en"
    province: str | None = None
    text: str = ""
    text_language: str | None = None
    readings: tuple[TextReading, ...] = ()  # texts already sealed, read one by one (``read_text``)


class TriageDecision(msgspec.Struct, frozen=True, kw_only=True):
    """The automatic decision for one report."""

    categories: tuple[str, ...]
    urgency: str
    reasons: tuple[Reason, ...]
    police_referral: bool


def classify(inp: TriageInput, *, second_opinion: bool = False, category_opinion: bool | None = None) -> TriageDecision:
    """Categories, urgency and reasons for one report. Never raises on hostile text.

    ``channel`` and ``province`` do not change the decision: the same words mean the
    same danger by SMS or on the web, in any province (province drives ``route``).
    ``second_opinion`` (setting ``triage_second_opinion``, on by default; off here): the two trained
    opinions run too. The category opinion (decision 0021) may ADD a category the rules missed, with the
    urgency the policy gives it (reason ``model.category.<code>``); the second opinion (decision 0020) may
    then RAISE the urgency to ``immediate`` (reason ``model.second_opinion``). Neither lowers an urgency nor
    removes a category (``other`` gives way to any real one, as the policy says). ``category_opinion``
    (default: as ``second_opinion``) runs the category opinion alone on or off, to measure each apart.
    """
    danger = inp.danger_now.strip().lower() if isinstance(inp.danger_now, str) else "no"
    reasons = _answer_reasons(inp.categories, danger)
    text = _bounded(inp.text)
    hits, signals, tokens = default_rulebook().match_tokens(text) if text else ((), frozenset(), [])
    if "reassured" in signals:
        # A cry for help ("help me!!!") in a report that calls its pay, hours and boss fair otherwise
        # is alarm over a routine matter (issue 12, fifth pass): the cry alone raises nothing. Any
        # other rule that fires keeps its urgency.
        hits = tuple(hit for hit in hits if hit.rule.signal != "now")
        signals = signals - {"now"}
    rule_reasons, weak_sensitive = _rule_reasons(hits, inp.text_language or inp.language)
    reasons.extend(rule_reasons)
    if isinstance(inp.text, str) and len(inp.text) > MAX_TEXT_CHARS:
        reasons.append(Reason(source="default", rule="default.text_truncated"))
    seen: set[Reason] = set()
    for reading in inp.readings:  # one rule firing the same way in two texts is one reason
        reasons.extend(r for r in reading.reasons if r not in seen)
        seen.update(reading.reasons)
        signals = signals | frozenset(reading.signals)
        weak_sensitive = weak_sensitive or reading.weak_sensitive

    # The unsure answer is weighed last: it raises what the rest of the report says.
    rank = URGENCY_RANK[most_urgent(r.urgency for r in reasons if r.urgency and r.rule != _UNSURE)]
    if rank > _IMMEDIATE and signals & {"injury", "injury_serious"} and "care_refused" in signals:
        rank = _IMMEDIATE
        reasons.append(_policy("policy.injury_without_care", "immediate", category="health_safety"))

    found = {r.category for r in reasons if r.category}
    if found - {"other"}:
        found.discard("other")
    if not found:
        found.add("other")
        reasons.append(Reason(source="default", rule="default.other", category="other"))
    categories = tuple(code for code in CATEGORIES if code in found)

    if rank == _HIGH and "now" in signals:
        rank = _IMMEDIATE
        reasons.append(_policy("policy.danger_words_raise_high", "immediate"))
    if danger == "unsure":
        if rank == _HIGH:
            rank = _IMMEDIATE
            reasons.append(_policy("policy.unsure_danger_raises_high", "immediate"))
        rank = min(rank, _HIGH)
    if rank != _IMMEDIATE and weak_sensitive:
        # A sensitive family (violence, sexual abuse, confinement, self-harm, medical emergency,
        # trafficking, weapons) fired only weakly: denied, hypothetical, reported or one ambiguous
        # word. Keyword rules cannot tell "nobody hit me" from a cautious account: a human looks.
        rank = _HIGH
        reasons.append(_policy(NEEDS_HUMAN_LOOK, "high"))
    if category_opinion is None:
        category_opinion = second_opinion
    read: _OpinionTokens | None = None  # read once for both opinions
    if category_opinion and (text or inp.readings):
        read = _opinion_tokens(text, tokens)
        added = _category_opinion(read, found, inp.readings)
        if added:
            reasons = [r for r in reasons if r.rule != "default.other"]
            found.discard("other")
            found.update(r.category for r in added if r.category)
            categories = tuple(code for code in CATEGORIES if code in found)
            reasons.extend(added)
            rank = min([rank, *(URGENCY_RANK[r.urgency] for r in added if r.urgency)])
    if second_opinion and rank != _IMMEDIATE and (text or inp.readings):
        raised = _second_opinion(read or _opinion_tokens(text, tokens), rank, inp.readings)
        if raised is not None:
            rank = URGENCY_RANK[raised.urgency or "standard"]
            reasons.append(raised)
    if rank == _STANDARD:
        reasons.append(Reason(source="default", rule="default.standard", urgency="standard"))

    trafficking = "trafficking" in signals or {"documents", "financial_abuse"} <= found
    if trafficking and "trafficking" not in signals:
        reasons.append(_policy("policy.trafficking_indicators", None))
    return TriageDecision(
        categories=categories,
        urgency=URGENCIES[rank],
        reasons=tuple(reasons),
        police_referral=rank == _IMMEDIATE or bool(found & VIOLENT_CATEGORIES) or trafficking,
    )


def read_text(
    text: str, language: str, *, second_opinion: bool = False, category_opinion: bool | None = None
) -> tuple[TextReading, dict[str, list[str]]]:
    """Read one text with the rules: what ``classify`` needs from it later (no words), and the words
    each rule matched (for the caller to seal with the text). With ``second_opinion``, the model's
    probability for the text is kept too, and the words that weighed most are sealed with the matches."""
    bounded = _bounded(text)
    book = default_rulebook()
    hits, signals, tokens = book.match_tokens(bounded) if bounded else ((), frozenset(), [])
    reasons, weak_sensitive = _rule_reasons(hits, language)
    if len(text) > MAX_TEXT_CHARS:
        reasons.append(Reason(source="default", rule="default.text_truncated"))
    matches = {r.rule: list(r.matched) for r in reasons if r.matched}
    probability: float | None = None
    added: tuple[tuple[str, float], ...] = ()
    if category_opinion is None:
        category_opinion = second_opinion
    read = _opinion_tokens(bounded, tokens) if second_opinion or category_opinion else None
    if read and second_opinion:
        model = default_second_opinion()
        probability = model.probability(read.words, distinct=read.distinct)
        if probability >= model.immediate_threshold:
            matches[SECOND_OPINION_RULE] = list(model.strongest(read.words))
    if read and category_opinion:
        given = {r.category for r in reasons if r.category and r.scope is None}
        above = default_category_opinion().above(read.words, skip=given, distinct=read.distinct)
        added = tuple((code, p) for code, p, _ in above)
        for code, _, strongest in above:
            matches[f"{CATEGORY_RULE}.{code}"] = list(strongest)
    words_out = tuple(msgspec.structs.replace(r, matched=()) for r in reasons)
    reading = TextReading(reasons=words_out, signals=tuple(sorted(signals)), weak_sensitive=weak_sensitive,
                          model_probability=probability, model_categories=added)
    return reading, matches


class _OpinionTokens(NamedTuple):
    """A text's tokens as both opinions read them, and their distinct set: built once for the two."""

    words: list[str]
    distinct: set[str]


def _opinion_tokens(text: str, tokens: list[str]) -> _OpinionTokens | None:
    """The tokens both opinions were trained on (the engine's, unless its Chinese lexicon changed); None
    without text."""
    if not text:
        return None
    words = default_second_opinion().tokens(text, tokens, default_rulebook().segmenter.lexicon)
    return _OpinionTokens(words, set(words))


def _category_opinion(
    read: _OpinionTokens | None, found: set[str], readings: Sequence[TextReading] = ()
) -> list[Reason]:
    """A reason for each category the category opinion reads above its threshold that the report does not
    have yet: in its text (``read``), or in a text of it read one by one (SMS), whose probability it keeps."""
    opinion = default_category_opinion()
    best: dict[str, float] = {}
    for reading in readings:
        for code, p in reading.model_categories:
            if code not in found and p > best.get(code, -1.0):
                best[code] = p
    from_text: dict[str, tuple[float, tuple[str, ...]]] = {}
    if read:
        above = opinion.above(read.words, skip=found, distinct=read.distinct)
        from_text = {code: (p, words) for code, p, words in above}
    for code, (p, _) in from_text.items():
        best[code] = max(p, best.get(code, -1.0))
    reasons = []
    for code in CATEGORIES:
        if code in best:
            level = urgency_of(code)
            # Words only where the text itself read highest: a text read one by one sealed its own.
            p_text, text_words = from_text.get(code, (-1.0, ()))
            words = text_words if p_text == best[code] else ()
            reasons.append(Reason(
                source="model",
                rule=f"{CATEGORY_RULE}.{code}",
                category=code,
                urgency=None if level == "standard" else level,
                matched=words,
                concepts=(f"p={best[code]:.2f}",),
            ))
    return reasons


def _second_opinion(
    read: _OpinionTokens | None, rank: int, readings: Sequence[TextReading] = ()
) -> Reason | None:
    """The model's raise over the rules' urgency ``rank``, or None: ``immediate`` above its threshold,
    ``high`` above the lower one (if the model has one) when the rules said ``standard``. The report's
    probability is the highest of its text's and of its texts already read one by one (SMS): each text
    is weighed alone, as each was written."""
    model = default_second_opinion()
    words: list[str] = []
    p = max((r.model_probability for r in readings if r.model_probability is not None), default=0.0)
    if read:
        words = read.words
        p_text = model.probability(words, distinct=read.distinct)
        if p_text < p:
            words = []  # a text read one by one weighed most: its words are sealed with it, not here
        p = max(p, p_text)
    if p >= model.immediate_threshold:
        level = "immediate"
    elif rank == _STANDARD and model.high_threshold is not None and p >= model.high_threshold:
        level = "high"
    else:
        return None
    # The probability is not the reporter's words: it goes in ``concepts``, kept with the stored
    # reason; the words that weighed most go in ``matched``, sealed with the report like any match.
    return Reason(
        source="model",
        rule=SECOND_OPINION_RULE,
        urgency=level,
        matched=model.strongest(words) if words else (),
        concepts=(f"p={p:.2f}",),
    )


def rules_fingerprint() -> str:
    """Which rule files ``classify`` uses: store it beside each automatic decision."""
    return default_rulebook().fingerprint


def _bounded(text: object) -> str:
    if not isinstance(text, str):
        return ""
    if len(text) <= MAX_TEXT_CHARS:
        return text
    half = MAX_TEXT_CHARS // 2
    return f"{text[:half]}\n{text[-half:]}"


def _answer_reasons(ticked: Iterable[str], danger: str) -> list[Reason]:
    reasons: list[Reason] = []
    if danger == "yes":
        reasons.append(Reason(source="answer", rule="answer.danger_now", urgency="immediate"))
    elif danger == "unsure":
        reasons.append(Reason(source="answer", rule=_UNSURE, urgency="high"))
    chosen = {code for code in ticked if isinstance(code, str)} if ticked else set()
    for code in CATEGORIES if chosen else ():
        if code in chosen:
            level = urgency_of(code)
            reasons.append(
                Reason(
                    source="answer",
                    rule="answer.category",
                    category=code,
                    urgency=None if level == "standard" else level,
                )
            )
    return reasons


def _rule_reasons(hits: Sequence[RuleHit], language: str) -> tuple[list[Reason], bool]:
    """One reason per rule that fired, the text's own language first; and whether a rule of a
    sensitive family (one whose reason would be ``immediate``) fired only weakly."""
    # Rule order kept within each group (a stable partition, no key function called per hit).
    ordered = [hit for hit in hits if hit.rule.language == language]
    ordered += [hit for hit in hits if hit.rule.language != language]
    reasons: list[Reason] = []
    weak_sensitive = False
    for hit in ordered:
        rule = hit.rule
        key = (rule.category, rule.urgency)
        if key in _RULE_LEVELS:
            level = _RULE_LEVELS[key]
        else:
            level = _RULE_LEVELS[key] = _rule_level(*key)
        if hit.scope is not None:
            # Reported news ("I read that workers were locked…") is not the reporter's account: it
            # asks for no human look by itself (issue 12: the net is for negation, hypotheses and
            # ambiguous words).
            weak_sensitive = weak_sensitive or (level == "immediate" and hit.scope != "reported")
            reasons.append(
                Reason(source="rule", rule=rule.rule_id, matched=hit.matched, scope=hit.scope, concepts=rule.concepts)
            )
            continue
        reasons.append(
            Reason(
                source="rule",
                rule=rule.rule_id,
                category=rule.category,
                urgency=level,
                matched=hit.matched,
                concepts=rule.concepts,
            )
        )
    return reasons, weak_sensitive


NEEDS_HUMAN_LOOK = "policy.needs_human_look"


# The urgency a rule's reason carries, per (category, urgency) of the rule: a handful of pairs.
_RULE_LEVELS: dict[tuple[str | None, str | None], str | None] = {}


def _rule_level(category: str | None, urgency: str | None) -> str | None:
    levels = [urgency] if urgency else []
    if category:
        levels.append(urgency_of(category))
    level = most_urgent(levels)
    return None if level == "standard" else level


def _policy(rule: str, urgency: str | None, category: str | None = None) -> Reason:
    return Reason(source="rule", rule=rule, category=category, urgency=urgency)
