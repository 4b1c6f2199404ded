"""The python-wechaty 0.10.7 workarounds (bot/transports/wechaty_compat.py) on this Python."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from bot.redaction import add_secret
from bot.transports.wechaty.compat import load_wechaty
from tests.support.paths import REPO


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)


def test_plain_import_still_fails_so_the_workaround_is_needed(tmp_path: Path) -> None:
    """python-wechaty issue 422; if this starts passing, wechaty_compat can shrink."""
    result = _python("import wechaty", tmp_path)
    assert result.returncode != 0
    assert "mutable default" in result.stderr or "get_host" in result.stderr


def test_import_through_compat_writes_nothing_into_the_working_directory(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    code = ("import os; from bot.transports.wechaty.compat import load_wechaty; "
            f"w = load_wechaty({str(cache)!r}); print(w.Wechaty.__name__, os.environ['CACHE_DIR'])")
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Wechaty", str(cache)]
    assert not (tmp_path / ".wechaty").exists()
    assert cache.is_dir()


def test_patches_are_in_place() -> None:
    import urllib3

    modules = load_wechaty()
    assert urllib3.get_host("http://127.0.0.1:8788/x") == ("http", "127.0.0.1", 8788)  # type: ignore[attr-defined]
    options = modules.PuppetOptions()
    assert hash(options) != hash(modules.PuppetOptions())
    assert modules.MessageType.MESSAGE_TYPE_TEXT == 6  # the client maps the wire's 7 to this


def test_wechaty_loggers_propagate_and_never_show_the_token(caplog) -> None:
    load_wechaty()
    add_secret("tok-123456")
    logger = logging.getLogger("PuppetService")
    assert logger.propagate and not logger.handlers
    with caplog.at_level(logging.WARNING):
        logger.warning("endpoint<127.0.0.1:1> and token<%s>", "tok-123456")
        logging.getLogger("hpack.hpack").warning("Adding b':authority'=b'tok-123456'")
    assert "tok-123456" not in caplog.text
    assert "token<***>" in caplog.text


def test_a_dirty_event_of_any_payload_type_is_harmless() -> None:
    """DIRTY for a message (payload type 1) once raised AttributeError in the event stream: Message has no pool."""
    from bot.transports.wechaty.compat import forget_payload

    modules = load_wechaty()
    modules.user.Contact._pool["c-1"] = object()
    for payload_type in range(6):  # unspecified, message, contact, room, room member, friendship
        forget_payload(modules, payload_type, "c-1")
    assert "c-1" not in modules.user.Contact._pool


def test_taming_leaves_other_libraries_loggers_alone() -> None:
    """wechaty's loggers are told by their formatter; another library's formatter (uvicorn's access log can format
    only its own records) is neither called on a stranger record nor touched."""
    from bot.transports.wechaty.library_logs import tame_loggers

    class OwnRecordsOnly(logging.Formatter):
        def formatMessage(self, record: logging.LogRecord) -> str:
            raise TypeError("not one of mine")

    logger = logging.getLogger("dudao-test.access")
    handler = logging.StreamHandler()
    handler.setFormatter(OwnRecordsOnly("%(asctime)s - %(name)s - %(levelname)s - %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        tame_loggers()
        assert logger.handlers == [handler] and not logger.propagate
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
