"""A platform frame quoted in a log line: fields holding keys or file content blanked at any depth, known secrets
blanked, raw text that is not JSON blanked by pattern, everything cut short with its length said."""
from __future__ import annotations

import json

from bot.redaction import add_secret, excerpt


def test_keys_and_content_are_blanked_at_any_depth() -> None:
    frame = {"cmd": "x", "body": {"secret": "s", "mixed": {"msg_item": [{"image": {"url": "u", "aeskey": "k1"}}]},
                                  "base64_data": "QUJD", "Token": "t"}}
    assert excerpt(frame) == ('{"cmd":"x","body":{"secret":"***","mixed":{"msg_item":[{"image":{"url":"u",'
                              '"aeskey":"***"}}]},"base64_data":"***","Token":"***"}}')


def test_a_known_secret_is_blanked_wherever_it_is() -> None:
    add_secret("excerpt-secret-0042")
    assert excerpt({"text": "token excerpt-secret-0042 here"}) == '{"text":"token *** here"}'
    assert "excerpt-secret-0042" not in excerpt("not json: excerpt-secret-0042")


def test_text_that_is_not_json_is_blanked_by_pattern_and_cut_short() -> None:
    cut = '{"cmd":"aibot_msg_callback","body":{"aeskey":"KEY-IN-A-BROKEN-FRAME","text":"' + "字" * 500
    said = excerpt(cut, 120)
    assert "KEY-IN-A-BROKEN-FRAME" not in said and '"aeskey":"***"' in said
    assert said.endswith(f"… ({len(cut)} chars)") and len(said) < 150


def test_anything_at_all_gives_one_line() -> None:
    assert excerpt(None) == "null" and excerpt(42) == "42" and excerpt("a\nb") == "a\\nb"
    assert excerpt(b"\xff\xfe{") == "\ufffd\ufffd{" and excerpt([1, {"x": object}])[:8] == '[1,{"x":'


def test_a_lone_surrogate_is_written_escaped_so_the_log_line_survives() -> None:
    line = excerpt(json.loads('{"cmd": "aibot_msg_callback", "body": "\\ud800 and \\udfff"}'))
    assert line.encode("utf-8") and "\\ud800" in line and "\\udfff" in line
