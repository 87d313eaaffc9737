"""Inputs and the Actions environment, parsed once into typed, validated models.

Inputs arrive as ``INPUT_<NAME>`` with the name upper-cased and hyphens kept
(``INPUT_GITHUB-TOKEN``), the way GitHub passes them to Docker actions; the
underscore spelling (``INPUT_GITHUB_TOKEN``) is accepted too, for shells and
other runners. Secrets are ``SecretStr``: they never show in a ``repr`` or a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from devops_agent.errors import ConfigError
from devops_agent.signing import MIN_KEY_CHARS, SigningKey

Permission = Literal["read", "triage", "write", "maintain", "admin"]
Severity = Literal["never", "low", "medium", "high", "critical"]
AuditFormat = Literal["json", "ocsf", "asff", "markdown"]
OpenAIApi = Literal["responses", "chat_completions"]

#: Used when the ``model`` input is empty. A current, fast and inexpensive model.
DEFAULT_MODEL = "gpt-5-mini"

_TRUE = {"true", "True", "TRUE", "1", "yes"}
_FALSE = {"false", "False", "FALSE", "0", "no", ""}


def read_input(env: Mapping[str, str], name: str) -> str:
    """The input ``name`` from ``env``, in either spelling, trimmed; ``""`` when unset.

    Args:
        env: The process environment.
        name: The input's name as action.yml spells it (``aws-region``).

    Returns:
        The value, trimmed, or ``""``.
    """
    upper = name.upper()
    for key in (f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"):
        value = env.get(key)
        if value is not None and value.strip():
            return value.strip()
    return ""


#: Inputs whose values never appear in a message.
_SECRET_INPUTS = frozenset({"github_token", "openai_api_key", "plan_signing_key"})


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace("\n", ",").split(",") if part.strip())


class Settings(BaseModel):
    """The action's inputs (docs/configuration.md, generated from action.yml), validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    github_token: SecretStr | None = None
    """Token for GitHub API calls; the workflow's ``github.token`` by default."""
    trigger: str = "/devops"
    """Comment prefix that addresses the agent."""
    command: str = ""
    """Command or request for ``workflow_dispatch`` and ``schedule`` runs."""
    min_permission: Permission = "write"
    """Lowest repository role a commenter needs."""
    allowed_users: tuple[str, ...] = ()
    """When set, only these logins (lower-cased) may run commands."""
    aws_region: str = "us-east-1"
    """Default region for AWS commands."""
    aws_regions: tuple[str, ...] = ()
    """Regions scanned by audits; the default region when empty."""
    aws_role_to_assume: str = ""
    """Read-only role assumed through GitHub OIDC."""
    aws_write_role_to_assume: str = ""
    """Role used only to carry out an approved plan."""
    openai_api_key: SecretStr | None = None
    """Without it only the command language works."""
    openai_base_url: str = ""
    """OpenAI-compatible endpoint; wins over ``OPENAI_BASE_URL``."""
    model: str = DEFAULT_MODEL
    """Model name for the agent."""
    openai_api: OpenAIApi = "responses"
    """Which OpenAI API the agent speaks: ``responses`` or ``chat_completions`` (for servers
    that only offer ``/chat/completions``) (extension of §3)."""
    trace_export: bool = False
    """When true, agent traces are also exported to OpenAI's trace viewer; by default they
    stay in a local file only (extension of §3)."""
    web_search: bool = False
    """When true, the knowledge specialist may search the web (OpenAI's hosted web search:
    queries leave the runner); Responses API only (extension of §3)."""
    max_turns: int = Field(10, ge=1, le=100)
    """Agent turn limit."""
    max_cost_usd: float | None = Field(None, gt=0, le=10_000)
    """Most the agent may spend on model calls in one run, in US dollars; it stops before a
    call that would pass it. Empty: no limit (extension of §3)."""
    otel_endpoint: str = ""
    """OTLP/HTTP endpoint the run's trace spans are also exported to (e.g.
    ``http://collector:4318/v1/traces``); empty: none. Needs the ``otel`` extra
    (extension of §3)."""
    timeout_seconds: int = Field(600, ge=1, le=6 * 3600)
    """Whole-run limit."""
    config_file: str = ".github/devops-agent.yml"
    """Repository config file, relative to the workspace."""
    fail_on: Severity = "never"
    """Audit severity that fails the step."""
    dry_run: bool = False
    """Never carry anything out, even an approved plan."""
    audit_format: tuple[AuditFormat, ...] = ("json",)
    """Report files an audit writes under ``.devops-agent/`` besides ``report.json``: OCSF,
    ASFF, Markdown (extension of §3)."""
    securityhub_import: bool = False
    """When true, an audit sends its findings to AWS Security Hub (BatchImportFindings) with
    the read role (extension of §3)."""
    apply_min_permission: Permission | None = None
    """Lowest role that may apply a plan; ``min-permission`` when unset (extension of §3)."""
    require_second_approver: bool = False
    """When true, the person who applies a plan must not be the one who asked for it."""
    plan_expiry_hours: int = Field(24, ge=1, le=24 * 14)
    """How long a plan may wait for its apply."""
    plan_signing_key: SecretStr | None = None
    """HMAC key that signs plans and their state; without it plans cannot be applied. Kept in
    a protected environment that only the default branch may use (extension of §3)."""
    apply_environment: str = ""
    """The protected environment applies run in: the write role is assumed only with an OIDC
    token whose ``sub`` is ``repo:OWNER/REPO:environment:NAME`` (extension of §3)."""

    @field_validator("plan_signing_key")
    @classmethod
    def _key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_KEY_CHARS:
            raise ValueError(f"must have at least {MIN_KEY_CHARS} characters")
        return value

    @field_validator("apply_environment")
    @classmethod
    def _environment_name(cls, value: str) -> str:
        value = value.strip()
        if value and (len(value) > 255 or any(c.isspace() or c in ":*'\"\\" for c in value)):
            raise ValueError("must be the name of a GitHub environment, such as devops-agent")
        return value

    @field_validator("trigger")
    @classmethod
    def _trigger_not_blank(cls, value: str) -> str:
        if not value.strip() or any(c.isspace() for c in value.strip()):
            raise ValueError("must be one word such as /devops")
        return value.strip()

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions to scan: ``aws-regions`` or else the default region."""
        return self.aws_regions or (self.aws_region,)

    @property
    def signing_key(self) -> SigningKey | None:
        """The plan-signing key, or ``None`` when the input is empty."""
        if self.plan_signing_key is None:
            return None
        return SigningKey(self.plan_signing_key.get_secret_value())

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read every input from ``env``; raise :class:`ConfigError` naming the bad one.

        Args:
            env: The process environment (``INPUT_*`` in either spelling).

        Returns:
            The validated settings; secrets as ``SecretStr``.

        Raises:
            ConfigError: an input has a value its field rejects; the message names the input.
        """
        raw: dict[str, object] = {}
        for field_name in cls.model_fields:
            value = read_input(env, field_name.replace("_", "-"))
            if not value:
                continue
            if field_name in ("allowed_users", "aws_regions", "audit_format"):
                parts = _csv(value)
                raw[field_name] = (
                    tuple(p.lower().lstrip("@") for p in parts)
                    if field_name == "allowed_users"
                    else tuple(p.lower() for p in parts)
                    if field_name == "audit_format"
                    else parts
                )
            elif field_name in (
                "dry_run",
                "require_second_approver",
                "trace_export",
                "web_search",
                "securityhub_import",
            ):
                name = field_name.replace("_", "-")
                if value not in _TRUE | _FALSE:
                    raise ConfigError(
                        f"Input {name} is {value!r}, not a boolean.",
                        remedy=f"Use {name}: true or {name}: false.",
                    )
                raw[field_name] = value in _TRUE
            elif field_name in ("min_permission", "fail_on", "apply_min_permission"):
                raw[field_name] = value.lower()
            elif field_name == "openai_api":
                raw[field_name] = value.lower().replace("-", "_")
            else:
                raw[field_name] = value
        if "github_token" not in raw:
            # Local runs: the token gh and most tools read.
            token = (env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or "").strip()
            if token:
                raw["github_token"] = token
        key = raw.get("plan_signing_key")
        if isinstance(key, str) and len(key) < MIN_KEY_CHARS:
            raise ConfigError(
                f"Input plan-signing-key has fewer than {MIN_KEY_CHARS} characters.",
                remedy="Generate one with `openssl rand -hex 32` and store it as a secret of the "
                "protected environment the job uses.",
            )
        try:
            settings = cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]).replace("_", "-") if first["loc"] else "?"
            given = raw.get(name.replace("-", "_"), "")
            if name.replace("-", "_") in _SECRET_INPUTS:
                given = "(secret)"
            raise ConfigError(
                f"Input {name} is {given!r}: {first['msg']}.",
                remedy=f"Fix `{name}:` under `with:` in the workflow step that uses devops-agent.",
            ) from None
        if settings.otel_endpoint and not settings.otel_endpoint.startswith(
            ("http://", "https://")
        ):
            raise ConfigError(
                f"Input otel-endpoint is {settings.otel_endpoint!r}, not an http(s) URL.",
                remedy="Give the collector's OTLP/HTTP traces endpoint, such as "
                "http://localhost:4318/v1/traces.",
            )
        if settings.web_search and settings.openai_api == "chat_completions":
            raise ConfigError(
                "Input web-search is true, but web search is a hosted tool of the Responses "
                "API and openai-api is chat_completions.",
                remedy="Set openai-api: responses, or web-search: false.",
            )
        return settings


