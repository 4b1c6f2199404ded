"""Render replies from Jinja2 templates: StrictUndefined, no autoescape (chat is plain text).

A user's words are passed in as values and never compiled as a template; every value a template prints passes
bot.text.visible (a bidirectional override or a zero-width space stored before it was removed at the door never
reaches a chat).
"""
from __future__ import annotations

import re
from datetime import tzinfo
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

from bot.resources import templates_dir
from bot.text import visible

_BLANK_RUNS = re.compile(r"\n{3,}")


class Renderer:
    def __init__(self, directory: Path | None = None) -> None:
        self.env = Environment(
            loader=FileSystemLoader(str(directory or templates_dir())),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # templates do not change under a running bot: no stat() of the file per render
            finalize=_shown,
        )
        self.env.filters["local"] = _local_time
        self.env.filters["md"] = _month_day
        self.env.filters["days_later"] = _days_later
        self.env.filters["ahead"] = _ahead

    def render(self, template: str, /, **values: object) -> str:
        text = self.env.get_template(template).render(**values)
        return _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in text.strip().splitlines()))


def _shown(value: object) -> object:
    """What a template prints of `value`: text without invisible characters (bot.text.visible)."""
    return visible(value) if isinstance(value, str) else value


def _local_time(value: object, tz: tzinfo | None = None, fmt: str = "%m月%d日 %H:%M") -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        value = value.astimezone(tz) if tz else value
        return value.strftime(fmt).lstrip("0").replace("月0", "月")
    return str(value)


@pass_context
def _month_day(context: object, value: object) -> str:
    """9月15日 for a date; 2025年1月10日 when its year is not the year of `today` (a value the App passes to every
    reply to a message and every reminder; without it the year is left out, as before)."""
    from datetime import date

    if isinstance(value, date):
        today = context.get("today")  # type: ignore[attr-defined]
        year = f"{value.year}年" if isinstance(today, date) and today.year != value.year else ""
        return f"{year}{value.month}月{value.day}日"
    return str(value)


def _days_later(value: object, days: int) -> object:
    """The date `days` after `value` (a hint's example date, counted from today so that it is never past)."""
    from datetime import date, timedelta

    return value + timedelta(days=days) if isinstance(value, date) else value


@pass_context
def _ahead(context: object, value: object, days: int) -> str:
    """A hint's example date: `days` after today (`today|ahead(7)` → 9月20日), so that the example would be accepted
    if sent now; counted from the real date when a message has no `today` of its own."""
    from datetime import date

    today = value if isinstance(value, date) else date.today()
    return _month_day(context, _days_later(today, days))
