"""The operator's summary of a county load (`dudao county load`, `dudao run` with COUNTY_FILE), in plain Chinese."""
from __future__ import annotations

from pathlib import Path

from bot.county.sync import SyncReport
from bot.county.sync_report import KINDS
from bot.render import Renderer

LIST_LIMIT = 5  # names and school changes shown before "等 N 人" / "另有 N 人": a terminal, not a report


def county_summary(report: SyncReport, path: Path, renderer: Renderer | None = None) -> str:
    return (renderer or Renderer()).render("cli/county_loaded.j2", report=report, file=Path(path).name,
                                           kinds=KINDS, limit=LIST_LIMIT)
