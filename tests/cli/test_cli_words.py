"""The operator's command line in Chinese, tried with bad input as an office clerk would: a missing argument, a typo in
a command or an option, a wrong value, a database that cannot be opened, a person not found or found twice, a
login given twice, and the console's own commands. Run in-process (bot.cli.main.main) for speed."""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.support.county_files import demo_yaml

ENGLISH = re.compile(r"\b(Usage|Error|Missing|Invalid|Traceback|No such|Try|option|argument|command|Input|value)\b")


def dudao(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
          stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["dudao", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return exited.value.code, out, err


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/d.db"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["county", "load"], ["缺少县名册文件（.yaml 或 .xlsx）。例如：dudao county load 城口县.yaml",
                              "查看用法：dudao county load --help"]),
        (["invite"], ["缺少要办理的人（名册编号、姓名或微信号）。例如：dudao invite p-li"]),
        (["user", "add"], ["缺少要办理的人", "例如：dudao user add 刘建国"]),
        (["inivte", "p-li"], ["没有“inivte”这个命令。可以用的命令：", "invite", "查看用法：dudao --help"]),
        (["county", "lod", "x.yaml"], ["没有“lod”这个命令。可以用的命令：load、check、template。"]),
        (["county", "load", "x.yaml", "--dbb", "y"], ["没有“--dbb”这个选项，您是不是想用 --db？"]),
        (["doctor", "--wait", "五秒"], ["--wait 的值不对：应当是一个数字，例如 5。", "查看用法：dudao doctor --help"]),
        (["invite", "李明", "周永红"], ["多写了“周永红”，请去掉。"]),
        (["invite", "李明", "--db"], ["--db 后面需要写一个值。"]),
    ],
)
def test_a_mistake_in_the_command_is_said_in_chinese(capsys, monkeypatch, args: list[str], says: list[str]) -> None:
    code, out, err = dudao(capsys, monkeypatch, *args)
    assert code == 2 and out == ""
    for words in says:
        assert words in err, err
    assert not ENGLISH.search(err), err


def test_no_arguments_shows_the_help_in_chinese(capsys, monkeypatch) -> None:
    code, out, _ = dudao(capsys, monkeypatch)
    assert code == 0
    for words in ("督导助手（dudao）", "载入、检查县名册文件", "生成一次性绑定码", "命令"):
        assert words in out


@pytest.mark.parametrize("command", [(), ("user", "add"), ("county", "load"), ("export",)])
def test_the_help_of_every_level_has_no_english_of_typers_own(capsys, monkeypatch, command: tuple) -> None:
    code, out, _ = dudao(capsys, monkeypatch, *command, "--help")
    assert code == 0 and "用法：dudao" in out and "显示本说明后退出" in out
    assert "Usage" not in out and "Show this message" not in out


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nonsense", "数据库地址的格式不对"),
        ("mysql+nosuchdriver://x@localhost/d", "数据库地址的格式不对"),
        ("postgresql+asyncpg://postgres@127.0.0.1:1/dudao", "连不上数据库服务器"),
        ("sqlite+aiosqlite:////proc/no/such/dir/d.db", "无法创建或打开这个数据库文件"),
    ],
)
def test_a_database_that_cannot_be_opened_is_said_plainly(capsys, monkeypatch, url: str, says: str) -> None:
    code, out, err = dudao(capsys, monkeypatch, "invite", "李明", "--db", url)
    assert code == 1 and out == ""
    assert err.startswith("打不开数据库 ") and says in err and "DATABASE_URL" in err
    assert "Traceback" not in err and "sqlalche.me" not in err


def test_doctor_says_why_the_database_cannot_be_opened(capsys, monkeypatch) -> None:
    code, out, _ = dudao(capsys, monkeypatch, "doctor", "--wait", "0", "--db", "nonsense")
    assert code == 1
    assert "✗ 数据库打不开：数据库地址的格式不对" in out and "ArgumentError" not in out


def test_invite_before_any_county_and_for_a_name_two_people_share(capsys, monkeypatch, db: str, tmp_path: Path) -> None:
    code, _, err = dudao(capsys, monkeypatch, "invite", "李明", "--db", db)
    assert code == 1 and "还没有载入县名册" in err and "dudao county load" in err
    county = demo_yaml(tmp_path, edit={"{id: p-yang, name: 杨志强": "{id: p-yang, name: 李明"})
    code, out, _ = dudao(capsys, monkeypatch, "county", "load", str(county), "--db", db)
    assert code == 0 and "新增：责任区 3 个，学校 16 所，人员 24 人，群 8 个。" in out
    code, _, err = dudao(capsys, monkeypatch, "invite", "李明", "--db", db)
    assert code == 1
    assert "名册里有 2 位在册人员都对得上“李明”：李明（督学，编号 p-li）、李明（督学，编号 p-yang）。" in err
    assert "请改用名册编号，例如：dudao invite p-li" in err
    code, _, err = dudao(capsys, monkeypatch, "invite", "王小二", "--db", db)
    assert code == 1 and "名册里没有找到“王小二”" in err
    code, out, _ = dudao(capsys, monkeypatch, "invite", "p-yang", "--db", db)
    assert code == 0 and "李明（督学，p-yang）的绑定码" in out


