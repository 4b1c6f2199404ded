"""Settings, read once from the environment and .env (see .env.example for every key)."""
from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.messages import TEXT_CAP


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)

    # storage
    database_url: str = Field(default="sqlite+aiosqlite:///data/dudao.db")
    evidence_dir: Path = Field(default=Path("data/evidence"))
    county_file: Path | None = None
    # where messages wait while the database is away (bot/spool.py); empty = beside the SQLite file, else data/spool
    spool_dir: Path | None = None
    lock_check_seconds: float = 3.0  # how often a running bot checks that it still holds the database

    # identity and language
    bot_name: str = "督导助手"

    # rules of the command language
    evidence_window_minutes: int = 10
    evidence_burst_seconds: int = 60
    evidence_max_mb: float = 20
    invite_ttl_hours: int = 72
    duplicate_finding_minutes: int = 10
    max_message_chars: int = Field(default=2000, ge=1, le=TEXT_CAP)  # longer: a request to shorten it, not read

    # outbox
    outbox_max_attempts: int = 6
    outbox_backoff_seconds: float = 5.0
    outbox_per_minute: int = 40

    # the platform's clock may be this far from this machine's (either way) before new messages look like replayed
    # history: the Wechaty transport's history floor allows it (it reads the gateway's own clock where it can)
    clock_skew_minutes: float = Field(default=10, ge=0)

    # Wechaty (WeChat / WeCom through a puppet service gateway)
    wechaty_puppet_service_endpoint: str | None = None
    wechaty_puppet_service_token: str | None = None
    wechaty_room_interval_seconds: float = 1.0
    wechaty_between_rooms_seconds: float = 3.0
    wechaty_per_minute: int = 40
    wechaty_plugin_port: int = 0

    # WeCom 智能机器人 (official long connection) and group robots
    wecom_bot_id: str | None = None
    wecom_bot_secret: str | None = None
    wecom_ws_url: str = "wss://openws.work.weixin.qq.com"
    wecom_webhook_url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    wecom_mentions_via: str = "webhook"  # webhook (where a room has a key) / socket
    wecom_mention_style: str = "tag"  # tag (<@userid>) / name (@name as text)
    wecom_conversation_per_minute: int = 30
    wecom_conversation_per_hour: int = 1000
    wecom_webhook_per_minute: int = 20
    wecom_reconnect_after_kick: bool = False

    # the office's web desk (`dudao web`)
    web_listen: str = "127.0.0.1:8080"
    web_secret: str | None = None  # signs session cookies; empty = a new random one each start (everyone logs in again)
    web_session_hours: float = 12  # a desk session ends after this long without use
    web_session_max_hours: float = 168  # … and this long after the login, however much it is used
    # reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs, separated by commas or spaces); empty = none:
    # the client's address is the connection's
    web_trusted_proxies: str = ""
    # password checks computed at once; each already uses up to 4 CPUs (argon2's lanes), so 1 suits a small machine
    web_login_threads: int = Field(default=1, ge=1)
    web_secure_cookie: bool = False  # true behind an HTTPS reverse proxy: the cookie is sent over HTTPS only
    # the desk's address as phones reach it (through the county's reverse proxy), e.g. https://dudao.example.gov.cn;
    # set, people may get a personal link to a finding's phone page (#链接 Q12, in a private chat only); empty = none
    web_public_url: str | None = None

    # the audit log (logins, logouts, downloads) is kept this many days
    audit_retention_days: int = Field(default=180, ge=1)

    # bookkeeping of messages (handled-message keys, sent outbox rows) is pruned after this many days by the sweep;
    # never fewer than the transports' redelivery windows allow (bot/storage/retention.py: 2 days)
    retention_days: int = Field(default=180, ge=0)

    # backups (bot/storage/backup.py, `dudao backup` / `dudao restore`): a scheduled one into BACKUP_DIR at
    # BACKUP_AT (county time) each day while the bot runs; off unless BACKUP_DIR is set
    backup_dir: Path | None = None
    backup_at: str = Field(default="02:30", pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")
    backup_keep: int = Field(default=14, ge=1)  # archives kept in BACKUP_DIR (the newest)
    backup_command: str | None = None  # run after each scheduled backup with the archive's path (rsync, scp …)
    backup_max_age_hours: float = Field(default=26, gt=0)  # `dudao doctor` warns when the last good one is older

    # documents
    bulletin_template: Path | None = None  # the office's own Word template of the monthly 通报; empty = the shipped one
    campaign_template: Path | None = None  # likewise for the 专项督导通报 (bot/data/campaign-template.docx)

    log_level: str = "INFO"
    log_format: str = "text"  # text (one line a record) / json (one JSON object a line, for a log collector)

    # health (bot/cli/health.py): /healthz and /metrics on this address (host:port); empty = off. With
    # `dudao run --web` they are also served on the desk's port
    metrics_listen: str | None = None
    # the office is told when the bot has been unwell this long (and again when it is well); 0 = never
    alert_after_minutes: float = Field(default=10, ge=0)
    # a reply waiting this long to be sent is a cause of ill health (alerted; named by /healthz)
    alert_replies_waiting_minutes: float = Field(default=15, gt=0)

    @property
    def spool_path(self) -> Path:
        """The spool's file: in SPOOL_DIR, else beside the SQLite database, else in data/spool."""
        if self.spool_dir is not None:
            return self.spool_dir / "inbound.spool"
        from sqlalchemy.engine import make_url

        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(str(url.database)).with_suffix(".spool")
        return Path("data/spool/inbound.spool")

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.strip().lower() not in ("text", "json"):
            raise ValueError("LOG_FORMAT must be text or json")
        return value.strip().lower()

    @field_validator("web_trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in value.replace(",", " ").split():
            ip_network(item, strict=False)  # a ValueError says which one is not an address or a network
        return value

    @field_validator("web_public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")) or len(value.split("//", 1)[1]) == 0:
            raise ValueError("WEB_PUBLIC_URL must be an address like https://dudao.example.gov.cn")
        return value

    @property
    def trusted_proxies(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(ip_network(item, strict=False) for item in self.web_trusted_proxies.replace(",", " ").split())

    @property
    def wechaty_configured(self) -> bool:
        return bool(self.wechaty_puppet_service_endpoint)

    @property
    def wecom_configured(self) -> bool:
        return bool(self.wecom_bot_id)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
