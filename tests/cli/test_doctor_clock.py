"""`dudao doctor` compares this machine's clock with the platform's — the gateway's (the Date header of its answer
to a Ding) or WeCom's (the Date header of its long-connection host) — and warns past a minute, in Chinese. The
stand-ins: the Wechaty one with its clock set apart, the WeCom one (a websockets server: its Date is real time)
against an injected clock of ours."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.doctor import doctor
from bot.settings import Settings
from tests.support.wechaty_standin import PuppetStandIn
from tests.support.wecom_standin import WecomStandIn


class Apart:
    """Our clock, `seconds` ahead of the real time (negative: behind)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.seconds)


@pytest.fixture
async def gateway():
    standin = PuppetStandIn()
    await standin.start()
    yield standin
    await standin.stop()


def _wechaty(tmp: Path, standin: PuppetStandIn) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp}/doctor.db",
                    wechaty_puppet_service_endpoint=standin.endpoint, wechaty_puppet_service_token="doctor-token")


@pytest.mark.parametrize(("offset", "said"), [
    (-303, "! 本机时钟比网关快了 5 分 "),  # … 3 秒, to the second the Date header tells
    (90061, "! 本机时钟比网关慢了 1 天 1 小时。"),  # to the hour, beyond a day
    (20, "✓ 本机时钟和网关一致（相差 "),
])
async def test_the_gateways_clock_against_ours(tmp_path: Path, gateway: PuppetStandIn, offset: int, said: str) -> None:
    gateway.clock_offset = offset
    code, text = await doctor(_wechaty(tmp_path, gateway), wait=1)
    assert said in text, text
    assert ("NTP" in text) == (abs(offset) > 60)
    assert code == 1 and "还没有加载县文件" in text  # the clock is a warning: the exit code is the county's


async def test_a_gateway_that_does_not_tell_its_time(tmp_path: Path, gateway: PuppetStandIn) -> None:
    gateway.send_date = False
    _, text = await doctor(_wechaty(tmp_path, gateway), wait=1, clock=Apart(300))
    assert "! 无法比较本机和网关的时钟：网关没有告知它的时间。" in text
    assert "最多允许相差 10 分钟（CLOCK_SKEW_MINUTES）" in text


async def test_wecoms_clock_against_ours(tmp_path: Path) -> None:
    standin = WecomStandIn()
    await standin.start()
    try:
        settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/doctor.db",
                            wecom_bot_id=standin.bot_id, wecom_bot_secret=standin.secret, wecom_ws_url=standin.url)
        _, ahead = await doctor(settings, wait=1, clock=Apart(5 * 60 + 3))
        _, same = await doctor(settings, wait=1)
    finally:
        await standin.close_all()
    assert "! 本机时钟比企业微信快了 5 分 " in ahead, ahead
    assert "✓ 本机时钟和企业微信一致" in same and "NTP" not in same


async def test_wecom_not_answering_is_said(tmp_path: Path) -> None:
    from bot.transports.wechaty.gateway import free_port

    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/doctor.db",
                        wecom_bot_id="bot-1", wecom_bot_secret="secret", wecom_ws_url=f"ws://127.0.0.1:{free_port()}")
    _, text = await doctor(settings, wait=1)
    assert "! 无法比较本机和企业微信的时钟：企业微信没有告知它的时间。" in text
