"""Where the tests find the repository, the shipped demo county and ../shared (absent on a user's machine)."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
DEMO_COUNTY = REPO / "bot" / "data" / "demo-county.yaml"
