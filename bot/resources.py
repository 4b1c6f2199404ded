"""Find the directories shipped beside the code: templates/ (as `dudao_templates`) and alembic/ (as
`dudao_migrations`). Neither has an __init__.py — a top-level `alembic` package would shadow the alembic
library — so they are found through the import spec, which works for checkouts, editable and wheel installs."""
from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shipped_dir(package: str, checkout_name: str, marker: str) -> Path:
    """The directory of `package` that contains `marker`, else <checkout>/<checkout_name>."""
    spec = importlib.util.find_spec(package)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / marker).exists():
            return Path(location)
    fallback = REPO / checkout_name
    if (fallback / marker).exists():
        return fallback
    raise FileNotFoundError(f"cannot find the {checkout_name}/ directory shipped with dudao (package {package})")


def templates_dir() -> Path:
    return shipped_dir("dudao_templates", "templates", "help")


def migrations_dir() -> Path:
    return shipped_dir("dudao_migrations", "alembic", "env.py")
