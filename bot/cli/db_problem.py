"""A database that cannot be opened, said as what the operator should check (templates/cli/say.j2, db_unavailable):
the URL itself, the server, the database's name, the user and password, or the SQLite file's folder."""
from __future__ import annotations

import socket

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError


class DatabaseUnavailable(Exception):
    """The database at `url` cannot be opened; `kind` says why (bad_url, refused, no_host, no_database, auth,
    sqlite_file, other)."""

    def __init__(self, url: str, kind: str) -> None:
        super().__init__(f"database unavailable ({kind}): {url}")
        self.url, self.kind = url, kind

    @property
    def shown_url(self) -> str:
        """The URL without its password (as far as it can be read)."""
        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except ArgumentError:
            return self.url if "@" not in self.url else "…@" + self.url.rsplit("@", 1)[1]


def kind_of(error: BaseException) -> str | None:
    """Why a database could not be opened, or None when the error is not about reaching it."""
    if isinstance(error, ArgumentError | NoSuchModuleError):
        return "bad_url"
    if isinstance(error, socket.gaierror):
        return "no_host"
    if isinstance(error, ConnectionRefusedError | TimeoutError):
        return "refused"
    text = str(error).lower()
    if isinstance(error, DBAPIError | OSError):
        if "unable to open database file" in text:
            return "sqlite_file"
        if "does not exist" in text and "database" in text:
            return "no_database"
        if "password" in text or "authentication" in text or "role" in text and "does not exist" in text:
            return "auth"
        if "connect call failed" in text or "connection refused" in text:
            return "refused"
        if "name or service not known" in text or "nodename nor servname" in text:
            return "no_host"
        return "other" if isinstance(error, OSError) or "connect" in text else None
    return None
