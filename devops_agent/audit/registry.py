"""Finding the checks: every module of :mod:`devops_agent.audit.checks`, discovered on demand.

No import-time registry and no singletons: :func:`discover_checks` walks the
package with :mod:`pkgutil` each time it is called (Python caches the modules,
so repeated calls are cheap) and returns plain values a test can filter or fake.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import SERVICES, CheckMeta, Hit
from devops_agent.errors import BadInput

__all__ = ["CHECKS_PACKAGE", "Check", "discover_checks", "select_checks"]

#: The package whose modules are the checks.
CHECKS_PACKAGE = "devops_agent.audit.checks"


@dataclass(frozen=True)
class Check:
    """One check: its metadata and its pure function."""

    meta: CheckMeta
    run: Callable[[Inventory], Iterable[Hit]]
    module: str
    """The module's own name (must equal ``meta.id``)."""


def discover_checks(package: str = CHECKS_PACKAGE) -> list[Check]:
    """Every check module of ``package``, sorted by id.

    A check module defines ``META`` (a :class:`CheckMeta`) and ``check(inventory)``;
    modules whose names start with ``_`` are helpers and are skipped.

    Raises:
        TypeError: a module lacks ``META`` or ``check`` (a programming error).
    """
    root = importlib.import_module(package)
    found: list[Check] = []
    for info in pkgutil.iter_modules(root.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        meta = getattr(module, "META", None)
        run = getattr(module, "check", None)
        if not isinstance(meta, CheckMeta) or not callable(run):
            raise TypeError(
                f"{package}.{info.name} is not a check: it needs META = CheckMeta(...) and "
                "def check(inventory) -> Iterable[Hit]."
            )
        found.append(Check(meta=meta, run=run, module=info.name))
    return sorted(found, key=lambda c: c.meta.id)


def select_checks(
    checks: Sequence[Check],
    services: Iterable[str] | None = None,
    ids: Iterable[str] | None = None,
) -> list[Check]:
    """The checks of some services, optionally only some ids (globs allowed).

    Raises:
        BadInput: an unknown service, or an id pattern that matches no check.
    """
    selected = list(checks)
    if services is not None:
        wanted = {s.strip().lower() for s in services}
        unknown = sorted(wanted - set(SERVICES))
        if unknown:
            raise BadInput(
                f"Unknown audit service: {', '.join(unknown)}. Audits know {', '.join(SERVICES)}."
            )
        selected = [c for c in selected if c.meta.service in wanted]
    if ids is not None:
        patterns = [p.strip() for p in ids if p.strip()]
        known = [c.meta.id for c in checks]
        for pattern in patterns:
            if not any(fnmatchcase(i, pattern) for i in known):
                close = difflib.get_close_matches(pattern, known, n=3)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                raise BadInput(f"No audit check matches '{pattern}'.{hint}")
        selected = [c for c in selected if any(fnmatchcase(c.meta.id, p) for p in patterns)]
    return selected
