#!/usr/bin/env python3
"""Turn a research export into a short report: Markdown plus PNG charts.

Usage::

    python research/analyze.py signalement-research.json --out report/

Download the export from the research pages (``/research/``, "Download JSON").
The script writes ``report/report.md`` and one PNG per chart beside it. It
needs only Python 3.11+ and Pillow (``pip install 'signalement[research]'``,
or ``pip install pillow``); it does not need the service or its database.

The export is already suppressed: any count under the threshold ``k`` is the
text ``"<k"`` and rates built on such a count are empty. This script keeps it
that way. It never recomputes a hidden number from others, and it draws a
suppressed count as a grey stub labelled ``<k``, never as a length.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

FORMAT = "signalement-research-export"
BLUE = (11, 79, 156)
GREY = (138, 138, 138)
INK = (27, 27, 27)
WIDTH = 900
ROW = 30
LABEL = 220
VALUE = 110


class ExportError(ValueError):
    """The file is not a Signalement research export this script understands."""


def load(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT or data.get("version") != 1:
        raise ExportError(f"{path} is not a Signalement research export (version 1)")
    return data["report"]


# ---- formatting -----------------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "not shown" if value is None else f"{value * 100:.0f}%"


def num(value: float | None, unit: str = "") -> str:
    return "not shown" if value is None else f"{value:.1f}{unit}"


def cell(value: int | str | None) -> str:
    return "" if value is None else str(value)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


# ---- charts (Pillow only) -------------------------------------------------------------------------


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one bitmap size
        return ImageFont.load_default()


def bar_chart(path: Path, title: str, items: list[tuple[str, float | None, str]], *,
              intervals: list[tuple[float, float] | None] | None = None, scale: float | None = None) -> None:
    """Horizontal bars. ``items`` are (label, value or None when suppressed, text to print)."""
    height = 60 + ROW * max(1, len(items))
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), title, fill=INK, font=_font(18))
    plot = WIDTH - LABEL - VALUE
    top = max((v for _, v, _ in items if v is not None), default=0.0)
    scale = scale or top or 1.0
    for i, (label, value, text) in enumerate(items):
        y = 45 + i * ROW
        draw.text((10, y + 4), label[:28], fill=INK, font=_font(14))
        if value is None:
            draw.rectangle((LABEL, y + 5, LABEL + 6, y + 22), fill=GREY)
        else:
            draw.rectangle((LABEL, y + 5, LABEL + max(1, int(plot * value / scale)), y + 22), fill=BLUE)
        interval = intervals[i] if intervals else None
        if interval is not None:
            lo, hi = (LABEL + int(plot * v / scale) for v in interval)
            draw.line((lo, y + 13, hi, y + 13), fill=INK, width=2)
            draw.line((lo, y + 7, lo, y + 19), fill=INK, width=2)
            draw.line((hi, y + 7, hi, y + 19), fill=INK, width=2)
        draw.text((LABEL + plot + 8, y + 4), text, fill=INK, font=_font(14))
    draw.line((LABEL, 40, LABEL, height - 5), fill=INK, width=1)
    image.save(path, format="PNG")


def line_chart(path: Path, title: str, points: list[tuple[str, float | None]]) -> None:
    height = 320
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), title, fill=INK, font=_font(18))
    left, right, top, bottom = 60, WIDTH - 20, 50, height - 50
    draw.line((left, bottom, right, bottom), fill=INK)
    draw.line((left, top, left, bottom), fill=INK)
    draw.text((10, top - 6), "100%", fill=INK, font=_font(12))
    draw.text((25, bottom - 6), "0%", fill=INK, font=_font(12))
    span = max(1, len(points) - 1)
    xy = []
    for i, (label, share) in enumerate(points):
        x = left + (right - left) * i / span
        draw.text((x - 18, bottom + 8), label[5:], fill=INK, font=_font(11))
        if share is not None:
            y = bottom - (bottom - top) * share
            xy.append((x, y))
            draw.ellipse((x - 4, y - 4, x + 4, y + 4), fill=BLUE)
    if len(xy) > 1:
        draw.line(xy, fill=BLUE, width=2)
    image.save(path, format="PNG")


def _count(value: int | str) -> float | None:
    return float(value) if isinstance(value, int) else None


# ---- the report -----------------------------------------------------------------------------------


def write_report(report: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    k = report["k"]
    md: list[str] = []
    scope = ", ".join(x for x in (report.get("channel"), report.get("language")) if x) or "all channels and languages"
    md.append("# Signalement usability report\n")
    md.append(f"Period {report['since']} to {report['until']} ({scope}). Counts are of visits and reports, never "
              f"people; any count under {k} shows as `<{k}` and rates built on one are not shown.\n")

    overall = report["overall"]
    md.append("## Completion\n")
    interval = (f" (95% Wilson interval {pct(overall['low'])} to {pct(overall['high'])})"
                if overall["low"] is not None else "")
    md.append(f"{cell(overall['started'])} visits started, {cell(overall['submitted'])} reports sent: completion "
              f"rate {pct(overall['rate'])}{interval}.\n")

    funnel = report["funnel"]
    md.append("## Funnel and drop-off\n")
    if funnel:
        bar_chart(out / "funnel.png", "Visits that reached each step",
                  [(r["step"], _count(r["reached"]), cell(r["reached"])) for r in funnel])
        bar_chart(out / "dropoff.png", "Share of visits that stopped at each step",
                  [(r["step"], r["drop_rate"], pct(r["drop_rate"])) for r in funnel], scale=1.0)
        md.append("![Funnel](funnel.png)\n\n![Drop-off](dropoff.png)\n")
        md.append(table(["Step", "Reached", "Completed", "Stopped here", "Drop-off", "Validation errors"],
                        [[r["step"], cell(r["reached"]), cell(r["completed"]), cell(r["dropped"]),
                          pct(r["drop_rate"]), cell(r["errors"])] for r in funnel]) + "\n")
    else:
        md.append("Not enough data yet.\n")

    md.append("## Time to complete\n")
    md.append(table(["Channel", "Reports", "Median (min)", "90th percentile (min)"],
                    [[t["channel"] or "all", cell(t["completed"]), num(t["median_minutes"]), num(t["p90_minutes"])]
                     for t in report["times"]]) + "\n" if report["times"] else "Not enough data yet.\n")

    md.append("## Validation errors by field\n")
    errors = report["errors"][:15]
    md.append(table(["Step", "Field", "Errors"], [[e["step"], e["field"], cell(e["count"])] for e in errors]) + "\n"
              if errors else "No validation errors in this period.\n")

    md.append("## Satisfaction\n")
    weeks = report["satisfaction_weeks"]
    if any(w["share_yes"] is not None for w in weeks):
        line_chart(out / "satisfaction.png", "Share of 'yes' to 'Was this easy to use?', by week",
                   [(w["period"], w["share_yes"]) for w in weeks])
        md.append("![Satisfaction by week](satisfaction.png)\n")
    md.append(table(["Page", "Yes", "No", "Share yes"],
                    [[s["period"] or "all pages", cell(s["yes"]), cell(s["no"]), pct(s["share_yes"])]
                     for s in report["satisfaction"]]) + "\n")

    md.append("## Channels and languages\n")
    digital = report["digital_share"]
    follow = report["followup_cases"]
    md.append(f"Digital share of all reports (web and SMS): {pct(digital['share'])}. Reports the reporter followed "
              f"up: {pct(follow['share'])}. Follow-up sign-ins: {cell(report['followup_visits'])}. Language "
              f"switches inside the form: {cell(report['language_switches'])}.\n")
    mix = [(f"channel {s['key']}", s["share"], pct(s["share"])) for s in report["channel_mix"]]
    mix += [(f"language {s['key']}", s["share"], pct(s["share"])) for s in report["language_mix"]]
    if mix:
        bar_chart(out / "mix.png", "Share of reports by channel and by language", mix, scale=1.0)
        md.append("![Channel and language mix](mix.png)\n")

    md.append("## Experiments\n")
    for e in report["experiments"]:
        md.append(f"### {e['name']}" + (f" (step {e['step']})" if e["step"] else "") + "\n")
        arms = e["arms"]
        name = f"experiment-{e['name']}.png"
        whiskers = [(a["low"], a["high"]) if a["low"] is not None else None for a in arms]
        bar_chart(out / name, f"Completion rate by arm: {e['name']}",
                  [(a["arm"], a["rate"], pct(a["rate"])) for a in arms], intervals=whiskers, scale=1.0)
        md.append(f"![{e['name']}]({name})\n")
        md.append(table(["Arm", "Started", "Sent", "Completion", "95% interval"],
                        [[a["arm"], cell(a["started"]), cell(a["submitted"]), pct(a["rate"]),
                          f"{pct(a['low'])} to {pct(a['high'])}" if a["low"] is not None else "not shown"]
                         for a in arms]) + "\n")
        if e["enough"]:
            md.append(f"Difference (second arm minus first): {e['difference'] * 100:+.1f} points, 95% interval "
                      f"{e['diff_low'] * 100:+.1f} to {e['diff_high'] * 100:+.1f}.\n")
        else:
            md.append(f"**Not enough data yet**: each arm needs at least {e['min_sample']} visits.\n")
    if not report["experiments"]:
        md.append("No experiment in this period.\n")

    md.append("## Case handling\n")
    md.append(table(["Urgency", "Reports", "Triage median (h)", "Triage p90 (h)", "First reply median (h)",
                     "Deadline met", "Deadline missed", "Compliance"],
                    [[w["urgency"] or "all", cell(w["cases"]), num(w["triage_median_hours"]),
                      num(w["triage_p90_hours"]), num(w["reply_median_hours"]), cell(w["sla_met"]),
                      cell(w["sla_breached"]), pct(w["compliance"])] for w in report["casework"]]) + "\n")
    path = out / "report.md"
    path.write_text("\n".join(md), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a Markdown report with PNG charts from a research export.")
    parser.add_argument("export", type=Path, help="the JSON file downloaded from /research/")
    parser.add_argument("--out", type=Path, default=Path("research-report"), help="folder to write into")
    args = parser.parse_args(argv)
    try:
        report = load(args.export)
    except (OSError, ValueError) as exc:
        print(f"analyze: {exc}", file=sys.stderr)
        return 2
    print(write_report(report, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
