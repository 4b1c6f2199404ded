"""WeChat and WeCom through a Wechaty puppet service gateway (gRPC), with python-wechaty.

Only this package and bot.transports.wechaty.compat import python-wechaty.
"""
from bot.transports.wechaty.gateway import Timing, WechatyConfigError
from bot.transports.wechaty.transport import WechatyTransport

__all__ = ["Timing", "WechatyConfigError", "WechatyTransport"]
