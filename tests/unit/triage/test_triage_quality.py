"""The quality bar: the shared development set, and paraphrases written for these tests.

The development set (``../shared/data/triage/dev.jsonl``) is read where it lives and is
never copied into the repository. The paraphrases below say the same kinds of things in
other words, so a rule that only memorised a dev sentence fails here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from signalement.triage import TriageInput, classify
from signalement.triage.evaluation import LabelledExample, evaluate, read_labelled

REPO = Path(__file__).resolve().parents[3]
DEFAULT_DEV_SET = REPO.parent / "shared" / "data" / "triage" / "dev.jsonl"
DEV_SET = Path(os.environ.get("SIGNALEMENT_TRIAGE_DEV", DEFAULT_DEV_SET))


@pytest.fixture(scope="module")
def dev_report():
    if not DEV_SET.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"development set missing at {DEV_SET}")
        pytest.skip(f"development set not found at {DEV_SET} (set SIGNALEMENT_TRIAGE_DEV)")
    return evaluate(read_labelled(DEV_SET))


def test_no_immediate_report_of_the_dev_set_is_missed(dev_report):
    assert dev_report.immediate_recall == 1.0, dev_report.confusion


def test_dev_set_urgency_accuracy_is_at_least_ninety_percent(dev_report):
    assert dev_report.urgency_accuracy >= 0.90, dev_report.urgency_errors


def test_dev_set_category_micro_f1_is_at_least_085(dev_report):
    assert dev_report.micro_f1 >= 0.85, dev_report.category_errors


# (language, text, categories, urgency), labelled by taxonomy.md.
PARAPHRASES = [
    ("en", "The boss took our passports and will not give them back.", {"documents"}, "high"),
    ("en", "He punched my friend in the stomach yesterday.", {"physical_abuse"}, "immediate"),
    ("en", "Our employer has not paid us overtime for two months.", {"wages"}, "standard"),
    ("en", "They lock the gate at night so nobody can go out.", {"confinement"}, "immediate"),
    ("en", "My supervisor sends me sexual messages and asked me to sleep with him.", {"sexual_abuse"},
     "immediate"),
    ("en", "We live 10 people in a small trailer with mice and no hot water.", {"housing"}, "high"),
    ("en", "The manager screams at us every day and calls us stupid.", {"psychological_abuse"}, "high"),
    ("en", "He said he would cancel my work permit if I talk to anyone.", {"status_threats"}, "high"),
    ("en", "After I complained to the ministry they cut my shifts.", {"reprisal"}, "high"),
    ("en", "I paid an agency $6000 to get this job.", {"recruitment_fees"}, "standard"),
    ("en", "We spray chemicals without gloves or masks.", {"health_safety"}, "high"),
    ("en", "My friend cut his finger badly on the saw and the boss won't take him to the hospital.",
     {"health_safety"}, "immediate"),
    ("en", "I was hired as a farm worker but they sent me to work in a restaurant in another city.",
     {"job_mismatch"}, "standard"),
    ("en", "We work 16 hours a day with no days off.", {"hours_rest"}, "standard"),
    ("en", "I owe the recruiter money and they say I must work for free until the debt is paid.",
     {"financial_abuse", "wages"}, "standard"),
    ("en", "How many vacation days do I have?", {"other"}, "standard"),
    ("fr", "Le patron garde nos passeports dans son bureau.", {"documents"}, "high"),
    ("fr", "On n'a pas été payés depuis deux mois.", {"wages"}, "standard"),
    ("fr", "Il nous enferme dans la roulotte la nuit.", {"confinement"}, "immediate"),
    ("fr", "Le contremaître me touche les fesses et m'envoie des messages sexuels.", {"sexual_abuse"},
     "immediate"),
    ("fr", "Le patron nous crie dessus et nous menace.", {"psychological_abuse"}, "high"),
    ("fr", "Il dit qu'il va nous renvoyer dans notre pays si on se plaint.", {"status_threats"}, "high"),
    ("fr", "Nous dormons à huit dans une petite chambre sans chauffage.", {"housing"}, "high"),
    ("fr", "Je me suis coupé le doigt et le patron refuse de m'amener à l'hôpital.", {"health_safety"},
     "immediate"),
    ("fr", "Je n'ai pas touché mon salaire depuis un mois.", {"wages"}, "standard"),
    ("fr", "On travaille 12 heures par jour, sept jours sur sept.", {"hours_rest"}, "standard"),
    ("es", "No nos pagan desde hace tres semanas.", {"wages"}, "standard"),
    ("es", "El mayordomo me pegó en la cara.", {"physical_abuse"}, "immediate"),
    ("es", "Nos tienen encerrados en la casa y no podemos salir.", {"confinement"}, "immediate"),
    ("es", "El patrón me quitó el pasaporte.", {"documents"}, "high"),
    ("es", "Dice que nos va a deportar si hablamos.", {"status_threats"}, "high"),
    ("es", "Pagué 3000 dólares al reclutador por el trabajo.", {"recruitment_fees"}, "standard"),
    ("es", "Trabajamos 14 horas al día sin descanso.", {"hours_rest"}, "standard"),
    ("es", "El supervisor manosea a las compañeras.", {"sexual_abuse"}, "immediate"),
    ("es", "Mi compañero se cayó de la escalera y se rompió el brazo, el patrón no lo llevó al médico.",
     {"health_safety"}, "immediate"),
    ("es", "Vivimos diez personas en un cuarto, hay chinches y ratas.", {"housing"}, "high"),
    ("tl", "Hindi pa kami binabayaran ng sweldo ng dalawang buwan.", {"wages"}, "standard"),
    ("tl", "Binugbog ng amo ang kasama ko.", {"physical_abuse"}, "immediate"),
    ("tl", "Hindi kami pinapalabas ng bahay ng amo.", {"confinement"}, "immediate"),
    ("tl", "Hawak ng employer ang passport namin.", {"documents"}, "high"),
    ("tl", "Sinisigawan at minumura kami araw-araw.", {"psychological_abuse"}, "high"),
    ("tl", "Sabi ng amo ipapadeport kami kapag nagsumbong kami.", {"status_threats"}, "high"),
    ("tl", "Hinihipuan ng supervisor ang mga babae.", {"sexual_abuse"}, "immediate"),
    ("tl", "Sampu kami sa isang kwarto at walang heater.", {"housing"}, "high"),
    ("hi", "मालिक ने हमें दो महीने से पैसे नहीं दिए।", {"wages"}, "standard"),
    ("hi", "सुपरवाइज़र ने मुझे थप्पड़ मारा।", {"physical_abuse"}, "immediate"),
    ("hi", "मालिक हमें बाहर नहीं जाने देता।", {"confinement"}, "immediate"),
    ("hi", "malik ne mera passport rakh liya hai", {"documents"}, "high"),
    ("hi", "malik roz gaali deta hai", {"psychological_abuse"}, "high"),
    ("hi", "एजेंट को नौकरी के लिए पांच लाख रुपये दिए।", {"recruitment_fees"}, "standard"),
    ("hi", "मशीन में मेरी उंगली कट गई और मालिक अस्पताल नहीं ले गया।", {"health_safety"}, "immediate"),
    ("hi", "paise nahi diye teen mahine se", {"wages"}, "standard"),
    ("pa", "ਮਾਲਕ ਨੇ ਮੈਨੂੰ ਕੁੱਟਿਆ।", {"physical_abuse"}, "immediate"),
    ("pa", "ਮਾਲਕ ਨੇ ਸਾਡੇ ਪਾਸਪੋਰਟ ਰੱਖ ਲਏ ਹਨ।", {"documents"}, "high"),
    ("pa", "ਤਿੰਨ ਮਹੀਨਿਆਂ ਤੋਂ ਤਨਖਾਹ ਨਹੀਂ ਮਿਲੀ।", {"wages"}, "standard"),
    ("pa", "malik paise ni dinda te chutti vi ni dinda", {"wages", "hours_rest"}, "standard"),
    ("pa", "ਸ਼ਿਕਾਇਤ ਕੀਤੀ ਤਾਂ ਇੰਡੀਆ ਵਾਪਸ ਭੇਜ ਦੇਵਾਂਗਾ", {"status_threats"}, "high"),
    ("vi", "Chu khong tra luong cho chung toi 2 thang roi", {"wages"}, "standard"),
    ("vi", "Ông chủ đánh tôi và đe dọa giết cả nhà tôi.", {"physical_abuse", "psychological_abuse"},
     "immediate"),
    ("vi", "Chủ nhốt chúng tôi trong nhà vào ban đêm.", {"confinement"}, "immediate"),
    ("vi", "Công ty giữ hộ chiếu của tôi không trả lại.", {"documents"}, "high"),
    ("vi", "Mười người ở một phòng, không có máy sưởi.", {"housing"}, "high"),
    ("vi", "Toi bi tai nan cat dut ngon tay ma chu khong cho di benh vien", {"health_safety"}, "immediate"),
    ("zh", "老板把我们的护照拿走了，不还给我们。", {"documents"}, "high"),
    ("zh", "老板打了我，还说要杀了我。", {"physical_abuse", "psychological_abuse"}, "immediate"),
    ("zh", "晚上老板把我们锁在宿舍里，不让我们出去。", {"confinement"}, "immediate"),
    ("zh", "三个月没有发工资了。", {"wages"}, "standard"),
    ("zh", "我在工厂受伤了，老板不让我去看医生。", {"health_safety"}, "immediate"),
    ("zh", "来加拿大之前交了三万块中介费。", {"recruitment_fees"}, "standard"),
    ("zh", "每天工作十四个小时，没有休息日。", {"hours_rest"}, "standard"),
    ("zh", "我想打电话问一下我的工作许可。", {"other"}, "standard"),
]


@pytest.fixture(scope="module")
def paraphrase_report():
    examples = [
        LabelledExample(id=f"p{i:02}", lang=lang, text=text, categories=tuple(cats), urgency=urgency)
        for i, (lang, text, cats, urgency) in enumerate(PARAPHRASES)
    ]
    return evaluate(examples)


def test_every_language_has_paraphrases():
    assert {lang for lang, *_ in PARAPHRASES} == {"en", "fr", "es", "tl", "hi", "pa", "vi", "zh"}


def test_no_immediate_paraphrase_is_missed(paraphrase_report):
    assert paraphrase_report.immediate_recall == 1.0, paraphrase_report.urgency_errors


def test_paraphrases_meet_the_same_bar_as_the_dev_set(paraphrase_report):
    assert paraphrase_report.urgency_accuracy >= 0.90, paraphrase_report.urgency_errors
    assert paraphrase_report.micro_f1 >= 0.85, paraphrase_report.category_errors


# Ordinary sentences that share words with the rules of some language: none may be flagged.
HARMLESS = [
    ("en", "I send money home every month and my pay is fine."),
    ("en", "The farm is far from town and we have no car."),
    ("es", "Me toca trabajar los domingos y está bien."),
    ("tl", "Pinatay ko ang ilaw bago matulog."),
    ("tl", "Mabait ang amo namin at maayos ang sahod."),
    ("vi", "Tất cả mọi người đều làm việc chăm chỉ."),
    ("vi", "Buổi sáng chúng tôi đi làm lúc 6 giờ."),
    ("zh", "我每天打工很辛苦，想打电话问问。"),
    ("zh", "我们关系很好，老板很关心我们。"),
    ("fr", "Je suis prêt à travailler plus d'heures."),
    ("hi", "डर के मारे मैंने कुछ नहीं कहा।"),
    ("hi", "मैं हर महीने घर पैसे भेजता हूँ।"),
    ("pa", "ਮੈਂ ਹਰ ਮਹੀਨੇ ਘਰ ਪੈਸੇ ਭੇਜਦਾ ਹਾਂ।"),
]


@pytest.mark.parametrize(("language", "text"), HARMLESS)
def test_ordinary_sentences_are_not_flagged(language, text):
    decision = classify(TriageInput(language=language, text=text))
    assert (decision.categories, decision.urgency) == (("other",), "standard"), decision.reasons
