"""A group robot (群机器人) webhook: a text message with `mentioned_list`, so the people named get a real @.

Each webhook takes at most `per_minute` messages a rolling minute; we wait for room rather than be refused.
The key is a secret like the bot's: it is never logged (errors name the room, not the URL).
"""
from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections import deque
from urllib.parse import quote

from bot.transports.contract import TransportError
from bot.transports.wecom.wecom_errors import check_ack

MAX_TEXT_BYTES = 2048  # the group robot's limit for a text message


class Webhooks:
    def __init__(self, base_url: str, per_minute: int, timeout: float) -> None:
        self.base_url, self.per_minute, self.timeout = base_url, per_minute, timeout
        self._sent: dict[str, deque[float]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def send_text(self, key: str, text: str, mentioned: list[str], room: str) -> None:
        body = {"msgtype": "text", "text": {"content": text, "mentioned_list": mentioned}}
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            await self._wait_for_room(key)
            try:
                answer = await asyncio.to_thread(self._post, key, body)
            except (OSError, ValueError) as error:
                raise TransportError(f"webhook of {room}: {type(error).__name__}: {_safe(error)}") from None
            self._sent.setdefault(key, deque()).append(time.monotonic())
        check_ack(answer, f"webhook message to {room}")

    async def _wait_for_room(self, key: str) -> None:
        sent = self._sent.setdefault(key, deque())
        while True:
            now = time.monotonic()
            while sent and sent[0] <= now - 60:
                sent.popleft()
            if len(sent) < self.per_minute:
                return
            await asyncio.sleep(sent[0] + 60 - now)

    def _post(self, key: str, body: dict) -> dict:
        url = f"{self.base_url}?key={quote(key, safe='')}"
        request = urllib.request.Request(url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (ours)
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise OSError(f"HTTP {error.code}") from None


def fits(text: str) -> bool:
    """A longer text goes through the socket instead (the webhook would cut it)."""
    return len(text.encode("utf-8")) <= MAX_TEXT_BYTES


def _safe(error: BaseException) -> str:
    """An error's text without any URL in it (the URL carries the key)."""
    text = str(getattr(error, "reason", None) or error)
    return "" if "key=" in text else text
