"""督导助手 (dudao): the core — settings, messages, domain, storage, outbox and transports."""

__version__ = "0.1.0"
