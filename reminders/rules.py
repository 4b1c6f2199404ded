"""The rules the sweep asks, in order (most urgent first)."""
from __future__ import annotations

RULES: list = []
