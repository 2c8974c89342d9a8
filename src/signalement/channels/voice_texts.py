"""Everything the phone line says, as gettext messages in the reporter catalogue, and who says it.

Prompts are spoken by a Twilio ``<Say>`` voice chosen per language (``VOICES``; the choice and
why is in ``docs/twilio.md``). Like the SMS texts they are neutral: someone may be standing next
to the caller, so nothing names the service as a tip line, and nothing the caller said is read back.
Digits (case code, secret) are read one at a time, slowly, in groups.
"""

from __future__ import annotations

import msgspec

from signalement.channels import sms_texts
from signalement.i18n import N_


class Voice(msgspec.Struct, frozen=True):
    """A Twilio ``<Say>`` voice: its ``voice`` and ``language`` attributes."""

    name: str
    language: str


# One Twilio voice per reporter language (Amazon Polly neural where it has the locale, else Google).
# English: Twilio has no en-CA voice (only the retired "alice"); an en-US neural voice reads Canadian prompts.
VOICES: dict[str, Voice] = {
    "en": Voice("Polly.Joanna-Neural", "en-US"),
    "fr": Voice("Polly.Gabrielle-Neural", "fr-CA"),
    "es": Voice("Polly.Mia-Neural", "es-MX"),
    "tl": Voice("Google.fil-PH-Standard-A", "fil-PH"),
    "hi": Voice("Polly.Kajal-Neural", "hi-IN"),
    "pa": Voice("Google.pa-IN-Standard-A", "pa-IN"),
    "vi": Voice("Google.vi-VN-Standard-A", "vi-VN"),
    "zh": Voice("Polly.Zhiyu-Neural", "cmn-CN"),
}

# Translators: each language names ITSELF here, in its own words ("Pour le français, appuyez sur 2.").
LANGUAGE_CHOICE = N_("For English, press %(digit)s.")
MENU = N_("To make a report, press 1. To follow up on a report with your case code, press 2.")
CATEGORY = N_(
    "What happened? Press the numbers of everything that applies, then the pound key. "
    "1, pay. 2, hours or rest. 3, safety or injury. 4, housing. 5, passport or papers taken. "
    "6, violence or threats. 7, sexual harassment. 8, fees to get the job. 9, something else."
)
DANGER = N_("Are you in danger right now? Press 1 for yes, 2 for no, 3 if you are not sure.")
CALL_911 = N_("If you are in danger, hang up and call 9 1 1 now. It is free. To go on with your report, press 1.")
PROVINCE = N_(
    "Which province do you work in? 1, Ontario. 2, Quebec. 3, British Columbia. 4, Alberta. 5, Manitoba. "
    "6, Saskatchewan. 7, Nova Scotia. 8, New Brunswick. 9, Prince Edward Island. 0, another place, or not sure."
)
STATEMENT = N_(
    "After the tone, say in your own words what happened. You can speak for up to 10 minutes. "
    "Press the pound key when you are done. Your report is sent when you finish."
)
NO_STATEMENT = N_("We did not hear anything.")
RECEIPT = N_("Your report was sent. Please write down your case code and your secret. You need both to follow up.")
CODE_IS = N_("Your case code is:")
SECRET_IS = N_("Your secret is:")
ONCE_MORE = N_("Once more.")
HEAR_AGAIN = N_("To hear this again, press 1. Otherwise, you can hang up.")
GOODBYE = N_("Thank you. Goodbye.")
NO_ANSWER = N_("We did not get an answer. Please call again. Goodbye.")
ENTER_CODE = N_("Enter your case code, then press the pound key.")
ENTER_SECRET = N_("Now enter your secret, then press the pound key.")
NOT_OPENED = N_("We could not open a case with this case code and secret. Please try again.")
MESSAGES_WAITING = N_(
    "Messages from an officer are waiting for you: %(count)s. You can read them on the website, or by text "
    "message, with your case code and secret."
)
# Shared with the SMS channel: the same words, already translated, and the same way of translating.
text = sms_texts.text
NOT_UNDERSTOOD = sms_texts.NOT_UNDERSTOOD
TOO_MANY = sms_texts.TOO_MANY
STATUS = sms_texts.STATUS
NO_MESSAGE = sms_texts.FOLLOWUP_NONE


def spoken_digits(digits: str, group: int) -> list[str]:
    """``"897680631"`` as ``["8, 9, 7", "6, 8, 0", "6, 3, 1"]``: one digit at a time, in groups."""
    plain = [d for d in digits if d.isdigit()]
    return [", ".join(plain[i:i + group]) for i in range(0, len(plain), group)]
