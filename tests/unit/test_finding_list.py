"""bot.parsing.finding_list: which #问题 texts are lists, and their items — the pure part (the app-level behaviour is
in tests/app/test_finding_lists.py)."""
from __future__ import annotations

import pytest

from bot.parsing.finding_list import numbered, split_list

SCHOOLS = {"城口中学", "县一中"}


def read(text: str, head_only: bool = False):
    return split_list(text, SCHOOLS.__contains__, lambda line: head_only)


@pytest.mark.parametrize("text", ["城口中学 1.消防通道 2.食堂留样", "城口中学\n1、消防通道\n2、食堂留样",
                                  "城口中学 （1）消防通道（2）食堂留样".replace("（2）", " （2）"),
                                  "城口中学 ①消防通道 ②食堂留样", "城口中学\n一、消防通道\n二、食堂留样"])
def test_numbered_forms(text: str) -> None:
    found = numbered(text)
    assert found is not None and found.head == "城口中学" and found.items == ("消防通道", "食堂留样")


@pytest.mark.parametrize("text", ["城口中学 护栏高1.5米", "城口中学 一、二、三年级作业量大", "城口中学 楼梯1、2层照明不足",
                                  "城口中学 2.食堂 3.厕所"])
def test_numbers_inside_one_finding_are_no_list(text: str) -> None:
    assert numbered(text) is None


def test_semicolon_parts_are_a_list_only_when_each_begins_with_a_school() -> None:
    assert read("县一中 插线板私拉乱接 严重；城口中学 作业公示栏未更新").items == (
        "县一中 插线板私拉乱接 严重", "城口中学 作业公示栏未更新")
    assert read("城口中学 护栏损坏，存在安全隐患；请尽快处理") is None


def test_lines_under_a_head_and_line_breaks_inside_an_item() -> None:
    assert read("城口中学\n门卫脱岗\n围墙破损", head_only=True).items == ("门卫脱岗", "围墙破损")
    assert read("城口中学 护栏损坏\n已告知校长") is None  # two lines, no head: one finding
    assert numbered("城口中学\n1. 食堂留样不全，\n另有过期食材\n2. 照明不足").items[0] == "食堂留样不全，\n另有过期食材"
