"""Danger coverage parity: every immediate family has rules, and catches indirect phrasings, in
all eight languages; the table in docs/triage.md is the one the rules give.

The probes are the failure classes of issue 12, written for this test (not quoted from any
report): indirect sexual abuse (night visits under the blanket, naked photos and "come to my
room", grabbed at the waist from behind), violence named by a common word (a slap), self-harm
by jumping from a building, confinement without the word "locked" (a chained gate, a guard who
says nobody goes to town), medical emergencies, debt bondage and weapons; then romanised and
unaccented text and the categories that were missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from signalement.triage.coverage import FAMILIES, coverage, coverage_table
from signalement.triage.rulebook import default_rulebook
from signalement.triage.scoring import TriageInput, classify

DOCS = Path(__file__).resolve().parents[3] / "docs" / "triage.md"

PROBES = [
    ("sexual_violence", "en", "at night the supervisor comes to my bed and touches me under the blanket"),
    ("sexual_violence", "en", "the boss sends me naked photos at midnight and calls me to his room"),
    ("sexual_violence", "en", "he grabbed me by the waist from behind while I was cleaning alone"),
    ("sexual_violence", "fr", "la nuit le superviseur vient à mon lit et me touche sous la couverture"),
    ("sexual_violence", "fr", "le patron m'envoie des photos nues à minuit et m'appelle dans sa chambre"),
    ("sexual_violence", "fr", "il m'a attrapée par la taille par derrière quand je nettoyais seule"),
    ("sexual_violence", "es", "en la noche el supervisor viene a mi cama y me toca debajo de la cobija"),
    ("sexual_violence", "es", "el patrón me manda fotos desnudo a medianoche y me llama a su cuarto"),
    ("sexual_violence", "es", "me agarró de la cintura por detrás cuando limpiaba sola"),
    ("sexual_violence", "tl", "tuwing gabi pumupunta ang supervisor sa kama ko at hinahawakan ako sa ilalim ng kumot"),
    (
        "sexual_violence",
        "tl",
        "pinapadalhan ako ng amo ng hubad na litrato tuwing hatinggabi at pinapapunta sa kwarto niya",
    ),
    ("sexual_violence", "tl", "hinawakan niya ako sa bewang mula sa likod habang naglilinis ako mag-isa"),
    ("sexual_violence", "hi", "raat ko supervisor mere bistar pe aata hai aur kambal ke neeche chhoota hai"),
    ("sexual_violence", "hi", "मालिक आधी रात को नंगी फोटो भेजता है और अपने कमरे में बुलाता है"),
    ("sexual_violence", "hi", "jab main akeli safai kar rahi thi usne peeche se kamar pakad li"),
    ("sexual_violence", "pa", "raat nu supervisor mere manje te aunda te kambal de thalle hath launda"),
    ("sexual_violence", "pa", "ਮਾਲਕ ਅੱਧੀ ਰਾਤ ਨੂੰ ਨੰਗੀਆਂ ਫੋਟੋਆਂ ਭੇਜਦਾ ਤੇ ਆਪਣੇ ਕਮਰੇ ਵਿੱਚ ਬੁਲਾਉਂਦਾ"),
    ("sexual_violence", "pa", "ohne pichhon kamar ton fad leya jado main kalli safai kar rahi si"),
    ("sexual_violence", "vi", "ban đêm quản lý đến giường em và sờ em dưới chăn"),
    ("sexual_violence", "vi", "ong chu gui anh khoa than luc nua dem va goi em vao phong ong ay"),
    ("sexual_violence", "vi", "anh ta ôm eo em từ phía sau khi em đang dọn dẹp một mình"),
    ("sexual_violence", "zh", "晚上组长来我床上，在被子下面摸我"),
    ("sexual_violence", "zh", "老板半夜给我发裸照，还叫我去他房间"),
    ("sexual_violence", "zh", "我一个人打扫的时候他从后面抱住我的腰"),
    ("physical_violence", "en", "the manager slapped me in front of everyone"),
    ("physical_violence", "fr", "le chef m'a mis une claque devant tout le monde"),
    ("physical_violence", "fr", "il m'a donné une gifle"),
    ("physical_violence", "es", "el encargado me dio una cachetada"),
    ("physical_violence", "es", "me dio una bofetada"),
    ("physical_violence", "tl", "sinampal ako ng supervisor"),
    ("physical_violence", "hi", "manager ne mujhe thappad maara"),
    ("physical_violence", "hi", "मैनेजर ने मुझे थप्पड़ मारा"),
    ("physical_violence", "pa", "manager ne menu chapair maari"),
    ("physical_violence", "pa", "ਮੈਨੇਜਰ ਨੇ ਮੇਰੇ ਚਪੇੜ ਮਾਰੀ"),
    ("physical_violence", "vi", "quản lý tát em trước mặt mọi người"),
    ("physical_violence", "vi", "quan ly tat em"),
    ("physical_violence", "zh", "组长扇了我一巴掌"),
    ("physical_violence", "zh", "老板打了我一个耳光"),
    ("confinement", "en", "they put a chain on the camp gate at night and the guard says nobody goes to town"),
    (
        "confinement",
        "fr",
        "ils mettent une chaîne sur la barrière du camp la nuit et le gardien dit que personne ne va en ville",
    ),
    (
        "confinement",
        "es",
        "en la noche ponen una cadena en el portón del campo y el guardia dice que nadie va al pueblo",
    ),
    ("confinement", "tl", "kinakadena nila ang gate ng kampo tuwing gabi at sabi ng guard walang pupunta sa bayan"),
    ("confinement", "hi", "raat ko camp ke gate par zanjeer laga dete hain aur guard kehta hai koi shehar nahi jayega"),
    ("confinement", "pa", "raat nu camp de gate nu sangal la dinde ne te guard kehnda koi shehar nahi javega"),
    ("confinement", "vi", "ban đêm họ xích cổng trại lại và bảo vệ nói không ai được ra thị trấn"),
    ("confinement", "zh", "晚上营地的大门用铁链锁上，保安说谁也不准去镇上"),
    ("self_harm", "en", "I want to jump from the building"),
    ("self_harm", "fr", "j'ai envie de sauter du haut de l'immeuble"),
    ("self_harm", "es", "quiero tirarme del edificio"),
    ("self_harm", "tl", "gusto ko nang tumalon sa building"),
    ("self_harm", "hi", "mann karta hai building se kood jaun"),
    ("self_harm", "pa", "dil karda building ton chhal maar dewan"),
    ("self_harm", "vi", "em muốn nhảy lầu cho xong"),
    ("self_harm", "vi", "em muon nhay tu tang thuong xuong"),
    ("self_harm", "zh", "我想从楼上跳下去"),
    ("self_harm", "zh", "真想从楼顶跳下去"),
    ("medical_emergency", "en", "my roommate is not breathing properly and his lips are blue"),
    ("medical_emergency", "fr", "mon collègue ne respire plus, il faut une ambulance"),
    ("medical_emergency", "es", "mi compañero no respira y no despierta"),
    ("medical_emergency", "tl", "hindi na humihinga ang kasama ko"),
    ("medical_emergency", "hi", "mera saathi saans nahi le raha"),
    ("medical_emergency", "pa", "mera saathi saah nahi le reha"),
    ("medical_emergency", "vi", "bạn em không thở được nữa"),
    ("medical_emergency", "zh", "我室友喘不过气来，嘴唇发紫"),
    ("trafficking", "en", "they keep our passports until we pay back the debt for the flight"),
    ("trafficking", "fr", "ils gardent nos passeports tant qu'on n'a pas remboursé la dette"),
    ("trafficking", "es", "nos quitan el pasaporte hasta que paguemos la deuda"),
    ("trafficking", "tl", "hawak nila ang passport namin hangga't hindi namin nababayaran ang utang"),
    ("trafficking", "hi", "jab tak karza nahi chukate passport wapas nahi denge"),
    ("trafficking", "pa", "jadon tak karza nahi lahunde passport wapas nahi dena"),
    ("trafficking", "vi", "họ giữ hộ chiếu cho đến khi trả hết nợ"),
    ("trafficking", "zh", "他们扣着我们的护照，直到还清债务"),
    ("weapon_threats", "en", "he pointed a knife at me and said he would cut me"),
    ("weapon_threats", "fr", "il m'a menacé avec un couteau"),
    ("weapon_threats", "es", "me amenazó con un machete"),
    ("weapon_threats", "tl", "tinutukan ako ng baril ng amo"),
    ("weapon_threats", "hi", "usne chaku dikha ke dhamki di"),
    ("weapon_threats", "pa", "ohne kirpan kadh ke dhamki ditti"),
    ("weapon_threats", "vi", "hắn cầm dao dọa giết em"),
    ("weapon_threats", "zh", "他拿刀威胁我"),
]

FAMILY_FIRED = {
    "sexual_violence": lambda d: "sexual_abuse" in d.categories,
    "physical_violence": lambda d: "physical_abuse" in d.categories,
    "confinement": lambda d: "confinement" in d.categories,
    "self_harm": lambda d: any(".danger.self_harm" in r.rule and not r.scope for r in d.reasons),
    "medical_emergency": lambda d: any(r.rule.endswith(".danger.medical_emergency") and not r.scope for r in d.reasons),
    "trafficking": lambda d: any(
        r.rule.endswith(".financial_abuse.trafficking") or r.rule == "policy.trafficking_indicators" for r in d.reasons
    ),
    "weapon_threats": lambda d: any(
        ("weapon" in r.rule or "death_threat" in r.rule) and not r.scope for r in d.reasons
    ),
}


@pytest.mark.parametrize(("family", "language", "text"), PROBES, ids=lambda v: str(v)[:24])
def test_indirect_danger_is_caught_in_every_language(family, language, text):
    decision = classify(TriageInput(text=text, language=language))
    assert FAMILY_FIRED[family](decision), [(r.rule, r.scope) for r in decision.reasons]
    if family != "trafficking":  # debt bondage is high (documents + financial abuse, police referral)
        assert decision.urgency == "immediate"
    assert decision.police_referral


def test_every_family_is_probed_in_every_language():
    probed = {(family, language) for family, language, _ in PROBES}
    assert probed == {(f, lang) for f in FAMILY_FIRED for lang in default_rulebook().languages}


CATEGORY_PROBES = [
    ("hi", "malik kehta hai shikayat ki to wapas India bhej dunga", "status_threats"),
    ("pa", "malik kehnda je complaint kiti ta India wapas bhej du", "status_threats"),
    ("hi", "complaint karne ke baad mere ghante kam kar diye", "reprisal"),
    ("pa", "shikayat karan ton baad malik ne mere ghante ghata dite", "reprisal"),
    ("pa", "ਮਾਲਕ ਨੇ ਮੇਰਾ ਪਾਸਪੋਰਟ ਰੱਖ ਲਿਆ", "documents"),
    ("pa", "ਸ਼ਿਕਾਇਤ ਕਰਨ ਤੋਂ ਬਾਅਦ ਮੇਰੇ ਘੰਟੇ ਘਟਾ ਦਿੱਤੇ", "reprisal"),
    ("vi", "chu doa se duoi ve nuoc neu em khieu nai", "status_threats"),
    ("vi", "sau khi em khieu nai thi bi cat gio lam", "reprisal"),
    ("en", "they hold my passport until I pay back the 5000 dollar debt", "financial_abuse"),
    ("en", "I paid the recruiter 4000 dollars for this job", "recruitment_fees"),
    ("en", "they take the rent out of my paycheque every week", "wages"),
    ("en", "the contract said cook but they make me clean the barns", "job_mismatch"),
    ("fr", "ils retiennent le loyer sur ma paie", "wages"),
    ("es", "me descuentan la renta del cheque", "wages"),
    ("tl", "kinakaltas ang upa sa sahod ko", "wages"),
    ("hi", "kiraya tankhwah se kaat lete hain", "wages"),
    ("pa", "kiraya tankhah vichon kat lainde", "wages"),
    ("vi", "họ trừ tiền nhà vào lương", "wages"),
    ("zh", "房租直接从工资里扣", "wages"),
    ("es", "el contrato decía empacadora pero me pusieron en el campo", "job_mismatch"),
    ("zh", "合同上写的是厨师，可是让我去洗碗", "job_mismatch"),
    ("vi", "hợp đồng ghi là phụ bếp nhưng bắt em đi rửa bát", "job_mismatch"),
    ("tl", "nagbayad ako ng 200k sa agency para makapunta dito", "recruitment_fees"),
    ("hi", "agent ko 5 lakh diye the naukri ke liye", "recruitment_fees"),
    ("zh", "他们扣着我的护照，说还清债才还给我", "financial_abuse"),
    ("es", "tienen mi pasaporte hasta que pague la deuda del viaje", "financial_abuse"),
]


@pytest.mark.parametrize(("language", "text", "category"), CATEGORY_PROBES, ids=lambda v: str(v)[:24])
def test_romanised_unaccented_and_missing_categories(language, text, category):
    decision = classify(TriageInput(text=text, language=language))
    assert category in decision.categories, [(r.rule, r.scope) for r in decision.reasons]


def test_every_family_has_rules_in_every_language():
    for family, row in coverage().items():
        assert all(row.values()), (family, row)
    assert set(coverage()) == set(FAMILIES)


def test_the_coverage_table_in_the_docs_is_the_one_the_rules_give():
    assert coverage_table() in DOCS.read_text(encoding="utf-8"), (
        "regenerate the table in docs/triage.md: python -c 'from signalement.triage.coverage import "
        "coverage_table; print(coverage_table())'"
    )


def test_the_concept_table_in_the_docs_is_the_one_the_rules_give():
    from signalement.triage.coverage import concept_coverage_table

    assert concept_coverage_table() in DOCS.read_text(encoding="utf-8"), (
        "regenerate the concept table in docs/triage.md: python -c 'from signalement.triage.coverage import "
        "concept_coverage_table; print(concept_coverage_table())'"
    )