class ActionsEnv(BaseModel):
    """The standard GitHub Actions environment variables the agent reads."""

    model_config = ConfigDict(frozen=True)

    event_name: str = ""
    event_path: Path | None = None
    repository: str = ""
    api_url: str = "https://api.github.com"
    server_url: str = "https://github.com"
    run_id: str = ""
    run_attempt: int = 1
    sha: str = ""
    actor: str = ""
    triggering_actor: str = ""
    """Who started this attempt (``GITHUB_TRIGGERING_ACTOR``): on a re-run, the person who
    pressed *Re-run*, not the author of the event being replayed."""
    workspace: Path = Path()
    output: Path | None = None
    step_summary: Path | None = None
    id_token_request_url: str = ""
    id_token_request_token: SecretStr | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionsEnv:
        """Read the ``GITHUB_*`` and ``ACTIONS_ID_TOKEN_*`` variables from ``env``.

        Args:
            env: The process environment.

        Returns:
            The Actions environment, every value trimmed (empty when unset).
        """

        def get(name: str) -> str:
            return env.get(name, "").strip()

        attempt = get("GITHUB_RUN_ATTEMPT")
        return cls(
            event_name=get("GITHUB_EVENT_NAME"),
            event_path=Path(get("GITHUB_EVENT_PATH")) if get("GITHUB_EVENT_PATH") else None,
            repository=get("GITHUB_REPOSITORY"),
            api_url=(get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            server_url=(get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
            run_id=get("GITHUB_RUN_ID"),
            run_attempt=int(attempt) if attempt.isdigit() else 1,
            sha=get("GITHUB_SHA"),
            actor=get("GITHUB_ACTOR"),
            triggering_actor=get("GITHUB_TRIGGERING_ACTOR"),
            workspace=Path(get("GITHUB_WORKSPACE") or "."),
            output=Path(get("GITHUB_OUTPUT")) if get("GITHUB_OUTPUT") else None,
            step_summary=Path(get("GITHUB_STEP_SUMMARY")) if get("GITHUB_STEP_SUMMARY") else None,
            id_token_request_url=get("ACTIONS_ID_TOKEN_REQUEST_URL"),
            id_token_request_token=SecretStr(get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
            if get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
            else None,
        )

    @property
    def run_url(self) -> str:
        """Link to this workflow run (and its job summary), or ``""`` outside Actions."""
        if not (self.repository and self.run_id):
            return ""
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
