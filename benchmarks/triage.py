"""Triage throughput: classifications per second for 2 KB reports, on one core.

Intake classifies every report before sealing it, so ``classify`` must never be
the slow step: the target is at least 2,000 classifications per second on one core.

Each report is 2,048 bytes of UTF-8 built from a bank of synthetic sentences in
the report's language (about a third allegations, the rest ordinary narrative),
shuffled so no two reports are alike. The benchmark prints the rate per language
and overall (languages interleaved), and the ratio to the target. ``--cold``
empties the rule lexicon's token cache before every report, the worst case where
no word of the report has been seen before. The overall rate is printed twice: rules alone, and
with the trained second opinion on (``+ model``, decision 0020), measured alternately.

``--calls N`` prints instead a figure that does not depend on the machine's load: the Python
function calls per classification (cProfile, token cache warm) over N reports per language, the
same reports for the same seed. Run it with ``PYTHONHASHSEED=0`` to compare two revisions.

Run: ``.venv/bin/python benchmarks/triage.py [--seconds 3] [--repeats 5] [--cold] [--cpu N] [--calls N]``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import random
import time
from datetime import UTC, datetime

from signalement.triage.rulebook import default_rulebook
from signalement.triage.scoring import TriageInput, classify

TARGET_PER_SECOND = 2000
REPORT_BYTES = 2048

ALLEGATIONS: dict[str, list[str]] = {
    "en": [
        "The boss took our passports and will not give them back.",
        "He punched my friend in the stomach yesterday.",
        "Our employer has not paid us overtime for two months.",
        "They lock the gate at night so nobody can go out.",
        "We live ten people in a small trailer with mice and no hot water.",
        "After I complained to the ministry they cut my shifts.",
        "I paid an agency six thousand dollars to get this job.",
        "We spray chemicals without gloves or masks.",
    ],
    "fr": [
        "Le patron garde nos passeports dans son bureau.",
        "On n'a pas été payés depuis deux mois.",
        "Il nous enferme dans la roulotte la nuit.",
        "Le patron nous crie dessus et nous menace.",
        "Nous dormons à huit dans une petite chambre sans chauffage.",
        "On travaille 12 heures par jour, sept jours sur sept.",
    ],
    "es": [
        "No nos pagan desde hace tres semanas.",
        "El mayordomo me pegó en la cara.",
        "Nos tienen encerrados en la casa y no podemos salir.",
        "El patrón me quitó el pasaporte.",
        "Trabajamos 14 horas al día sin descanso.",
        "Vivimos diez personas en un cuarto, hay chinches y ratas.",
    ],
    "tl": [
        "Hindi pa kami binabayaran ng sweldo ng dalawang buwan.",
        "Binugbog ng amo ang kasama ko.",
        "Hindi kami pinapalabas ng bahay ng amo.",
        "Hawak ng employer ang passport namin.",
        "Sinisigawan at minumura kami araw-araw.",
        "Sampu kami sa isang kwarto at walang heater.",
    ],
    "hi": [
        "मालिक ने हमें दो महीने से पैसे नहीं दिए।",
        "सुपरवाइज़र ने मुझे थप्पड़ मारा।",
        "मालिक हमें बाहर नहीं जाने देता।",
        "malik ne mera passport rakh liya hai",
        "एजेंट को नौकरी के लिए पांच लाख रुपये दिए।",
        "paise nahi diye teen mahine se",
    ],
    "pa": [
        "ਮਾਲਕ ਨੇ ਮੈਨੂੰ ਕੁੱਟਿਆ।",
        "ਮਾਲਕ ਨੇ ਸਾਡੇ ਪਾਸਪੋਰਟ ਰੱਖ ਲਏ ਹਨ।",
        "ਤਿੰਨ ਮਹੀਨਿਆਂ ਤੋਂ ਤਨਖਾਹ ਨਹੀਂ ਮਿਲੀ।",
        "malik paise ni dinda te chutti vi ni dinda",
        "ਹਫ਼ਤੇ ਵਿੱਚ ਕੋਈ ਛੁੱਟੀ ਨਹੀਂ।",
    ],
    "vi": [
        "Chu khong tra luong cho chung toi 2 thang roi.",
        "Ông chủ đánh tôi và đe dọa giết cả nhà tôi.",
        "Chủ nhốt chúng tôi trong nhà vào ban đêm.",
        "Công ty giữ hộ chiếu của tôi không trả lại.",
        "Mười người ở một phòng, không có máy sưởi.",
    ],
    "zh": [
        "老板把我们的护照拿走了，不还给我们。",
        "晚上老板把我们锁在宿舍里，不让我们出去。",
        "三个月没有发工资了。",
        "我在工厂受伤了，老板不让我去看医生。",
        "每天工作十四个小时，没有休息日。",
    ],
}

NARRATIVE: dict[str, list[str]] = {
    "en": [
        "I came to Canada in March to work on a vegetable farm near the lake.",
        "There are many of us from the same region and we travel together on the bus.",
        "The season starts early and we pick until the first frost.",
        "My family depends on the money I send every month.",
        "I do not know who else to ask about this situation.",
        "The town is far and the store closes early on weekdays.",
    ],
    "fr": [
        "Je suis arrivé au Canada au printemps pour travailler dans une serre.",
        "Nous sommes plusieurs du même village et nous partageons la cuisine.",
        "La saison commence tôt et la récolte dure jusqu'en octobre.",
        "Ma famille compte sur l'argent que j'envoie chaque mois.",
    ],
    "es": [
        "Llegué a Canadá en abril para trabajar en un invernadero.",
        "Somos varios del mismo pueblo y viajamos juntos en el autobús.",
        "La temporada empieza temprano y cosechamos hasta octubre.",
        "Mi familia depende del dinero que mando cada mes.",
    ],
    "tl": [
        "Dumating ako sa Canada noong Marso para magtrabaho sa isang planta.",
        "Marami kaming galing sa parehong probinsya at sabay kaming sumasakay.",
        "Maaga nagsisimula ang trabaho at natatapos kami sa hapon.",
        "Umaasa ang pamilya ko sa perang pinapadala ko buwan-buwan.",
    ],
    "hi": [
        "मैं मार्च में खेत पर काम करने के लिए कनाडा आया था।",
        "हम एक ही गांव के कई लोग हैं और साथ में बस से जाते हैं।",
        "mera parivar har mahine bheje gaye paison par nirbhar hai",
        "सीज़न जल्दी शुरू होता है और अक्टूबर तक चलता है।",
    ],
    "pa": [
        "ਮੈਂ ਮਾਰਚ ਵਿੱਚ ਫਾਰਮ ਤੇ ਕੰਮ ਕਰਨ ਲਈ ਕੈਨੇਡਾ ਆਇਆ ਸੀ।",
        "ਅਸੀਂ ਇੱਕੋ ਪਿੰਡ ਦੇ ਕਈ ਜਣੇ ਹਾਂ ਅਤੇ ਇਕੱਠੇ ਬੱਸ ਵਿੱਚ ਜਾਂਦੇ ਹਾਂ।",
        "mera parivar har mahine bheje paise te nirbhar hai",
        "ਸੀਜ਼ਨ ਜਲਦੀ ਸ਼ੁਰੂ ਹੁੰਦਾ ਹੈ ਅਤੇ ਅਕਤੂਬਰ ਤੱਕ ਚੱਲਦਾ ਹੈ।",
    ],
    "vi": [
        "Tôi sang Canada vào tháng ba để làm việc ở một trang trại rau.",
        "Chúng tôi có nhiều người cùng quê và đi làm chung một xe.",
        "Mùa vụ bắt đầu sớm và kéo dài đến tháng mười.",
        "Gia đình tôi sống nhờ tiền tôi gửi về mỗi tháng.",
    ],
    "zh": [
        "我三月来到加拿大，在湖边的一个蔬菜农场工作。",
        "我们很多人来自同一个地方，每天一起坐车去上班。",
        "季节开始得很早，一直到十月才结束。",
        "我的家人靠我每个月寄回去的钱生活。",
    ],
}


def build_report(language: str, rng: random.Random) -> str:
    """A 2,048-byte report in ``language``: shuffled allegation and narrative sentences."""
    parts: list[str] = []
    size = 0
    while size < REPORT_BYTES:
        bank = ALLEGATIONS[language] if rng.random() < 0.35 else NARRATIVE[language]
        sentence = rng.choice(bank)
        if rng.random() < 0.3:
            sentence = f"{sentence} ({rng.randint(2, 59)})"
        parts.append(sentence)
        size += len(sentence.encode()) + 1
    data = " ".join(parts).encode()[:REPORT_BYTES]
    return data.decode("utf-8", errors="ignore")


def rate(
    inputs: list[TriageInput], seconds: float, cold: bool, repeats: int, second_opinion: bool = False
) -> float:
    """Classifications per CPU-second of this single-threaded process: the best of ``repeats`` runs.

    CPU time rather than wall time, and the best run rather than the mean, as ``timeit``
    does: other work on a shared machine only ever slows a run down, so the fastest run
    is the closest to what the engine costs on a core of its own.
    """
    lexicon = default_rulebook().lexicon
    best = 0.0
    for _ in range(repeats):
        done = 0
        start = time.process_time()
        while True:
            for inp in inputs:
                if cold:
                    lexicon._cache.clear()  # noqa: SLF001 - deliberately defeat the cache
                classify(inp, second_opinion=second_opinion)
            done += len(inputs)
            elapsed = time.process_time() - start
            if elapsed >= seconds / repeats:
                break
        best = max(best, done / elapsed)
    return best


def calls_per_classification(inputs: list[TriageInput]) -> float:
    """Python function calls per ``classify`` of ``inputs``, the token cache warm: deterministic
    for a given revision and hash seed, so it compares two revisions whatever the load."""
    for inp in inputs:  # warm the caches, as a running server has them
        classify(inp)
    profiler = cProfile.Profile()
    profiler.enable()
    for inp in inputs:
        classify(inp)
    profiler.disable()
    stats = pstats.Stats(profiler)
    return stats.total_calls / len(inputs)  # type: ignore[attr-defined]


def pin_to_one_core(cpu: int | None) -> str:
    """The benchmark is single-threaded; ``--cpu N`` also pins it, so a busy core shows up as such."""
    if cpu is None:
        return "one thread, not pinned"
    if not hasattr(os, "sched_setaffinity"):
        return "one thread (this OS cannot pin)"
    os.sched_setaffinity(0, {cpu})
    return f"one thread, pinned to CPU {cpu}"


def cpu_model() -> str:
    """The CPU's model name, for the record printed with the results."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="CPU time per language")
    parser.add_argument("--repeats", type=int, default=5, help="runs per language; the best is kept")
    parser.add_argument("--reports", type=int, default=400, help="distinct reports per language")
    parser.add_argument("--cold", action="store_true", help="empty the token cache before every report")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU (an idle one)")
    parser.add_argument("--calls", type=int, default=0, metavar="N",
                        help="print Python calls per classification over N reports per language, then stop")
    args = parser.parse_args()

    pinned = pin_to_one_core(args.cpu)
    started = time.perf_counter()
    default_rulebook()
    load_ms = (time.perf_counter() - started) * 1000
    rng = random.Random(args.seed)
    reports = {
        lang: [TriageInput(language=lang, text=build_report(lang, rng)) for _ in range(args.reports)]
        for lang in ALLEGATIONS
    }
    if args.calls:
        sample = [inputs[: args.calls] for inputs in reports.values()]
        mixed = [inp for group in zip(*sample, strict=True) for inp in group]
        print(f"{calls_per_classification(mixed):,.1f} Python calls per classification "
              f"({len(mixed)} reports of {REPORT_BYTES} bytes, seed {args.seed}, "
              f"PYTHONHASHSEED={os.environ.get('PYTHONHASHSEED', 'random')})")
        return
    for inputs in reports.values():  # warm up
        for inp in inputs[:50]:
            classify(inp)

    print(f"triage benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"{cpu_model()}, Python {platform.python_version()}, {pinned}")
    print(f"rules loaded and compiled in {load_ms:.0f} ms; reports of {REPORT_BYTES} bytes; "
          f"token cache {'cold' if args.cold else 'warm'}; best of {args.repeats} runs")
    print(f"{'language':<10}{'per CPU-s':>12}{'x target':>10}")
    for lang, inputs in reports.items():
        per_second = rate(inputs, args.seconds, args.cold, args.repeats)
        print(f"{lang:<10}{per_second:>12,.0f}{per_second / TARGET_PER_SECOND:>10.2f}")
    mixed = [inp for group in zip(*reports.values(), strict=True) for inp in group]
    # Rules alone and rules + the trained second opinion (decision 0020), measured alternately, one
    # run each in turn, so both see the same load; the best run of each is kept.
    for inp in mixed[:400]:
        classify(inp, second_opinion=True)  # load the model and warm its token cache
    alone = both = 0.0
    for _ in range(args.repeats):
        alone = max(alone, rate(mixed, args.seconds / args.repeats, args.cold, 1))
        both = max(both, rate(mixed, args.seconds / args.repeats, args.cold, 1, second_opinion=True))
    print(f"{'overall':<10}{alone:>12,.0f}{alone / TARGET_PER_SECOND:>10.2f}")
    print(f"{'+ model':<10}{both:>12,.0f}{both / TARGET_PER_SECOND:>10.2f}"
          f"   (second opinion on: rules {1e6 / alone:,.0f} µs + model {1e6 / both - 1e6 / alone:,.0f} µs a report)")


if __name__ == "__main__":
    main()
