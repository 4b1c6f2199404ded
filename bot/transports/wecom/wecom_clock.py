"""WeCom's clock, read from the Date header of its long-connection host (an HTTPS request, no WebSocket: a bot
that is running keeps its connection)."""
from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from bot.clock import ClockReading, http_date


def clock_url(ws_url: str) -> str:
    """The long-connection endpoint as plain HTTP(S): wss://openws.work.weixin.qq.com → https://…/"""
    parts = urlsplit(ws_url)
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, "/", "", ""))


async def read_wecom_clock(ws_url: str, now: Callable[[], datetime], timeout: float) -> ClockReading | None:
    """WeCom's time by the Date header of any answer from the host of `ws_url` (an error status tells it too);
    None when the host does not answer or sends no Date."""
    url = clock_url(ws_url)
    if not url.startswith(("http://", "https://")):
        return None
    before = now()
    date = await asyncio.to_thread(_date_header, url, timeout)
    after = now()
    remote = http_date(date)
    if remote is None:
        return None  # the Date is to the second: its middle is the best guess
    return ClockReading(remote + timedelta(milliseconds=500), before + (after - before) / 2)


def _date_header(url: str, timeout: float) -> str | None:
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "dudao-doctor"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only, checked)
            return response.headers.get("Date")
    except urllib.error.HTTPError as error:  # 4xx/5xx: WeCom answered, with its time
        return error.headers.get("Date")
    except (OSError, ValueError):
        return None
