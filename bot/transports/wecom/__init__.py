"""WeCom the official way: the 智能机器人 long connection (WebSocket) in and out, group robot webhooks out.

Only this package knows WeCom; only it imports `websockets`.
"""
from bot.transports.wecom.wecom_config import WecomConfigError, WecomTiming
from bot.transports.wecom.wecom_transport import WecomTransport

__all__ = ["WecomConfigError", "WecomTiming", "WecomTransport"]
