"""Finding the checks: every module of :mod:`devops_agent.audit.checks`, discovered on demand.

No import-time registry and no singletons: :func:`discover_checks` walks the
package with :mod:`pkgutil` each time it is called (Python caches the modules,
so repeated calls are cheap) and returns plain values a test can filter or fake.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from devops_agent.audit.inventory import Inventory
from devops_agent.audit.models import SERVICES, CheckMeta, Hit, Threshold
from devops_agent.errors import BadInput

__all__ = ["CHECKS_PACKAGE", "Check", "Limits", "discover_checks", "select_checks", "thresholds"]

Limits = Mapping[str, Any]
"""Threshold values by name (``audit.thresholds`` over the declared defaults)."""

#: The package whose modules are the checks.
CHECKS_PACKAGE = "devops_agent.audit.checks"


@dataclass(frozen=True)
class Check:
    """One check: its metadata and its pure function."""

    meta: CheckMeta
    run: Callable[..., Iterable[Hit]]
    """``check(inventory)``, or ``check(inventory, limits)`` for a check with thresholds."""
    module: str
    """The module's own name (must equal ``meta.id``)."""

    def limits(self, configured: Limits | None = None) -> dict[str, Any]:
        """This check's threshold values: the configured ones over the declared defaults.

        Args:
            configured: The repo config's ``audit.thresholds``; ``None`` for the defaults.

        Returns:
            One value per threshold the check declares; other configured names are
            ignored.
        """
        given = configured or {}
        return {t.name: given.get(t.name, t.default) for t in self.meta.thresholds}

    def judge(self, inventory: Inventory, configured: Limits | None = None) -> list[Hit]:
        """Run the check over ``inventory`` with its thresholds (configured or default).

        Args:
            inventory: What the audit read.
            configured: The repo config's ``audit.thresholds``; ``None`` for the defaults.

        Returns:
            The check's hits, in the order it yields them. Whatever the check raises is
            raised here (:func:`~devops_agent.audit.engine.evaluate` reports it).
        """
        if self.meta.thresholds:
            return list(self.run(inventory, self.limits(configured)))
        return list(self.run(inventory))

    def title(self, configured: Limits | None = None) -> str:
        """The title with its thresholds filled in (``{name}`` in the declared title).

        Args:
            configured: The repo config's ``audit.thresholds``; ``None`` for the defaults.

        Returns:
            The title, a list threshold shown comma-separated
            (``… open only TCP 80, 443 to the internet``).
        """
        if not self.meta.thresholds:
            return self.meta.title
        values = {k: _shown(v) for k, v in self.limits(configured).items()}
        return self.meta.title.format_map(values)


def _shown(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def discover_checks(package: str = CHECKS_PACKAGE) -> list[Check]:
    """Every check module of ``package``, sorted by id.

    A check module defines ``META`` (a :class:`CheckMeta`) and ``check(inventory)``;
    modules whose names start with ``_`` are helpers and are skipped.

    Args:
        package: The dotted package to walk (tests pass one of their own).

    Returns:
        The checks, sorted by id.

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
        wanted = 2 if meta.thresholds else 1
        if len(inspect.signature(run).parameters) != wanted:
            raise TypeError(
                f"{package}.{info.name}: a check with thresholds takes (inventory, limits), "
                "one without takes (inventory)."
            )
        found.append(Check(meta=meta, run=run, module=info.name))
    return sorted(found, key=lambda c: c.meta.id)


def select_checks(
    checks: Sequence[Check],
    services: Iterable[str] | None = None,
    ids: Iterable[str] | None = None,
) -> list[Check]:
    """The checks of some services, optionally only some ids (globs allowed).

    Args:
        checks: The checks to choose from (:func:`discover_checks`).
        services: Service names (any case); all services when ``None``.
        ids: Check ids or globs (``s3_bucket_*``); every check when ``None``.

    Returns:
        The checks of those services whose id matches one of ``ids``, in the given order.

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


def thresholds(checks: Sequence[Check] | None = None) -> dict[str, Threshold]:
    """Every declared threshold by name (one declaration may serve several checks).

    Args:
        checks: The checks; every discovered check when ``None``.

    Returns:
        The thresholds, sorted by name.

    Raises:
        TypeError: two checks declare the same name differently (a programming error).
    """
    found: dict[str, Threshold] = {}
    for check in checks if checks is not None else discover_checks():
        for threshold in check.meta.thresholds:
            if found.setdefault(threshold.name, threshold) != threshold:
                raise TypeError(f"threshold {threshold.name} is declared twice, differently")
    return dict(sorted(found.items()))
