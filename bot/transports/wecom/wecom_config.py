"""What the WeCom transport is told: where to connect, as which robot, how patiently, and how to send."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.outbox.delivery import RateLimits

if TYPE_CHECKING:
    from bot.settings import Settings

DEFAULT_WS_URL = "wss://openws.work.weixin.qq.com"


class WecomConfigError(ValueError):
    """The robot is not configured well enough to connect."""


@dataclass(frozen=True)
class WecomTiming:
    """How patiently the transport waits, pings and retries (seconds unless noted)."""

    ping_interval: float = 30.0  # WeCom wants a ping every 30 s; two unanswered: the connection is dead
    connect_timeout: float = 10.0
    send_timeout: float = 15.0
    close_timeout: float = 2.0
    stop_timeout: float = 3.0
    backoff_initial: float = 2.0  # subscribe is rate-protected: never reconnect in a tight loop
    backoff_max: float = 120.0
    refused_backoff: float = 30.0  # after a refused subscribe (wrong secret, rate protection)
    stable_after: float = 30.0  # a connection that lived this long resets the backoff
    download_timeout: float = 30.0
    reply_window: timedelta = timedelta(hours=23, minutes=50)  # aibot_respond_msg within 24 h of the message
    event_window: timedelta = timedelta(seconds=5)  # the answer to an event (a welcome) within 5 s of it
    handle_attempts: int = 3
    handle_retry_delay: float = 0.5


@dataclass(frozen=True)
class WecomConfig:
    bot_id: str
    secret: str = field(repr=False)  # never logged
    ws_url: str
    webhook_url: str
    mentions_via: str  # webhook / socket
    mention_style: str  # tag / name
    webhook_per_minute: int
    reconnect_after_kick: bool
    limits: RateLimits
    timing: WecomTiming = field(default_factory=WecomTiming)

    @classmethod
    def from_settings(cls, settings: Settings, timing: WecomTiming | None = None) -> WecomConfig:
        bot_id = (settings.wecom_bot_id or "").strip()
        secret = (settings.wecom_bot_secret or "").strip()
        if not bot_id or not secret:
            raise WecomConfigError("WECOM_BOT_ID and WECOM_BOT_SECRET must both be set (admin console → "
                                   "智能机器人 → API 模式 → 长连接)")
        via, style = settings.wecom_mentions_via.strip().lower(), settings.wecom_mention_style.strip().lower()
        if via not in ("webhook", "socket"):
            raise WecomConfigError(f"WECOM_MENTIONS_VIA must be webhook or socket, not {via!r}")
        if style not in ("tag", "name"):
            raise WecomConfigError(f"WECOM_MENTION_STYLE must be tag or name, not {style!r}")
        limits = RateLimits(room_per_minute=settings.wecom_conversation_per_minute,
                            room_per_hour=settings.wecom_conversation_per_hour)
        return cls(bot_id, secret, settings.wecom_ws_url.strip() or DEFAULT_WS_URL,
                   settings.wecom_webhook_url.strip(), via, style, settings.wecom_webhook_per_minute,
                   settings.wecom_reconnect_after_kick, limits, timing or WecomTiming())
