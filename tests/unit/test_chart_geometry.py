"""The charts' drawing fits a phone: labels cut to what their column holds (the whole in the tooltip), bars and values
inside the drawing, the weekly columns labelled every other week (this week always) so no two labels overlap."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.reports.overdue_weeks import Week
from bot.web import charts

TEXT = 14  # units of a chart's text (desk.css)


def test_a_long_label_is_cut_and_kept_whole_in_its_tooltip() -> None:
    drawn = charts.bars([("城口县北屏乡九年一贯制学校", 3), ("第一责任区", None)])
    long, short = drawn["bars"]
    assert long["label"] == "城口县北屏乡九…" and len(long["label"]) == charts.LABEL_CHARS
    assert long["title"] == "城口县北屏乡九年一贯制学校" and short["label"] == "第一责任区" and short["text"] == "—"
    assert charts.LABEL_CHARS * TEXT <= charts.LABEL_END < charts.BAR_X  # a cut label ends before the bars start
    value_room = 4 * TEXT * 0.6 + 6  # "100%" after the longest bar
    assert charts.BAR_X + charts.BAR_WIDTH + value_room <= drawn["width"] == charts.WIDTH


def test_percent_bars_are_scaled_to_100_and_counts_to_the_largest() -> None:
    assert [b["width"] for b in charts.bars([("a", 50), ("b", 100)], percent=True)["bars"]] == [100, 200]
    assert [b["width"] for b in charts.bars([("a", 1), ("b", 4)])["bars"]] == [50, 200]


def test_weekly_columns_are_labelled_every_other_week_and_fit_the_drawing() -> None:
    monday = date(2024, 1, 1)
    weeks = [Week(monday + timedelta(weeks=i), monday + timedelta(weeks=i, days=6),
                  datetime(2024, 1, 1, tzinfo=UTC), i) for i in range(12)]
    drawn = charts.columns(weeks)
    labels = [c["label"] for c in drawn["columns"]]
    assert labels[-1] == "3/24" and labels[-2] == "" and labels[0] == "" and labels.count("") == 6
    assert len("12/31") * TEXT * 0.6 <= 2 * charts.COLUMN_STEP  # two steps hold the widest label
    assert drawn["columns"][-1]["x"] + 20 <= drawn["width"] == charts.WIDTH
