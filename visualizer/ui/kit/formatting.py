"""Numbers as people read them."""

from __future__ import annotations


def format_duration(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on; rounded to the second, never negative."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
