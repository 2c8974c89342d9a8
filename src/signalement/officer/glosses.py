"""What the matched words of a triage reason mean, in the officer's language, beside the words themselves.

The triage reasons show the reporter's own words ("ਪਾਸਪੋਰਟ", "giữ hộ chiếu"), which an officer who reads
neither Punjabi nor Vietnamese cannot check. The gloss comes from the rule that matched, not from the
words: every rule file uses the same rule ids ("documents.kept" in all eight languages; stored as
"pa.documents.kept"), so one table of
meanings in the officer catalogue covers every language, and an analyst who adds a word to a rule file
gets it glossed with no change here. A rule with no entry of its own is glossed by its family (the part
before the dot: a category, or "danger"). Nothing here is machine-translated and nothing is stored.
"""

from __future__ import annotations

from types import MappingProxyType

import msgspec

from signalement.i18n import N_, gettext
from signalement.officer.labels import CATEGORY_NAMES
from signalement.triage.rulebook import RULE_LANGUAGES

# The meaning of each rule found in several languages' files, as an officer would say it.
RULE_GLOSSES = MappingProxyType(
    {
        "confinement.chained_or_guarded": N_("chained, guarded or watched"),
        "confinement.locked": N_("locked in"),
        "confinement.not_allowed_to_leave": N_("not allowed to leave"),
        "danger.bleeding": N_("bleeding"),
        "danger.in_danger": N_("in danger"),
        "danger.intruder_now": N_("someone is breaking in now"),
        "danger.medical_emergency": N_("medical emergency"),
        "danger.now": N_("happening now"),
        "danger.self_harm": N_("wants to harm themselves"),
        "danger.self_harm_jump": N_("wants to jump or end their life"),
        "documents.kept": N_("passport or papers held by someone else"),
        "financial_abuse.debt_bondage": N_("working off a debt"),
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
        "psychological_abuse.insults_threats": N_("insulted or threatened"),
        "recruitment_fees.lmia_money": N_("paid for the LMIA or the job offer"),
        "recruitment_fees.paid": N_("paid a recruiter or agent"),
        "reprisal.explicit": N_("punished for complaining"),
        "reprisal.punished": N_("punished or fired"),
        "reprisal.signal_complaint": N_("complained or asked for their rights"),
        "sexual_abuse.ambiguous_signs": N_("unwanted sexual attention"),
        "sexual_abuse.grabbed_from_behind": N_("grabbed from behind"),
        "sexual_abuse.night_and_behind": N_("came at night or from behind"),
        "sexual_abuse.quid_pro_quo": N_("sex asked for in exchange"),
        "sexual_abuse.touching": N_("touched sexually"),
        "status_threats.deport": N_("threatened with deportation or losing status"),
        "wages.late_or_short": N_("pay late or short"),
        "wages.not_paid": N_("not paid"),
        "wages.short_or_deducted": N_("pay cut or deducted"),
    }
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


def gloss(reason: dict[str, object], matches: dict[str, list[str]]) -> GlossedMatch | None:
    """The glossed words of one stored triage reason, or None when the reason matched no words."""
    rule = str(reason.get("rule", ""))
    words = tuple(matches.get(rule, ()))
    if not words:
        return None
    scope = SCOPE_NOTES.get(str(reason.get("scope") or ""))
    return GlossedMatch(words=words, gloss=rule_gloss(rule), note=gettext(scope) if scope else "")
