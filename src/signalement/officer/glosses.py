"""What the matched words of a triage reason mean, in the officer's language, beside the words themselves.

The triage reasons show the reporter's own words ("ਪਾਸਪੋਰਟ", "giữ hộ chiếu"), which an officer who reads
neither Punjabi nor Vietnamese cannot check. The gloss comes from the rule that matched, not from the
words: every rule file uses the same rule ids ("documents.kept" in all eight languages; stored as
"pa.documents.kept"), so one table of meanings in the officer catalogue covers every language, and an
analyst who adds a word to a rule file gets it glossed with no change here. A rule with no entry of its
own is glossed by its family (the part before the dot: a category, or "danger"). The words themselves are
quoted as the reporter typed them (``surface_words``), not in the folded form the matcher reads. Nothing
here is machine-translated and nothing is stored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from types import MappingProxyType

import msgspec

from signalement.i18n import N_, gettext
from signalement.officer.labels import CATEGORY_NAMES
from signalement.triage.category_opinion import RULE_ID as CATEGORY_OPINION_RULE
from signalement.triage.normalize import fold_surface, tokenize
from signalement.triage.rulebook import RULE_LANGUAGES, default_rulebook
from signalement.triage.second_opinion import RULE_ID as SECOND_OPINION_RULE

# The meaning of each rule found in several languages' files, as an officer would say it.
RULE_GLOSSES = MappingProxyType(
    {
        "confinement.chained_or_guarded": N_("chained, guarded or watched"),
        "confinement.hidden_or_brought_back": N_("hidden from visitors, brought back or kept from talking to anyone"),
        "confinement.locked": N_("locked in"),
        "confinement.not_allowed_to_leave": N_("not allowed to leave"),
        "danger.bleeding": N_("bleeding"),
        "danger.in_danger": N_("in danger"),
        "danger.intruder_now": N_("someone is breaking in now"),
        "danger.medical_emergency": N_("medical emergency"),
        "danger.now": N_("happening now"),
        "danger.self_harm": N_("wants to harm themselves"),
        "danger.self_harm_jump": N_("wants to jump or end their life"),
        "danger.self_harm_passive": N_("hints that others would be better off without them"),
        "documents.kept": N_("passport or papers held by someone else"),
        "policy.reassured": N_("says the pay, the hours or the boss are fair"),
        "financial_abuse.debt_bondage": N_("working off a debt"),
        "financial_abuse.debt_bondage_until_paid": N_("papers held until a fee or debt is paid"),
        "financial_abuse.debt_fraud": N_("debt taken out in the worker's name"),
        "financial_abuse.trafficking": N_("sold, bought or trafficked"),
        "health_safety.care_refused": N_("refused a doctor or care"),
        "health_safety.collapse_signs": N_("fainted or collapsed"),
        "health_safety.head_injury_signs": N_("head injury signs"),
        "health_safety.injured_kept_working": N_("injured and made to keep working"),
        "health_safety.injury": N_("injured"),
        "health_safety.no_protection": N_("no protective equipment"),
        "health_safety.pain_or_illness": N_("pain or illness"),
        "health_safety.serious_injury": N_("serious injury"),
        "hours_rest.long_hours": N_("very long hours"),
        "hours_rest.no_rest": N_("no rest or day off"),
        "housing.crowded": N_("overcrowded housing"),
        "housing.sleeping_place": N_("where they sleep"),
        "housing.unsanitary": N_("dirty or unsafe housing"),
        "job_mismatch.different_job": N_("a different job than promised"),
        "other.question": N_("a question"),
        "physical_abuse.agent_on_body": N_("hit or hurt by someone"),
        "physical_abuse.violence": N_("hit or beaten"),
        "physical_abuse.weapon": N_("a weapon"),
        "psychological_abuse.death_threat": N_("threatened with death"),
        "psychological_abuse.weapon_threat": N_("threatened with a weapon"),
        "psychological_abuse.insults_threats": N_("insulted or threatened"),
        "recruitment_fees.lmia_money": N_("paid for the LMIA or the job offer"),
        "recruitment_fees.paid": N_("paid a recruiter or agent"),
        "reprisal.explicit": N_("punished for complaining"),
        "reprisal.punished": N_("punished or fired"),
        "reprisal.signal_complaint": N_("complained or asked for their rights"),
        "sexual_abuse.ambiguous_signs": N_("unwanted sexual attention"),
        "sexual_abuse.grabbed_from_behind": N_("grabbed from behind"),
        "sexual_abuse.night_and_behind": N_("came at night or from behind"),
        "sexual_abuse.pressed_or_taken": N_("pinned or pressed against, or taken to his place"),
        "sexual_abuse.quid_pro_quo": N_("sex asked for in exchange"),
        "sexual_abuse.touching": N_("touched sexually"),
        "status_threats.deport": N_("threatened with deportation or losing status"),
        "wages.late_or_short": N_("pay late or short"),
        "wages.not_paid": N_("not paid"),
        "wages.short_or_deducted": N_("pay cut or deducted"),
    }
)
# The trained second opinion (decision 0020) is no rule: its words are the ones that weighed most.
SECOND_OPINION_GLOSS = N_("the words a trained model weighed most towards danger now (probability %(probability)s)")
CATEGORY_OPINION_GLOSS = N_(
    "the words a trained model weighed most towards the category %(category)s, which the rules did not give "
    "(probability %(probability)s)"
)
FAMILY_GLOSSES = MappingProxyType({**CATEGORY_NAMES, "danger": N_("danger now")})
# How the rule's reading was weakened (scoring.Reason.scope), said beside the gloss.
SCOPE_NOTES = MappingProxyType(
    {
        "negated": N_("said as not happening"),
        "hypothetical": N_("said as a possibility"),
        "reported": N_("reported about others"),
        "ambiguous": N_("ambiguous"),
    }
)


class GlossedMatch(msgspec.Struct, frozen=True, kw_only=True):
    """The words one rule matched, in the reporter's script, and what the rule means in the officer's."""

    words: tuple[str, ...]
    gloss: str
    note: str = ""


def rule_gloss(rule_id: str) -> str:
    """The meaning of a stored rule id ("pa.documents.kept": its file's language, then the rule's own id)
    in the active (officer) language; "" for a reason that is not a keyword rule ("policy.…")."""
    language, _, own_id = rule_id.partition(".")
    if language not in RULE_LANGUAGES:
        return ""
    msgid = RULE_GLOSSES.get(own_id) or FAMILY_GLOSSES.get(own_id.partition(".")[0])
    return gettext(msgid) if msgid else ""


def gloss(reason: dict[str, object], matches: dict[str, list[str]], text: str = "") -> GlossedMatch | None:
    """The glossed words of one stored triage reason, or None when the reason matched no words.

    ``text``: the narrative the words were matched in, to quote them as the reporter typed them."""
    rule = str(reason.get("rule", ""))
    words = tuple(matches.get(rule, ()))
    if not words:
        return None
    if rule == SECOND_OPINION_RULE:
        return GlossedMatch(words=surface_words(text, words), gloss=second_opinion_gloss(reason))
    if rule.startswith(f"{CATEGORY_OPINION_RULE}."):
        return GlossedMatch(words=surface_words(text, words), gloss=category_opinion_gloss(reason))
    scope = SCOPE_NOTES.get(str(reason.get("scope") or ""))
    return GlossedMatch(words=surface_words(text, words), gloss=rule_gloss(rule), note=gettext(scope) if scope else "")


def _probability(reason: dict[str, object]) -> str:
    """A model reason's probability, as stored in its ``concepts`` ("p=0.93"), or "?"."""
    concepts = reason.get("concepts")
    shown = "?"
    for concept in concepts if isinstance(concepts, list | tuple) else ():
        if str(concept).startswith("p="):
            shown = str(concept)[2:]
    return shown


