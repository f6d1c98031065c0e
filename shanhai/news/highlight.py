"""Show an article's cleaned text with the facts extracted from it marked, safely.

The marks are kept with the article (offsets into its text), and the page is built here: every
piece of the article is escaped, and the only markup added is ``<p>``, ``<br>`` and ``<mark>``
with classes from fixed lists, so nothing the article says can become markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from shanhai.core.formats import partial_date
from shanhai.news.extract import EVENT_KINDS, Extraction
from shanhai.news.quantities import CATEGORIES

__all__ = ["CATEGORY_LABELS", "EVENT_LABELS", "marks_for", "render"]

CATEGORY_LABELS: dict[str, Promise] = {
    "funds": _("Funds and goods"),
    "talent": _("Cadres and talent"),
    "labor": _("Labor"),
    "consumption": _("Consumption"),
    "industry": _("Industry"),
    "exchange": _("Visits and exchanges"),
    "medical": _("Medical"),
    "education": _("Education"),
    "other": _("Other figures"),
}
EVENT_LABELS: dict[str, Promise] = {
    "visit": _("Visit"),
    "meeting": _("Meeting"),
    "agreement": _("Agreement or plan"),
    "donation": _("Donation"),
    "training": _("Training"),
    "sales_event": _("Sales event"),
    "other": _("Other event"),
}


def marks_for(extraction: Extraction) -> list[dict[str, Any]]:
    """The spans of *extraction*'s text to mark: each event's sentence and its date, each
    quantity. Kept as JSON with the article."""
    marks: list[dict[str, Any]] = []
    text = extraction.text
    for event in extraction.events:
        if not 0 <= event.start < event.end <= len(text):
            continue
        marks.append(
            {
                "start": event.start,
                "end": event.end,
                "type": "event",
                "kind": event.kind,
                "date": event.date.iso(),
                "precision": event.date.precision,
            }
        )
        if event.start <= event.date_start < event.date_end <= event.end:
            marks.append({"start": event.date_start, "end": event.date_end, "type": "date"})
    for quantity in extraction.quantities:
        end = quantity.start + len(quantity.text)
        if 0 <= quantity.start < end <= len(text):
            marks.append(
                {
                    "start": quantity.start,
                    "end": end,
                    "type": "quantity",
                    "category": quantity.category,
                }
            )
    return marks


def _opening(mark: Mapping[str, Any]) -> str:
    kind = mark.get("type")
    if kind == "quantity":
        category = mark.get("category")
        category = category if category in CATEGORIES else "other"
        return f'<mark class="fact q-{category}" title="{escape(CATEGORY_LABELS[category])}">'
    if kind == "event":
        event_kind = mark.get("kind")
        event_kind = event_kind if event_kind in EVENT_KINDS else "other"
        label = f"{EVENT_LABELS[event_kind]} · {_date_label(mark)}"
        return f'<mark class="fact event kind-{event_kind}" title="{escape(label)}">'
    return '<mark class="fact date">'


def _date_label(mark: Mapping[str, Any]) -> str:
    iso = str(mark.get("date", ""))
    parts = [int(part) for part in iso.split("-") if part.isdigit()]
    if not parts:
        return ""
    day = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    return partial_date(day, ("year", "month", "day")[len(parts) - 1])


def _paragraphs(text: str) -> Iterable[tuple[int, int]]:
    start = 0
    for match in re.finditer(r"\n\s*\n", text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _escaped(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def _render_span(text: str, start: int, end: int, marks: Sequence[Mapping[str, Any]]) -> str:
    """Render text[start:end] with *marks* (already clipped to it), nesting them properly."""
    ordered = sorted(marks, key=lambda m: (m["start"], -m["end"]))
    out: list[str] = []
    open_ends: list[int] = []
    position = start

    def close_until(limit: int) -> None:
        nonlocal position
        while open_ends and open_ends[-1] <= limit:
            end_at = open_ends.pop()
            out.append(_escaped(text[position:end_at]))
            out.append("</mark>")
            position = end_at

    for mark in ordered:
        close_until(mark["start"])
        mark_end = min(mark["end"], open_ends[-1]) if open_ends else mark["end"]
        if mark_end <= mark["start"] or mark["start"] < position:
            continue  # overlaps a mark already open without nesting in it: leave it out
        out.append(_escaped(text[position : mark["start"]]))
        out.append(_opening(mark))
        position = mark["start"]
        open_ends.append(mark_end)
    close_until(end)
    out.append(_escaped(text[position:end]))
    return "".join(out)


def render(text: str, marks: Iterable[Mapping[str, Any]]) -> SafeString:
    """The article's *text* as paragraphs of escaped text, with *marks* as ``<mark>``s."""
    valid = [
        m
        for m in marks
        if isinstance(m.get("start"), int)
        and isinstance(m.get("end"), int)
        and 0 <= m["start"] < m["end"] <= len(text)
    ]
    html: list[str] = []
    for start, end in _paragraphs(text):
        inside = [
            {**m, "start": max(m["start"], start), "end": min(m["end"], end)}
            for m in valid
            if m["start"] < end and m["end"] > start
        ]
        body = _render_span(text, start, end, inside)
        if body.strip():
            html.append(f"<p>{body}</p>")
    return mark_safe("\n".join(html))  # noqa: S308 (every piece of the text was escaped above)
