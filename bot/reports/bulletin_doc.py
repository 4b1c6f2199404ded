"""The monthly 通报 as a Word document: the values of bulletin_values (bot/reports/bulletin.py, with the
document's longer lists) rendered into a .docx template with docxtpl.

The template shipped is bot/data/bulletin-template.docx (built by tools/make_bulletin_template.py); an office
that restyles or rewords it in Word points BULLETIN_TEMPLATE at its copy. A template that cannot be used
(missing, not a .docx, a placeholder written wrong) raises TemplateUnusable with the reason, never a trace.
"""
from __future__ import annotations

import logging
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, cast

from jinja2 import TemplateError

from bot.domain.roster import Roster
from bot.reports.bulletin import DOCUMENT, bulletin_values
from bot.storage.session import Session
from bot.text import xml_text

log = logging.getLogger("dudao.reports")
DEFAULT_TEMPLATE = Path(str(resources.files("bot") / "data" / "bulletin-template.docx"))


class TemplateUnusable(Exception):
    """The 通报 template could not be used: `path`, and `why` — missing / not_docx / placeholder (with `detail`)."""

    def __init__(self, path: Path, why: str, detail: str = "") -> None:
        super().__init__(f"{path}: {why} {detail}".strip())
        self.path, self.why, self.detail = path, why, detail

    def values(self) -> dict:
        """Plain values for templates/digests/bulletin_template_bad.j2."""
        return dict(name=self.path.name, path=str(self.path), why=self.why, detail=self.detail[:120])


def date_cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


async def bulletin_doc_values(session: Session, roster: Roster, now: datetime,
                              month_start: date | None = None) -> dict:
    """bulletin_values with the document's lists, plus the dates the document writes out."""
    values = await bulletin_values(session, roster, now, month_start, DOCUMENT)
    day: date = values["as_of"]  # the month's last day, or today for the month under way: the same document later
    late = [dict(f, reported_text=date_cn(f["reported"])) for f in values["verify_late"]]
    return dict(values, as_of=date_cn(day), issue_date=date_cn(day), issue_year=day.year, verify_late=late,
                category_total=sum(c["count"] for c in values["categories"]) or 1,
                number=draft_number(day.year), draft_mark=DRAFT_MARK, correction=None)


DRAFT_MARK = "草稿"  # in the page header of a draft (never of an issued 通报: bot.reports.issued)


def draft_number(year: int) -> str:
    """The 文号 line of a draft: the year, and a blank where the number is written when it is issued."""
    return f"〔{year}〕　　号"


def write_bulletin_doc(values: dict, target: Path | BinaryIO, template: Path | None = None,
                       extra: Callable[[Any], dict] | None = None) -> None:
    """Render the 通报 into `target` (a path or a binary file) from `template` (default: the shipped one). `extra`:
    more values made with the loaded template (pictures: docxtpl's InlineImage needs it), not passed through
    xml_values. Any of the project's Word documents is rendered here, with the same refusals."""
    from docxtpl import DocxTemplate  # imported here: only the documents need it

    path = Path(template) if template else DEFAULT_TEMPLATE
    if not path.is_file():
        raise TemplateUnusable(path, "missing")
    if not zipfile.is_zipfile(path):
        raise TemplateUnusable(path, "not_docx")
    try:
        doc = DocxTemplate(str(path))
        text = cast(dict, xml_values(values))  # a dict in, a dict out
        # autoescape: a description with < or & stays text
        doc.render({**text, **(extra(doc) if extra else {})}, autoescape=True)
        doc.save(target)
    except TemplateError as err:
        raise TemplateUnusable(path, "placeholder", str(err.message or err)) from err
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile) as err:  # a zip that is no Word document, bad XML
        log.warning("the 通报 template %s cannot be used: %r", path, err)
        raise TemplateUnusable(path, "not_docx") from err


def xml_values(value: object) -> object:
    """The values with bot.text.xml_text applied to every text: the characters XML cannot hold (controls, U+FFFE/FFFF)
    and the invisible ones (a bidirectional override in a description, a zero-width space) taken out."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {k: xml_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [xml_values(v) for v in value]
    return value
