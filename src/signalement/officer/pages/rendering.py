"""Officer pages render with the staff layer's context plus the case vocabulary (``CaseWording``)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from signalement.officer.labels import CaseWording
from signalement.staff import rendering


def render(request: Request, template: str, **context: Any) -> Template:
    return rendering.render(request, template, wording=CaseWording, **context)
