"""Login throttling by client address, and the client's address itself.

A wrong password counts against the client's address (PER_ADDRESS in WINDOW) and against the name it tried from
that address (PER_NAME in WINDOW). Past either, the address is answered 429 at once: no database read, no password
hash. Nothing is counted against an account as such, so no one can lock a user out from elsewhere, and an unknown
name is throttled exactly like an existing one (the answer says nothing about which names exist). An IPv6 client
is counted by its /64 (one subscriber usually holds a whole /64).

State is kept in memory, per process: it is lost on restart (an attacker gains one window) and not shared between
processes. That suits one desk process per deployment; a deployment running several desk processes (or several
counties behind one address) would want the counts in the database or a shared store — the interface here
(attempt/succeeded) is what would move.

The client's address is the connection's, unless the connection comes from one of WEB_TRUSTED_PROXIES: then
X-Forwarded-For is read from the right, skipping trusted proxies, and the first address not among them is the
client's (the left-most entries are whatever the client chose to send and are never believed on their own)."""
from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.requests import Request

WINDOW = timedelta(minutes=15)
PER_ADDRESS = 20  # wrong passwords from one address in WINDOW (any names)
PER_NAME = 5  # wrong passwords for one name from one address in WINDOW
MAX_KEYS = 20_000  # the oldest keys are forgotten beyond this (memory stays bounded under a spread attack)
# a refusal is answered after this pause (an idle wait: it costs the desk nothing), so that a client that waits for
# its answers — a script trying passwords — makes one try a second, not hundreds that keep the event loop busy
REFUSAL_DELAY = 1.0

Network = IPv4Network | IPv6Network


def _ip(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(ip: IPv4Address | IPv6Address | None, proxies: Iterable[Network]) -> bool:
    return ip is not None and any(ip.version == net.version and ip in net for net in proxies)


def client_address(request: Request, proxies: tuple[Network, ...]) -> str:
    """The client's address by the trusted-proxy rule (see the module's text)."""
    peer = request.client.host if request.client else ""
    if not proxies or not _trusted(_ip(peer), proxies):
        return peer
    client = peer
    hops = [hop for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:  # garbled: nothing further left is believable
            break
        client = str(ip)
        if not _trusted(ip, proxies):
            break
    return client


def address_key(address: str) -> str:
    ip = _ip(address)
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is None:
        return str(ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped if isinstance(ip, IPv6Address) and ip.ipv4_mapped else ip) if ip else address


@dataclass
class _Count:
    failures: deque[datetime] = field(default_factory=deque)
    refusing: bool = False  # a refusal was already reported in this spell (audited once, not per request)


@dataclass(frozen=True)
class Refusal:
    until: datetime
    first: bool  # the first refusal of this spell (audit it; the rest are only counted)


class LoginThrottle:
    def __init__(self, window: timedelta = WINDOW, per_address: int = PER_ADDRESS, per_name: int = PER_NAME,
                 max_keys: int = MAX_KEYS, delay: float = REFUSAL_DELAY) -> None:
        self.window, self.per_address, self.per_name, self.max_keys = window, per_address, per_name, max_keys
        self.delay = delay
        self._counts: OrderedDict[tuple[str, str | None], _Count] = OrderedDict()

    def _count(self, key: tuple[str, str | None], now: datetime) -> _Count:
        count = self._counts.get(key)
        if count is None:
            count = self._counts[key] = _Count()
            while len(self._counts) > self.max_keys:
                self._counts.popitem(last=False)
        else:
            self._counts.move_to_end(key)
        while count.failures and count.failures[0] <= now - self.window:
            count.failures.popleft()
        return count

    def attempt(self, address: str, name: str, now: datetime) -> Refusal | None:
        """May this address try this name now? If so the try is counted as a failure already (so that tries made
        at once cannot slip past the limit) and `succeeded` takes it back; if not, until when it must wait."""
        where = address_key(address)
        keys = ((where, None), (where, name))
        counts = [self._count(key, now) for key in keys]
        over = [c for c, limit in zip(counts, (self.per_address, self.per_name), strict=True)
                if len(c.failures) >= limit]
        if over:
            until = max(c.failures[len(c.failures) - limit] for c, limit in
                        zip(counts, (self.per_address, self.per_name), strict=True)
                        if len(c.failures) >= limit) + self.window
            first = not any(c.refusing for c in over)
            for c in over:
                c.refusing = True
            return Refusal(until, first)
        for c in counts:
            c.refusing = False
            c.failures.append(now)
        return None

    def succeeded(self, address: str, name: str) -> None:
        """The right password: the try is not a failure, and this name's count from this address starts again."""
        where = address_key(address)
        self._counts.pop((where, name), None)
        count = self._counts.get((where, None))
        if count is not None and count.failures:
            count.failures.pop()
