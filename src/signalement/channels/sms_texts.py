"""Every text the SMS channel sends, as gettext messages in the reporter catalogue.

Texts are short (each is held to a segment budget in every language, ``channels.segments``) and
neutral: someone else may read the phone, so no text names the service as a tip line, and
nothing a reporter wrote is ever repeated back.
"""

from __future__ import annotations

from signalement import i18n
from signalement.i18n import N_

# The worker's texts about photos (it cannot import a channel), held to the same budget as the rest here.
from signalement.mms import PHOTO_TOO_MANY as PHOTO_TOO_MANY
from signalement.mms import PHOTO_UNUSABLE as PHOTO_UNUSABLE

CATEGORY_MENU = N_(
    "What happened? Reply with one or more numbers:\n1 Pay\n2 Hours or rest\n3 Safety or injury\n"
    "4 Housing\n5 Passport or papers taken\n6 Violence or threats\n7 Sexual harassment\n"
    "8 Fees to get the job\n9 Other"
)
DANGER = N_("Are you in danger right now? Reply 1 Yes, 2 No, 3 Not sure")
CALL_911 = N_("If you are in danger, call 911 now. It is free. You can keep writing here after.")
PROVINCE = N_("Which province do you work in? Reply with its 2 letters, like ON, QC or BC. Reply 0 if not sure.")
EMPLOYER = N_("What is the name of the employer or farm? Reply 0 to skip.")
STORY = N_("In your own words, what happened? You can send several messages. Reply 1 when you are done.")
STORY_MORE = N_("Received. Send more, or reply 1 when you are done.")
STORY_EMPTY = N_("Please write what happened first. Then reply 1.")
STORY_FULL = N_("This is as long as a report can be. Reply 1 to continue.")
CONTACT = N_("Can we text this phone when an officer writes to you? Reply 1 Yes or 2 No.")
# Said before the confirmation: how many texts of their own words we have, never what they said (each
# was sealed as it arrived, and this tier cannot read them back).
STORY_COUNT = N_("Messages in your report: %(count)s")
CONFIRM = N_("Reply 1 to send your report now, or 2 to delete it.")
RECEIPT = N_(
    "Sent. Case code: %(code)s Secret: %(secret)s Keep both safe. Text them here, or use them on "
    "the website, to follow up."
)
CANCELLED = N_("Deleted. Nothing was sent.")
STOPPED = N_("You will get no more messages. Your answers were deleted.")
HELP = N_("Free and private. Reply STOP to stop. To follow up, text your case code and secret.")
NOT_UNDERSTOOD = N_("Sorry, we did not understand.")
TOO_LONG = N_("This is too long. Please make it shorter.")
TIMED_OUT = N_("Your earlier answers were deleted after %(minutes)s minutes without a reply.")
NOT_OPENED = N_("We could not open a case with this case code and secret. Check both and try again.")
TOO_MANY = N_("Too many tries. Please wait 15 minutes and try again.")
FOLLOWUP_MENU = N_("Reply 1 to read the latest message from an officer, write to add to your report, or 0 to end.")
FOLLOWUP_WAITING = N_("Messages from an officer: %(count)s")
FOLLOWUP_NONE = N_("No message from an officer yet.")
FOLLOWUP_ADDED = N_("Added to your report.")
PHOTO_LATER = N_("Photos can be added when you write what happened. This one was not kept.")
PHOTO_ONLY = N_("Only photos can be added. Other files were not kept.")
FOLLOWUP_ENDED = N_("Done. To follow up again, text your case code and secret.")
STATUS = {
    "new": N_("We received your report. An officer will read it soon."),
    "triaged": N_("An officer has read your report."),
    "assessing": N_("An officer is looking into your report."),
    "referred": N_("Another office that can help has your report."),
    "inspection": N_("We are checking the workplace."),
    "closed": N_("Your case is closed."),
}

# The language menu is in every language at once, so it is not translated: each language names itself.
LANGUAGE_MENU = "\n".join(f"{i} {lang.native_name}" for i, lang in enumerate(i18n.LANGUAGES, 1)) + "\n1-8?"


def text(language: str, message: str, **params: object) -> str:
    """``message`` in ``language`` (reporter catalogue)."""
    with i18n.using(language, i18n.REPORTER):
        return i18n.gettext(message, **params)

