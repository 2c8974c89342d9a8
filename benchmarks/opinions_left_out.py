"""Both trained opinions together, left out, on the blind rounds: the combination as it would ship.

Each trainer judges its own opinion beside the rules alone; the service runs both (decision 0021: the category
opinion adds categories, then decision 0020's second opinion raises what is still below ``immediate``). This
script reads the two trainers' ``--held-out`` files (every text's decision or probability from a model trained
without its round) and applies them in the service's order to each round's untouched rules decisions:

    .venv/bin/python benchmarks/train_second_opinion.py --held-out /tmp/second.json
    .venv/bin/python benchmarks/train_categories.py --held-out /tmp/categories.json
    .venv/bin/python benchmarks/opinions_left_out.py /tmp/second.json /tmp/categories.json [rounds...]

Rounds are named by their file's stem suffix (``r19``); by default, every round in the files. The benign sets
(each left out in turn, on today's rules) are shown apart: urgencies right and how many the opinions raised.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_categories import Decision, describe  # noqa: E402
from train_second_opinion import BENIGN, Example, read_sources  # noqa: E402

from signalement.triage.taxonomy import URGENCY_RANK  # noqa: E402


def shipped(opinion: Decision, probability: float, threshold: float) -> Decision:
    """The category opinion's decision, then the second opinion's raise, as ``classify`` orders them."""
    if opinion.urgency != "immediate" and probability >= threshold:
        return Decision("immediate", opinion.categories)
    return opinion


def raised(gold: Sequence[Example], before: Sequence[Decision], after: Sequence[Decision]) -> str:
    up = [
        (g, a) for g, b, a in zip(gold, before, after, strict=True) if URGENCY_RANK[a.urgency] < URGENCY_RANK[b.urgency]
    ]
    wrong = sum(URGENCY_RANK[a.urgency] < URGENCY_RANK[g.urgency] for g, a in up)
    return f"{len(up)} raised ({wrong} above their label)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("second", type=Path)
    parser.add_argument("categories", type=Path)
    parser.add_argument("rounds", nargs="*", help="e.g. r19 r20 (default: every round in the files)")
    args = parser.parse_args()
    examples, _ = read_sources()
    second = json.loads(args.second.read_text())
    threshold, probs = second["immediate_threshold"], {int(k): v for k, v in second["probs"].items()}
    categories = {
        int(k): (msgspec.convert(v["rules"], Decision), msgspec.convert(v["opinion"], Decision))
        for k, v in json.loads(args.categories.read_text()).items()
    }
    by_source: dict[str, list[int]] = {}
    for i in sorted(categories):
        by_source.setdefault(examples[i].source, []).append(i)
    wanted = {f"heldout_blind_{r}.jsonl" for r in args.rounds}
    rounds = [s for s in by_source if s not in BENIGN and (not wanted or s in wanted)]
    print(f"second opinion threshold {threshold:.4f}")
    pooled: list[int] = []
    for name in rounds + [b for b in BENIGN if b in by_source]:
        held = by_source[name]
        if name in rounds:
            pooled += held
        gold = [examples[i] for i in held]
        rules = [categories[i][0] for i in held]
        both = [shipped(categories[i][1], probs[i], threshold) for i in held]
        print(f"{name}: rules {describe(gold, rules)}")
        print(f"{' ' * len(name)}  + both {describe(gold, both)}; {raised(gold, rules, both)}")
    gold = [examples[i] for i in pooled]
    rules = [categories[i][0] for i in pooled]
    both = [shipped(categories[i][1], probs[i], threshold) for i in pooled]
    print(f"pooled {len(rounds)} rounds: rules {describe(gold, rules)}")
    print(f"                 + both {describe(gold, both)}; {raised(gold, rules, both)}")


if __name__ == "__main__":
    main()
