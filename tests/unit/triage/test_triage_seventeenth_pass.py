"""Issue 12, seventeenth pass: families blind rounds 29 and 30 showed, probes and counter-probes written for this file.

1. financial_abuse precision: a debt back home (a loan the family pays, a lender, money borrowed to pay the agent,
   "owe the agent" with nothing collected here) is not fraud or extortion by the employer; "idhar udhar" (here and
   there) holds no "udhar" (a loan). A debt the employer or agent collects here (taken off the cheque, worked off)
   still is.
"""

from __future__ import annotations

import pytest

from support.triage import decide


# ---- 1. a debt back home is not financial abuse ----------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "4 months no proper pay, i still owe the agent 6k for this job, family thinks im rich here"),
        ("en", "I paid the agent 400,000, most of it borrowed from my aunt and a loan shark, they pay me 30 hours"),
        ("hi", "6 hafte se salary nahi aayi, ghar pe loan ki EMI hai, rent dena hai"),
        ("hi", "restaurant wali job hi nahi hai, idhar udhar godown mein kaam karwa rahe hain"),
        ("hi", "4 mahine se salary nahi mili. agent ko 12 lakh diye the karza leke"),
        ("pa", "5 mahine ton poori tankhah ni mili, agent de 18 lakh da karza sir te"),
        ("hi", "karza itna hai aur malik poora paisa deta nahi"),
        ("zh", "三个月没拿到工资了，来之前借钱交的中介费还没还完"),
    ],
)
def test_a_debt_back_home_is_not_financial_abuse(language: str, text: str) -> None:
    _, categories = decide(language, text)
    assert "financial_abuse" not in categories, text


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "i still owe the agent 9000 and they take 300 from my cheque every week for it"),
        ("en", "he say i get my passport back when i pay the other 2000 i owe him for the job"),
        ("hi", "agent ne passport rakh liya hai, kehta hai jab tak 3 lakh ka karza nahi chukaoge tab tak nahi milega"),
        ("pa", "kehnde pehla karza utaro jehda tuhade visa te laga, phir jaana"),
        ("zh", "借了很多钱来加拿大，老板又每月扣我工资还机票钱"),
    ],
)
def test_a_debt_collected_here_is_still_financial_abuse(language: str, text: str) -> None:
    _, categories = decide(language, text)
    assert "financial_abuse" in categories, text
