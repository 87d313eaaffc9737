"""The ``audit:`` section of the repo config file (default ``.github/devops-agent.yml``).

::

    audit:
      regions: [us-east-1, eu-west-1]     # default regions (the aws-regions input wins)
      services: [ec2, s3, iam, vpc]       # default services
      suppressions:
        - check: ec2_securitygroup_ssh_restricted   # an id, or a glob like s3_bucket_*
          resource: sg-0123456789abcdef0            # fnmatch pattern on id or ARN (default *)
          reason: Bastion host, restricted by NACL  # required
          expires: 2025-12-31                       # optional; after it the finding is open again
      thresholds:                         # the numbers checks judge by (docs/audit-checks.md)
        console_password_max_unused_days: 90

Other top-level keys belong to other features and are ignored here. Mistakes
raise :class:`~devops_agent.errors.ConfigError` naming the file, the entry and
the problem, so a typo never silently un-suppresses (or suppresses) anything.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, StrictInt, ValidationError

from devops_agent.audit.models import AuditModel, Service, Suppression, Threshold
from devops_agent.errors import ConfigError

__all__ = ["DEFAULT_CONFIG_PATH", "AuditConfig", "load_config"]

#: Where the action looks for the repo config by default (the ``config-file`` input).
DEFAULT_CONFIG_PATH = Path(".github/devops-agent.yml")
_DOCS = "https://github.com/devops-agent/devops-agent/blob/main/docs/audit-checks.md"
_EXAMPLE = (
    "audit:\n"
    "  suppressions:\n"
    "    - check: ec2_securitygroup_ssh_restricted\n"
    "      resource: sg-0123456789abcdef0\n"
    "      reason: Bastion host, reviewed by security\n"
    "      expires: 2025-12-31"
)


class AuditConfig(AuditModel):
    """Audit defaults and accepted risks from the repo config."""

    regions: list[str] = Field(default_factory=list)
    """Regions to audit when the run does not name any."""
    services: list[Service] = Field(default_factory=list)
    """Services to audit when the run does not name any (all when empty)."""
    suppressions: list[Suppression] = Field(default_factory=list)
    """Accepted risks: matching findings are counted as suppressed, not open."""
    thresholds: dict[str, StrictInt | tuple[StrictInt, ...]] = Field(default_factory=dict)
    """Threshold values by name, over the checks' defaults (see docs/audit-checks.md)."""


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text, so pydantic (not PyYAML) judges them and a bad
    one such as 2025-13-01 gets the same clear error as any other mistake."""


_Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_config(
    path: Path,
    *,
    known_checks: Iterable[str] | None = None,
    known_thresholds: dict[str, Threshold] | None = None,
) -> AuditConfig:
    """Read and validate the ``audit:`` section of the repo config.

    Args:
        path: the config file; a missing file (or one without ``audit:``) gives defaults.
        known_checks: check ids suppressions may name; every discovered check when ``None``.
        known_thresholds: thresholds the config may set; every declared one when ``None``.

    Returns:
        The validated configuration.

    Raises:
        ConfigError: unreadable file, invalid YAML, or an invalid entry (the message
            names the file, the entry, e.g. ``audit.suppressions[2]``, and the problem).
    """
    if not path.exists():
        return AuditConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror or exc}.") from exc
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{path} is not valid YAML{where}: {problem}.",
            remedy="Fix the YAML syntax (indentation, a missing colon or quote).",
        ) from exc
    if data is None:
        return AuditConfig()
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the file must be a mapping of keys (such as `audit:`), "
            f"not a {type(data).__name__}.",
            remedy=f"Start it like this:\n{_EXAMPLE}",
        )
    section = data.get("audit")
    if section is None:
        return AuditConfig()
    if not isinstance(section, dict):
        raise ConfigError(
            f"{path}: `audit` must be a mapping (regions, services, suppressions), "
            f"not a {type(section).__name__}.",
            remedy=f"For example:\n{_EXAMPLE}",
        )
    try:
        config = AuditConfig.model_validate(section)
    except ValidationError as exc:
        thresholds_wrong = any(str(e["loc"][0]) == "thresholds" for e in exc.errors() if e["loc"])
        raise ConfigError(
            f"{path}: " + " ".join(_explain(section, e) for e in exc.errors()[:5]),
            remedy=_THRESHOLDS_REMEDY
            if thresholds_wrong
            else f"Each suppression needs `check`, `reason`, and optionally `resource` and "
            f"`expires` (YYYY-MM-DD):\n{_EXAMPLE}",
            link=_DOCS,
        ) from exc
    _check_thresholds(path, config, known_thresholds)
    if known_checks is None:
        from devops_agent.audit.registry import discover_checks

        known_checks = [c.meta.id for c in discover_checks()]
    known = sorted(known_checks)
    for index, entry in enumerate(config.suppressions):
        if not any(fnmatchcase(check_id, entry.check) for check_id in known):
            close = difflib.get_close_matches(entry.check, known, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ConfigError(
                f"{path}: audit.suppressions[{index}] (check: {entry.check!r}): no audit check "
                f"has that id.{hint}",
                remedy="Use a check id from docs/audit-checks.md, or a glob such as s3_bucket_*.",
                link=_DOCS,
            )
    return config


_THRESHOLDS_REMEDY = (
    "Each threshold is a whole number (days, characters, passwords), or a list of ports for "
    "authorized_public_ports:\n"
    "audit:\n  thresholds:\n    console_password_max_unused_days: 90\n"
    "    authorized_public_ports: [80, 443]"
)


def _check_thresholds(path: Path, config: AuditConfig, known: dict[str, Threshold] | None) -> None:
    """Refuse a threshold no check declares, a list where a number is due, and the reverse,
    and values that cannot be meant (zero or negative days, ports outside 0-65535)."""
    if not config.thresholds:
        return
    if known is None:
        from devops_agent.audit.registry import thresholds

        known = thresholds()
    for name, value in config.thresholds.items():
        declared = known.get(name)
        if declared is None:
            close = difflib.get_close_matches(name, list(known), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ConfigError(
                f"{path}: audit.thresholds.{name}: no audit check has that threshold.{hint}",
                remedy="The thresholds and their defaults are listed in docs/audit-checks.md.",
                link=_DOCS,
            )
        listed = isinstance(declared.default, tuple)
        if listed != isinstance(value, tuple):
            shape = "a list of ports, e.g. [80, 443]" if listed else f"a number of {declared.unit}"
            given = list(value) if isinstance(value, tuple) else value
            raise ConfigError(
                f"{path}: audit.thresholds.{name} must be {shape}, not {given!r}.",
                remedy=_THRESHOLDS_REMEDY,
                link=_DOCS,
            )
        numbers = value if isinstance(value, tuple) else (value,)
        low = 0 if listed else 1
        if any(not low <= n <= 65535 for n in numbers):
            what = "ports from 0 to 65535" if listed else f"a positive number of {declared.unit}"
            raise ConfigError(
                f"{path}: audit.thresholds.{name} must be {what}, not {value!r}.",
                remedy=_THRESHOLDS_REMEDY,
                link=_DOCS,
            )


def _explain(section: dict[str, Any], error: Any) -> str:
    """One sentence for one pydantic error, naming the entry as YAML shows it."""
    loc = [str(p) for p in error.get("loc", ())]
    path = "audit"
    for part in loc:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    entry = ""
    if len(loc) >= 2 and loc[0] == "suppressions" and loc[1].isdigit():
        items = section.get("suppressions") or []
        index = int(loc[1])
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            check = items[index].get("check")
            entry = f" (check: {check!r})" if check else ""
    field = loc[-1] if loc else ""
    kind = error.get("type", "")
    given = error.get("input")
    if kind == "missing":
        if field == "reason":
            problem = "`reason` is missing: say why the risk is accepted."
        else:
            problem = f"`{field}` is missing."
    elif kind == "extra_forbidden":
        allowed = {
            "audit": ["regions", "services", "suppressions", "thresholds"],
            "suppression": ["check", "resource", "account", "region", "reason", "expires"],
        }["suppression" if loc[0] == "suppressions" else "audit"]
        close = difflib.get_close_matches(field, allowed, n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        problem = f"unknown key `{field}`{hint}; allowed: {', '.join(allowed)}."
    elif field == "expires":
        problem = f"`expires` must be a date written YYYY-MM-DD, not {given!r}."
    elif loc and loc[0] == "services":
        problem = f"{given!r} is not an audit service (ec2, vpc, s3, iam)."
    elif loc and loc[0] == "thresholds":
        name = loc[1] if len(loc) > 1 else ""
        return f"audit.thresholds.{name}: {given!r} is not a whole number or a list of them."
    else:
        problem = str(error.get("msg", "is invalid")).rstrip(".") + "."
        if field:
            problem = f"`{field}`: {problem}"
    where = path.replace(f".{field}", "") if field and kind != "extra_forbidden" else path
    if kind == "extra_forbidden":
        where = path.rsplit(".", 1)[0]
    return f"{where}{entry}: {problem}"
