"""What the office's workbooks (整改台账, 考核) share so they can be filed and printed: a merged title and subtitle
above the table, a styled header row, the print setup (landscape, one page wide, header repeated, page numbers),
user text made safe (never a formula: bot.text.cell_text), and the 说明 sheet."""
from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.text import cell_text

TITLE_ROWS = 2  # the title and the subtitle; the header is the row after them
HEADER_ROW = TITLE_ROWS + 1
A3_ABOVE = 14  # columns: more than this print on A3
FOOTER = "第 &P 页，共 &N 页"
DATE, DATETIME = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
WRAP = Alignment(wrap_text=True, vertical="top")
_THIN = Side(style="thin")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")


def text_cell(ws, value: object, **style: object) -> WriteOnlyCell:  # noqa: ANN001 — a write-only worksheet
    """A styled cell; text passes bot.text.cell_text (never a formula) and is kept text."""
    cell = WriteOnlyCell(ws, value=cell_text(value) if isinstance(value, str) else value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def export_stamp(generated: datetime) -> str:
    """导出时间：2026年12月6日 15:30 (`generated`: county time)."""
    return f"导出时间：{generated.year}年{generated.month}月{generated.day}日 {generated:%H:%M}"


def add_title(ws, title: str, subtitle: str, generated: datetime, columns: int) -> None:  # noqa: ANN001
    """Rows 1 and 2: the title (bold, larger) and what the table covers with when it was exported, each merged
    over the table's `columns`. Call before any other row is appended."""
    last = get_column_letter(columns)
    ws.append([text_cell(ws, title, font=Font(bold=True, size=16),
                         alignment=Alignment(horizontal="center", vertical="center"))])
    ws.append([text_cell(ws, f"{subtitle}　　{export_stamp(generated)}", font=Font(size=11),
                         alignment=Alignment(horizontal="center", vertical="center"))])
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")
    ws.row_dimensions[1].height = 30


def header_cells(ws, headers: tuple[str, ...]) -> list[WriteOnlyCell]:  # noqa: ANN001 — a write-only worksheet
    """The header row: bold, shaded, bordered, wrapped and centred."""
    align = Alignment(wrap_text=True, horizontal="center", vertical="center")
    return [text_cell(ws, h, font=Font(bold=True), fill=_HEADER_FILL, border=_HEADER_BORDER, alignment=align)
            for h in headers]


def print_setup(ws, columns: int, header_row: int) -> None:  # noqa: ANN001 — a worksheet
    """Landscape (A3 when the table is wide), all columns on one page wide, the header row on every page, frozen
    under the header, gridlines printed, 第 x 页，共 y 页 at the foot."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3 if columns > A3_ABOVE else Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = FOOTER
    ws.evenFooter.center.text = FOOTER


def set_widths(ws, widths: list[float] | tuple[float, ...]) -> None:  # noqa: ANN001 — a worksheet
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def add_notes_sheet(workbook: Workbook, title: str, rows: list[tuple[str, str]]) -> None:
    """A 说明 sheet named `title`: two columns 名称 | 说明, one row a (name, note), printed like the tables.
    A row whose name is empty (a blank line) stays empty; a row named 名称/列名 is a sub-header, in bold."""
    ws = workbook.create_sheet(title)
    set_widths(ws, (16, 90))
    print_setup(ws, 2, 1)
    ws.freeze_panes = "A2"
    ws.append(header_cells(ws, ("名称", "说明")))
    bold = Font(bold=True)
    for name, note in rows:
        if not name and not note:
            ws.append([])
            continue
        ws.append([text_cell(ws, name, font=bold, alignment=WRAP), text_cell(ws, note, alignment=WRAP)])
