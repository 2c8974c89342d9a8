"""A clock for staff sessions that tests move by hand (``staff.sessions.clock``), so nothing sleeps."""

from __future__ import annotations


class Clock:
    """The sessions' clock, moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
