"""`dudao export ledger|bulletin|assessment|school-assessment [--month 2024-03] OUT` and `dudao export campaign
[--campaign 双减] [--as-of 2024-03-20] OUT`: the office's files from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

import typer

from bot.cli.options import DbOption, answer
from bot.cli.say import say

export_app = typer.Typer(help="写出督导室的文件：整改台账（.xlsx）、月度通报（.docx）、责任督学考核（.xlsx）、"
                              "学校综合督导考核（.xlsx）、专项督导通报（.docx）。", no_args_is_help=True)

OutArgument = typer.Argument(..., help="the file to write (or a directory: a file of the usual name inside it)")


def _run(kind: str, month: str | None, out: Path, db: str | None, issued: str | None = None,
         place: str | None = None) -> None:
    from bot.cli.export_actions import export

    def progress(total: int):  # noqa: ANN202 — click's progress bar, on stderr so stdout keeps the result line
        return typer.progressbar(length=total, label=say("export_progress"), file=sys.stderr)

    answer(db, lambda settings: export(settings, kind, month, out, progress, issued=issued, place=place))


@export_app.command("ledger")
def ledger(out: Path = OutArgument,
           month: str | None = typer.Option(None, "--month", help="only findings logged in this month (2024-03), "
                                                                   "year or range; default: every finding"),
           place: str | None = typer.Option(None, "--place", help="only these schools or this district, as in "
                                                                   "chat: 第一责任区, 一区, 城口中学、复兴中学"),
           db: str | None = DbOption) -> None:
    """The 整改台账 workbook (as #导出 sends it), rows streamed with a progress bar."""
    _run("ledger", month, out, db, place=place)


@export_app.command("bulletin")
def bulletin(out: Path = OutArgument,
             month: str | None = typer.Option(None, "--month", help="the month (2024-03); default: this month"),
             issued: str | None = typer.Option(None, "--issued", help="the 文号 of a 通报 issued (城督〔2024〕3号): "
                                                                   "its document exactly as stored when issued"),
             db: str | None = DbOption) -> None:
    """The monthly 通报 as a Word document: the draft, from BULLETIN_TEMPLATE or the shipped template — or, with
    --issued, one issued, byte for byte."""
    _run("bulletin", month, out, db, issued)


@export_app.command("campaign")
def campaign(out: Path = OutArgument,
             name: str | None = typer.Option(None, "--campaign", "-c",
                                             help="the campaign: its name, its kind (双减…) or a part of its name; "
                                                  "default: the one under way"),
             as_of: str | None = typer.Option(None, "--as-of",
                                              help="figures as of this day (2024-03-20); default: today"),
             db: str | None = DbOption) -> None:
    """A 专项督导 campaign's 通报 as a Word document, from CAMPAIGN_TEMPLATE or the shipped template."""
    from bot.cli.export_actions import export_campaign

    answer(db, lambda settings: export_campaign(settings, name, as_of, out))


@export_app.command("assessment")
def assessment(out: Path = OutArgument,
               month: str | None = typer.Option(None, "--month", "--period",
                                                help="a month (2024-03), a year (2024), a range (2024-03~2024-06) "
                                                     "or a term named in the county file; default: this month"),
               db: str | None = DbOption) -> None:
    """The 责任督学考核 workbook: visits, findings, verifications on time, 月报 on time, per supervisor."""
    _run("assessment", month, out, db)


@export_app.command("school-assessment")
def school_assessment(out: Path = OutArgument,
                      period: str | None = typer.Option(None, "--period", "--month",
                                                        help="a month (2024-03), a year (2024), a range "
                                                             "(2024-03~2024-06) or a term named in the county file; "
                                                             "default: this month"),
                      db: str | None = DbOption) -> None:
    """The 学校综合督导考核 workbook: each school's indicators, points, score and ranks in its district and the
    county, as of the period's end (weights from the county file's policy.school_assessment)."""
    _run("school-assessment", period, out, db)
