"""Media both ways: fetch and decrypt what people send (URL valid 5 minutes, AES-256-CBC), and upload our files
over the socket in chunks (aibot_upload_media_init / chunk / finish; the media_id is valid 3 days)."""
from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import mimetypes
import os
import urllib.request
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import bot.transports.wecom.frames as frames
from bot.messages import InboundFile
from bot.transports.contract import TransportError
from bot.transports.wecom.wecom_errors import as_transport_error, check_ack

if TYPE_CHECKING:
    from bot.transports.wecom.socket_client import WecomSocket

MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
CHUNK_BYTES = 512 * 1024  # before base64
MAX_CHUNKS = 100
_SIGNATURES = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"), (b"RIFF", ".webp"))


def decrypt(data: bytes, aeskey: str) -> bytes:
    """AES-256-CBC with key = base64(aeskey), IV = the key's first 16 bytes, PKCS#7 padded to 32 bytes."""
    try:
        key = base64.b64decode(aeskey + "=" * (-len(aeskey) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("the media key is not base64") from error
    if len(key) != 32 or not data or len(data) % 16:
        raise ValueError("media content or key has the wrong length for AES-256-CBC")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
        raise ValueError("bad padding: wrong media key?")
    return plain[:-pad]


async def fetch(media: frames.Media, msgid: str, index: int, timeout: float) -> InboundFile:
    """Download and decrypt one image or file of a message."""
    raw = await asyncio.to_thread(_download, media.url, timeout)
    data = decrypt(raw, media.aeskey) if media.aeskey else raw
    name = media.name or f"{msgid}-{index}{_extension(data, media.kind)}"
    return InboundFile(name=name, data=data, mime=mimetypes.guess_type(name)[0])


def _extension(data: bytes, kind: str) -> str:
    for signature, ext in _SIGNATURES:
        if data.startswith(signature):
            return ext
    return ".jpg" if kind == "image" else ".bin"


def _download(url: str, timeout: float) -> bytes:
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError("only http(s) media URLs are fetched")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (scheme checked)
        data = response.read(MAX_DOWNLOAD_BYTES + 1)
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise ValueError(f"media larger than {MAX_DOWNLOAD_BYTES} bytes")
    return data


async def upload(socket: WecomSocket, path: str, timeout: float) -> str:
    """Upload a local file over the socket; returns its media_id."""
    if not os.path.isfile(path):
        raise TransportError(f"file to send is missing: {path}", permanent=True)
    data = await asyncio.to_thread(_read, path)
    chunks = [data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]
    if len(chunks) > MAX_CHUNKS:
        raise TransportError(f"{os.path.basename(path)} is larger than WeCom takes "
                             f"({MAX_CHUNKS} × {CHUNK_BYTES // 1024} KB)", permanent=True)
    init = await _step(socket, frames.UPLOAD_INIT, {
        "type": "file", "filename": os.path.basename(path), "total_size": len(data),
        "total_chunks": len(chunks), "md5": hashlib.md5(data).hexdigest()}, timeout)
    upload_id = init.get("upload_id")
    if not upload_id:
        raise TransportError("WeCom did not give an upload_id")
    for index, chunk in enumerate(chunks):
        await _step(socket, frames.UPLOAD_CHUNK, {"upload_id": upload_id, "chunk_index": index,
                                                  "base64_data": base64.b64encode(chunk).decode("ascii")}, timeout)
    media_id = (await _step(socket, frames.UPLOAD_FINISH, {"upload_id": upload_id}, timeout)).get("media_id")
    if not media_id:
        raise TransportError("WeCom did not give a media_id")
    return str(media_id)


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


async def _step(socket: WecomSocket, cmd: str, body: dict, timeout: float) -> dict:
    try:
        ack = await socket.request(frames.frame(cmd, body), timeout, what=cmd)
    except (ConnectionError, TimeoutError) as error:
        raise as_transport_error(error, cmd) from error
    check_ack(ack, cmd)
    return ack.get("body") or {}