def second_opinion_gloss(reason: dict[str, object]) -> str:
    """What the trained second opinion's reason means, with its probability ("p=0.93" in ``concepts``)."""
    return gettext(SECOND_OPINION_GLOSS) % {"probability": _probability(reason)}


def category_opinion_gloss(reason: dict[str, object]) -> str:
    """What the category opinion's reason means: the category it added, in the officer's language, and its
    probability."""
    code = str(reason.get("category") or "")
    name = CATEGORY_NAMES.get(code)
    return gettext(CATEGORY_OPINION_GLOSS) % {
        "category": gettext(name) if name else code,
        "probability": _probability(reason),
    }


def surface_words(text: str, phrases: Sequence[str]) -> tuple[str, ...]:
    """Each matched phrase as the reporter typed it, found in ``text``: triage quotes words folded
    ("giu ho chieu", "ਪਾਸਪੋਰਟ ਵਿ ਰਖੇ"), which drops the tones, nukta and addak a reader needs
    ("giữ hộ chiếu", "ਪਾਸਪੋਰਟ ਵੀ ਰੱਖੇ"). A phrase not found (a message, a truncated quote) stays as quoted."""
    spans = _token_spans(text) if text else []
    tokens = [token for token, _, _ in spans]
    found: list[str] = []
    for phrase in phrases:
        wanted = phrase.split(" ")
        at = next((i for i in range(len(tokens) - len(wanted) + 1) if tokens[i : i + len(wanted)] == wanted), None)
        surface = _trim(text[spans[at][1] : spans[at + len(wanted) - 1][2]]) if at is not None else ""
        found.append(surface or phrase)
    return tuple(found)


def _token_spans(text: str) -> list[tuple[str, int, int]]:
    """The quoted-form tokens of ``text`` with the offsets of the characters they came from.

    Folding can drop characters (a nukta, an addak), so a token is placed exactly only in a word whose
    folded form keeps its length (Latin, Han, most Vietnamese); otherwise it spans its whole word."""
    segmenter = default_rulebook().segmenter
    spans: list[tuple[str, int, int]] = []
    position = 0
    for word in text.split():
        start = text.index(word, position)
        position = start + len(word)
        folded = fold_surface(word)
        cursor = 0
        for token in tokenize(folded, segmenter):
            at = folded.find(token, cursor) if len(folded) == len(word) else -1
            if at < 0:
                spans.append((token, start, position))
            else:
                cursor = at + len(token)
                spans.append((token, start + at, start + cursor))
    return spans


def _trim(surface: str) -> str:
    """Without the punctuation a whole word can carry at its edges ("chiếu," → "chiếu")."""
    start, end = 0, len(surface)
    while start < end and unicodedata.category(surface[start])[0] in "PZ":
        start += 1
    while end > start and unicodedata.category(surface[end - 1])[0] in "PZ":
        end -= 1
    return surface[start:end]
