"""The puppet service gateway: where it is, how patiently we talk to it, and whether it is alive."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.transports.contract import RateLimits

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger("dudao.wechaty")


class WechatyConfigError(ValueError):
    """The gateway is not configured well enough to connect (we never guess an endpoint)."""


@dataclass(frozen=True)
class Timing:
    """How patiently the transport waits, retries and probes (seconds unless noted)."""

    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    connect_timeout: float = 5.0
    ding_interval: float = 4.0  # ask the gateway for a DONG on the event stream this often
    dead_after: float = 8.0  # no event at all (DONG, heartbeat, message ...) this long: reconnect
    first_event_within: float = 20.0  # after connecting, if it answers RPCs (its Start may take 15 s)
    send_timeout: float = 30.0
    stop_timeout: float = 3.0
    close_timeout: float = 1.0  # for the courtesy Stop RPC when a connection ends
    handle_attempts: int = 3
    handle_retry_delay: float = 0.5
    replay_grace: timedelta = timedelta(minutes=2)
    replay_margin: timedelta = timedelta(minutes=10)  # before the last handled message: the core dedupes
    catchup: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Gateway:
    endpoint: str  # host:port, as given; safe to log
    token: str  # never logged
    host: str
    port: int
    plugin_port: int  # wechaty's plugin web server would bind here (we never start it)
    limits: RateLimits

    @classmethod
    def from_settings(cls, settings: Settings) -> Gateway:
        endpoint = (settings.wechaty_puppet_service_endpoint or "").strip()
        token = (settings.wechaty_puppet_service_token or "").strip()
        if not endpoint:
            raise WechatyConfigError("WECHATY_PUPPET_SERVICE_ENDPOINT is not set: refusing to start "
                                     "(without it wechaty would ask a public discovery service)")
        if not token:
            raise WechatyConfigError("WECHATY_PUPPET_SERVICE_TOKEN is not set: the gateway needs it "
                                     "(it is sent as the gRPC authority; without it nothing arrives)")
        host, port = split_endpoint(endpoint)
        limits = RateLimits(per_room_interval=settings.wechaty_room_interval_seconds,
                            between_rooms_interval=settings.wechaty_between_rooms_seconds,
                            per_minute=settings.wechaty_per_minute)
        return cls(endpoint, token, host, port, settings.wechaty_plugin_port or free_port(), limits)

    def __repr__(self) -> str:
        return f"Gateway({self.endpoint})"


def split_endpoint(endpoint: str) -> tuple[str, int]:
    """'host:port' (the form gateways are given in) to a host and a port."""
    try:
        parts = urlsplit(endpoint if "://" in endpoint else f"grpc://{endpoint}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or port is None:
        raise WechatyConfigError(f"WECHATY_PUPPET_SERVICE_ENDPOINT must be host:port, not {endpoint!r}")
    return host, port


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def probe(gateway: Gateway, timeout: float) -> None:
    """Fail fast, without blocking the loop, when nothing listens at the endpoint."""
    _, writer = await asyncio.wait_for(asyncio.open_connection(gateway.host, gateway.port), timeout)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def speaks_tls(host: str, port: int, timeout: float = 3.0) -> bool:
    """Whether the gateway at host:port answers a TLS ClientHello with a TLS handshake record.

    python-wechaty 0.10.7 speaks plain gRPC; against a gateway with TLS on it only sees "Connection lost".
    """
    import ssl

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    with contextlib.suppress(ssl.SSLWantReadError):
        context.wrap_bio(incoming, outgoing, server_hostname=host).do_handshake()
    hello = outgoing.read()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError):
        return False
    try:
        writer.write(hello)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(5), timeout)
    except (TimeoutError, OSError):
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return len(answer) >= 3 and answer[0] == 0x16 and answer[1] == 0x03  # handshake record, TLS 1.x


TLS_HINT = ("the gateway speaks TLS, and python-wechaty 0.10.7 speaks plain gRPC only: run the gateway with TLS off "
            "(WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER=true) on a private network, or put a local TLS proxy "
            "(offering ALPN h2 to the gateway) in front of it (docs/wechaty.md)")
