"""`dudao doctor` against the real Wechaty gateway (tests/support/real_gateway.py): each way the bot could not
work is named in Chinese with what to do, and the exit code says whether the bot could work."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.bootstrap import demo_county_path, load_county, open_database
from bot.cli.doctor import doctor
from bot.clock import SystemClock
from bot.settings import Settings
from tests.support.real_gateway import DEMO_ROOMS, RealGateway, free_port, require

TOKEN = "insecure_doctor-51c7e2"


async def _with_county(tmp: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp}/bot.db"
    db = await open_database(url)
    try:
        await load_county(db, demo_county_path(), SystemClock())
    finally:
        await db.dispose()
    return url


def _settings(url: str, endpoint: str | None, token: str | None = TOKEN) -> Settings:
    return Settings(database_url=url, wechaty_puppet_service_endpoint=endpoint, wechaty_puppet_service_token=token)


@pytest.mark.slow  # the real Node gateway
async def test_a_working_gateway_and_the_rooms_it_knows(tmp_path: Path) -> None:
    require()
    url = await _with_county(tmp_path)
    rooms = [*DEMO_ROOMS, {"id": "room-extra@chatroom", "topic": "教研闲聊群", "members": []}]
    with RealGateway(TOKEN, rooms=rooms) as gateway:
        code, text = await doctor(_settings(url, gateway.endpoint), wait=2)
    assert code == 0, text
    assert "县文件已加载：城口县" in text and "已登录：wxid_bot" in text and "机器人可以工作" in text
    missing, unbound = text.split("机器人的微信不在里面")[1], text.split("县文件没有绑定它们")[1]
    assert "第一责任区督导群（room-d1@chatroom）" in missing and "room-syxx@chatroom" not in missing
    assert "教研闲聊群（room-extra@chatroom）" in unbound


@pytest.mark.slow  # the real Node gateway
async def test_a_refused_token_is_named_and_never_shown(tmp_path: Path, caplog) -> None:
    require()
    url = await _with_county(tmp_path)
    wrong = "insecure_doctor-wrong-0b9d"
    with RealGateway(TOKEN) as gateway, caplog.at_level(logging.DEBUG):
        code, text = await doctor(_settings(url, gateway.endpoint, wrong), wait=2)
    assert code == 1 and "网关拒绝了令牌" in text, text
    assert wrong not in text and wrong not in caplog.text


@pytest.mark.slow  # the real Node gateway
async def test_tls_on_at_the_gateway(tmp_path: Path) -> None:
    require()
    url = await _with_county(tmp_path)
    with RealGateway(TOKEN, tls=True) as gateway:
        code, text = await doctor(_settings(url, gateway.endpoint), wait=2)
    assert code == 1 and "开着 TLS" in text and "WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER=true" in text, text


@pytest.mark.slow  # the real Node gateway
async def test_waiting_for_a_qr_scan_prints_the_link(tmp_path: Path) -> None:
    require()
    url = await _with_county(tmp_path)
    qr = "https://login.weixin.qq.com/l/doctor-4711"
    with RealGateway(TOKEN, login=False, qrcode=qr) as gateway:
        code, text = await doctor(_settings(url, gateway.endpoint), wait=2)
    assert code == 1 and "等待扫码" in text and qr in text, text


async def test_nothing_listening_no_county_no_configuration(tmp_path: Path) -> None:
    url = await _with_county(tmp_path)
    code, text = await doctor(_settings(url, f"127.0.0.1:{free_port()}"), wait=1)
    assert code == 1 and "连不上网关" in text and "网关没有运行" in text, text

    empty = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    code, text = await doctor(_settings(empty, None), wait=1)
    assert code == 1 and "还没有加载县文件" in text and "WECHATY_PUPPET_SERVICE_ENDPOINT" in text, text

    code, text = await doctor(_settings(url, "127.0.0.1:1", token=None), wait=1)
    assert code == 1 and "WECHATY_PUPPET_SERVICE_TOKEN" in text, text


@pytest.mark.slow  # the real Node gateway
def test_the_dudao_doctor_command(tmp_path: Path) -> None:
    """The command an operator types: Chinese on stdout, exit 1, the token nowhere."""
    require()
    with RealGateway(TOKEN) as gateway:
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
               "WECHATY_PUPPET_SERVICE_ENDPOINT": gateway.endpoint, "WECHATY_PUPPET_SERVICE_TOKEN": "insecure_nope-33"}
        done = subprocess.run([sys.executable, "-m", "bot", "doctor", "--wait", "1"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "网关拒绝了令牌" in done.stdout and "还没有加载县文件" in done.stdout
    assert "insecure_nope-33" not in done.stdout + done.stderr


async def test_the_real_gateways_clock_is_compared_with_ours(tmp_path: Path) -> None:
    """The real (Node) gateway stamps every gRPC answer with a Date header: our clock 5 minutes ahead is warned
    about, and the bot still can work (a warning, not a failure)."""
    from datetime import UTC, datetime, timedelta

    class Ahead:
        def now(self) -> datetime:
            return datetime.now(UTC) + timedelta(minutes=5)

    require()
    url = await _with_county(tmp_path)
    with RealGateway(TOKEN) as gateway:
        code, ahead = await doctor(_settings(url, gateway.endpoint), wait=2, clock=Ahead())
        _, same = await doctor(_settings(url, gateway.endpoint), wait=2)
    assert code == 0 and "! 本机时钟比网关快了 5 分" in ahead and "NTP" in ahead, ahead
    assert "✓ 本机时钟和网关一致" in same, same
