"""The HTTP half of the WeCom stand-in: media URLs serving AES-encrypted content, and the group robot webhook
(`POST /cgi-bin/webhook/send?key=KEY`, 20 messages a minute per key). A small asyncio HTTP/1.1 server."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


@dataclass(frozen=True)
class WebhookPost:
    key: str
    msgtype: str
    content: str
    mentioned_list: tuple[str, ...]
    at: float


def encrypt(data: bytes) -> tuple[bytes, str]:
    """As WeCom does: AES-256-CBC, IV = the key's first 16 bytes, PKCS#7 padded to 32; aeskey without '='."""
    key = os.urandom(32)
    pad = 32 - len(data) % 32
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    sealed = encryptor.update(data + bytes([pad]) * pad) + encryptor.finalize()
    return sealed, base64.b64encode(key).decode("ascii").rstrip("=")


class HttpStandIn:
    def __init__(self, webhook_per_minute: int = 20) -> None:
        self.media: dict[str, bytes] = {}
        self.expired: set[str] = set()  # media names whose 5 minutes are over
        self.webhook_keys: set[str] = set()
        self.posts: list[WebhookPost] = []
        self.refused_posts = 0
        self.per_minute = webhook_per_minute
        self._windows: dict[str, deque[float]] = {}
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send"

    def put_media(self, name: str, data: bytes) -> tuple[str, str]:
        """Serve `data` encrypted; returns (url, aeskey)."""
        sealed, aeskey = encrypt(data)
        self.media[name] = sealed
        return f"{self.base}/media/{name}", aeskey

    def expire(self, url: str) -> None:
        """The 5 minutes of a media URL are over: it serves nothing any more."""
        self.expired.add(urlsplit(url).path.removeprefix("/media/"))

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, target, _ = (await reader.readline()).decode().split(" ", 2)
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            status, payload, kind = self._route(method, target, body)
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(payload)}\r\n"
                         f"Connection: close\r\n\r\n".encode() + payload)
            await writer.drain()
        finally:
            writer.close()

    def _route(self, method: str, target: str, body: bytes) -> tuple[str, bytes, str]:
        parts = urlsplit(target)
        if method == "GET" and parts.path.startswith("/media/"):
            name = parts.path.removeprefix("/media/")
            data = self.media.get(name)
            if data is None or name in self.expired:
                return "404 Not Found", b"", "text/plain"
            return "200 OK", data, "application/octet-stream"
        if method == "POST" and parts.path == "/cgi-bin/webhook/send":
            key = parse_qs(parts.query).get("key", [""])[0]
            answer = self._webhook(key, json.loads(body or b"{}"))
            return "200 OK", json.dumps(answer).encode(), "application/json"
        return "404 Not Found", b"", "text/plain"

    def _webhook(self, key: str, data: dict) -> dict:
        if key not in self.webhook_keys:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        now, window = time.monotonic(), self._windows.setdefault(key, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            self.refused_posts += 1
            return {"errcode": 45009, "errmsg": "api freq out of limit"}
        window.append(now)
        msgtype = data.get("msgtype", "")
        part = data.get(msgtype) or {}
        self.posts.append(WebhookPost(key, msgtype, part.get("content", ""),
                                      tuple(part.get("mentioned_list") or ()), now))
        return {"errcode": 0, "errmsg": "ok"}