def test_county_load_says_in_words_what_changed(capsys, monkeypatch, db: str, tmp_path: Path) -> None:
    assert dudao(capsys, monkeypatch, "county", "load", str(demo_yaml(tmp_path)), "--db", db)[0] == 0
    changed = demo_yaml(tmp_path, name="v2.yaml", edit={
        "  - {id: p-wu, name: 吴海波, role: 督学, chat_id: wxid_wuhaibo, schools: [城口县东安镇中学, 城口县咸宜镇中心小学, 城口县沿河乡幼儿园]}\n": "",
        "{id: p-li, name: 李明, role: 督学, chat_id: wxid_liming, schools: [城口县葛城小学, 城口县机关幼儿园]}":
            "{id: p-li, name: 李明, role: 督学, chat_id: wxid_liming, schools: [城口县葛城小学, 城口县东安镇中学]}",
        "  - {chat_id: room-jgyey@chatroom, name: 机关幼儿园督导联络群, scope: school, school: 城口县机关幼儿园}\n": ""})
    code, out, err = dudao(capsys, monkeypatch, "county", "load", str(changed), "--db", db)
    assert code == 0, err
    assert out.splitlines()[0] == "已载入城口县名册（v2.yaml）。"
    assert "更新：人员 1 人。" in out and "停用：人员 1 人，群 1 个（不再生效，历史记录都保留）。" in out
    assert "停用的人员：吴海波。" in out
    assert "· 李明（督学）：城口县葛城小学、城口县机关幼儿园 → 城口县葛城小学、城口县东安镇中学" in out
    code, out, _ = dudao(capsys, monkeypatch, "county", "load", str(changed), "--db", db)
    assert code == 0 and "与上次相比没有变化。" in out


def test_a_broken_county_file_changes_nothing_and_says_where(capsys, monkeypatch, db: str, tmp_path: Path) -> None:
    bad = demo_yaml(tmp_path, name="bad.yaml", edit={"{id: p-li, name: 李明,": "{id: p-zhou, name: 李明,"})
    code, out, err = dudao(capsys, monkeypatch, "county", "load", str(bad), "--db", db)
    assert code == 1 and out == ""
    assert err.splitlines()[0] == "名册文件 bad.yaml 有 1 处需要改正，这次没有载入，数据库里的名册保持原样："
    assert "1. 第 34 行，people 第 4 项的 id：人员编号“p-zhou”与第 33 行重复" in err
    assert err.splitlines()[-1] == f"改好后请再运行一次：dudao county load {bad}"
    assert "还没有载入县名册" in dudao(capsys, monkeypatch, "invite", "李明", "--db", db)[2]


def test_desk_logins_are_not_given_twice(capsys, monkeypatch, db: str, tmp_path: Path) -> None:
    assert dudao(capsys, monkeypatch, "county", "load", str(demo_yaml(tmp_path)), "--db", db)[0] == 0
    code, out, _ = dudao(capsys, monkeypatch, "user", "add", "刘建国", "--db", db)
    assert code == 0 and "初始密码：" in out
    code, out, err = dudao(capsys, monkeypatch, "user", "add", "刘建国", "--db", db)
    assert code == 1 and out == ""
    assert "刘建国已经有工作台账号（用户名：p-liu），这次没有改动。要重设密码，请运行：dudao user passwd p-liu" in err
    code, _, err = dudao(capsys, monkeypatch, "user", "disable", "谁也不是", "--db", db)
    assert code == 1 and "名册里没有找到“谁也不是”" in err
    code, _, err = dudao(capsys, monkeypatch, "user", "passwd", "p-liu", "--stdin", "--db", db, stdin="\n")
    assert code == 1 and "没有读到密码" in err


def test_the_console_speaks_chinese_to_a_clumsy_operator(capsys, monkeypatch, db: str, tmp_path: Path) -> None:
    script = "\n".join(["/help", "/hlep", "/room", "/room 不存在的群", "/room 督导", "/room 实验小学", "/as",
                        "/as 李明明", "/as 周永红", "/photo", f"/photo {tmp_path}/none.jpg", f"/photo {tmp_path}",
                        "/quit", ""])
    code, out, err = dudao(capsys, monkeypatch, "console", "--db", db, "--county", str(demo_yaml(tmp_path)),
                           stdin=script)
    assert code == 0, err
    for words in ("督导助手本地控制台（城口县）。输入 /help 查看说明，/quit 退出。",
                  "以 / 开头的是控制台命令，其他文字都当作消息发给督导助手。",
                  "/room 群名        换到一个群",
                  "没有“/hlep”这个控制台命令。输入 /help 查看可以用的命令。",
                  "请写上群名，例如：/room 实验小学督导联络群",
                  "找不到群“不存在的群”，用 /rooms 查看所有群。",
                  "个群都对得上“督导”：",
                  "当前：实验小学督导联络群",
                  "请写上要扮演的人，例如：/as 周永红",
                  "名册里没有“李明明”（用 /people 查看）。现在以账号“李明明”的身份发言",
                  "身份：周永红（督学）",
                  "请写上照片文件的路径，例如：/photo ~/整改照片.jpg",
                  "none.jpg”：文件不存在。",
                  "”：这是一个文件夹。"):
        assert words in out, (words, out)
    assert not re.search(r"\b(pick|send|No such file|Errno)\b", out), out
