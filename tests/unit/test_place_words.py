"""One reader of places (bot.domain.place_words) for chat, CLI and desk: districts by name and short forms, several schools
joined by 、 , 和 — a school's own name first, nothing guessed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.county import DEMO_COUNTY_FILE
from bot.domain.place_words import district_forms, read_places
from bot.domain.roster import DistrictInfo, SchoolInfo
from bot.domain.schools import SchoolIndex

D1, D2 = DistrictInfo(1, "第一责任区"), DistrictInfo(2, "城北片区")
SCHOOLS = [SchoolInfo(1, "重庆市城口中学", ("城口中学",), 1), SchoolInfo(2, "城口县复兴中学", ("复兴中学",), 1),
           SchoolInfo(3, "城口县和平小学", ("和平小学",), 2), SchoolInfo(4, "城口县第一中学", ("县一中",), 1)]
INDEX = SchoolIndex(SCHOOLS)


def test_the_forms_of_a_numbered_district_and_of_a_named_one() -> None:
    assert {"第一责任区", "一区", "第一区", "1区", "一片区", "第一"} <= district_forms("第一责任区")
    assert {"城北片区", "城北"} <= district_forms("城北片区")


@pytest.mark.parametrize(("words", "district", "schools"), [
    (["一区"], "第一责任区", []), (["第1区"], "第一责任区", []), (["城北"], "城北片区", []),
    (["城口中学、复兴中学"], None, [1, 2]), (["城口中学,复兴中学"], None, [1, 2]),
    (["城口中学和复兴中学"], None, [1, 2]), (["城口中学", "复兴中学"], None, [1, 2]),
    (["和平小学"], None, [3]),  # 和 inside a school's name is not a separator
    (["第一"], None, [4]),  # a fragment of a school's name: the school, never a guess at the district
])
def test_places_read(words: list[str], district: str | None, schools: list[int]) -> None:
    found = read_places(words, [D1, D2], INDEX)
    assert not found.unknown
    assert (found.district.name if found.district else None) == district
    assert [s.id for s in found.schools] == schools


@pytest.mark.parametrize(("words", "unknown"), [
    (["城口中学、火星中学"], "火星中学"), (["一区", "城北"], "城北"), (["一区", "城口中学"], "城口中学"),
])
def test_what_cannot_be_one_place_is_named(words: list[str], unknown: str) -> None:
    assert read_places(words, [D1, D2], INDEX).unknown == unknown


def test_the_cli_export_reads_places_as_chat_does(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/x.db"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    def dudao(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", *args, "--db", url], capture_output=True, text=True,
                              timeout=120, env=env)

    assert dudao("county", "load", str(DEMO_COUNTY_FILE)).returncode == 0
    done = dudao("export", "ledger", "--place", "一区", "--month", "2026年秋季学期", str(tmp_path))
    assert done.returncode == 0 and "已写出第一责任区2026年秋季学期整改台账" in done.stdout, done.stderr
    bad = dudao("export", "ledger", "--place", "火星", str(tmp_path))
    assert bad.returncode == 2 and "没能看懂“火星”" in bad.stderr and "--place 第一责任区" in bad.stderr, bad.stderr
