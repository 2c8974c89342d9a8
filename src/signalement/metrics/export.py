"""The research export: the dashboard's numbers as JSON and CSV, with the same suppression.

JSON is the whole ``aggregates.Report`` (``research/analyze.py`` reads it).
CSV is the same report in long form, one number per line::

    table,group,measure,value
    funnel,step=danger,reached,412
    completion,channel=web;language=pa;variant=,submitted,<10

Suppressed cells stay ``"<k"`` strings in both; nothing is recomputed from
raw counts on the way out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import msgspec

from signalement.metrics.aggregates import Report

EXPORT_VERSION = 1


def to_json(report: Report) -> bytes:
    return msgspec.json.encode({"format": "signalement-research-export", "version": EXPORT_VERSION,
                                "report": report})


def _rows(report: Report) -> Iterator[tuple[str, str, str, object]]:
    data = msgspec.to_builtins(report)
    for table, value in data.items():
        if isinstance(value, list):
            for item in value:
                yield from _item_rows(table, item)
        elif isinstance(value, dict):
            yield from _item_rows(table, value)
        else:
            yield ("summary", "", table, value)


def _item_rows(table: str, item: dict[str, object]) -> Iterator[tuple[str, str, str, object]]:
    keys = {k: v for k, v in item.items() if isinstance(v, str) and k not in ("count",) and not _is_cell(k, v)}
    group = ";".join(f"{k}={v}" for k, v in keys.items())
    for measure, value in item.items():
        if measure in keys or isinstance(value, list | dict):
            continue
        yield (table, group, measure, "" if value is None else value)


def _is_cell(key: str, value: str) -> bool:
    return value.startswith("<") and value[1:].isdigit()


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "group", "measure", "value"])
    for row in _rows(report):
        writer.writerow(row)
    return out.getvalue()
