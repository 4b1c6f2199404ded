"""`dudao findings import WORKBOOK [--by PERSON] [--source 来源]` and `dudao findings template OUT`: findings from a
workbook (the city's feedback list and the like), all rows or none (bot/cli/import_actions.py)."""
from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.options import DbOption, _fail, answer

findings_app = typer.Typer(help="成批登记问题：从工作簿（.xlsx）导入问题，或写出一份空白模板。", no_args_is_help=True)


IMPORT_HELP = ("把工作簿 WORKBOOK 里的每一行登记为一个问题（各校校长随即收到通知）；有一行不对就一条也不导入，"
               "并逐行说明哪一列、为什么。同一个文件只导入一次。")
WORKBOOK_HELP = "工作簿（.xlsx）：必须有“学校”“问题描述”两列，可有“类别”“严重程度”“整改期限”“来源”“发现人”"
BY_HELP = "没写发现人的行，发现人是谁（名册编号、姓名或微信号）"
SOURCE_HELP = "没写来源的行，来源是什么（市级督查、质量监测反馈、投诉……）"


@findings_app.command("import", help=IMPORT_HELP)
def import_(workbook: Path = typer.Argument(..., help=WORKBOOK_HELP),
            by: str | None = typer.Option(None, "--by", help=BY_HELP),
            source: str | None = typer.Option(None, "--source", help=SOURCE_HELP),
            db: str | None = DbOption) -> None:
    from bot.cli.import_actions import import_findings

    answer(db, lambda settings: import_findings(settings, workbook, by, source))


@findings_app.command("template", help="写出问题导入模板 OUT（表头和一行示例）。")
def template(out: Path = typer.Argument(..., help="要写出的文件（或文件夹）")) -> None:
    from bot.cli.desk_actions import CliError
    from bot.cli.import_actions import write_template

    try:
        typer.echo(write_template(out))
    except CliError as err:
        _fail(str(err))
