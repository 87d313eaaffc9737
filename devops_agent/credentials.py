"""AWS credentials: GitHub OIDC → STS AssumeRoleWithWebIdentity → a boto3 Session.

With ``aws-role-to-assume`` set, the job's OIDC token is exchanged for short-lived
credentials of the **read** role, and an apply exchanges a fresh token for the
**write** role, but only when the token is the protected environment's
(``apply-environment``): the write role never trusts the read role, which any branch's
workflow could obtain. Every credential is masked the moment it exists. Without OIDC,
boto3's ordinary credential chain applies (environment, profile, instance role), which
is what local runs and the sandbox use.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from devops_agent.errors import ConfigError, Refused, ServiceError

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_sts.type_defs import (
        AssumeRoleRequestTypeDef,
        AssumeRoleWithWebIdentityRequestTypeDef,
    )

    from devops_agent.actions import Runner
    from devops_agent.plans import Plan
    from devops_agent.settings import ActionsEnv, Settings

AUDIENCE = "sts.amazonaws.com"
#: The write role lives just long enough to carry out one plan.
WRITE_SESSION_SECONDS = 900


def _source_identity(login: str) -> str:
    """A GitHub login as an STS SourceIdentity (2–64 of ``[A-Za-z0-9_+=,.@-]``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_+=,.@-]", "-", login)[:64]
    return cleaned if len(cleaned) >= 2 else f"gh-{cleaned}"


def _tag_value(value: str) -> str:
    """A session tag value: at most 256 of letters, digits, spaces and ``_.:/=+-@``."""
    return re.sub(r"[^A-Za-z0-9 _.:/=+\-@]", "-", value)[:256]


_OIDC_DOC = "https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services"


def request_id_token(env: ActionsEnv, *, audience: str = AUDIENCE, attempts: int = 4) -> str:
    """Fetch the job's OIDC ID token the way the official toolkit does (GET, bearer, retries).

    Args:
        env: The Actions environment (the token request URL and token).
        audience: The token's audience (``sts.amazonaws.com``).
        attempts: Tries before giving up, with backoff between them.

    Returns:
        The ID token (a JWT).

    Raises:
        ConfigError: the job has no ``id-token: write`` permission.
        ServiceError: GitHub's token service did not answer with a token.
    """
    if not env.id_token_request_url or env.id_token_request_token is None:
        raise ConfigError(
            "aws-role-to-assume is set but the job cannot request an OIDC token "
            "(ACTIONS_ID_TOKEN_REQUEST_URL is missing).",
            remedy="Add `permissions:\\n  id-token: write` to the job. Pull requests from "
            "forks never get a token: run devops-agent on issue_comment, not pull_request.",
            link=_OIDC_DOC,
        )
    joiner = "&" if "?" in env.id_token_request_url else "?"
    url = f"{env.id_token_request_url}{joiner}audience={urllib.parse.quote(audience, safe='')}"
    request = urllib.request.Request(  # noqa: S310 - the runner's own URL
        url,
        headers={
            "Authorization": f"Bearer {env.id_token_request_token.get_secret_value()}",
            "Accept": "application/json",
        },
    )
    last = ""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                value = json.loads(response.read().decode("utf-8")).get("value")
            if value:
                return str(value)
            last = "the answer had no `value`"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code < 500 and exc.code != 429:
                break
        except (OSError, ValueError) as exc:
            last = exc.__class__.__name__
        time.sleep(min(2**attempt * 0.5, 4))
    raise ServiceError(
        f"Could not get the job's OIDC token ({last}).",
        code="OIDCTokenUnavailable",
        remedy="Re-run the job; if it persists, check that the job has `id-token: write`.",
        link=_OIDC_DOC,
    )


def token_claims(token: str) -> dict[str, str]:
    """The (unverified) claims of a JWT, to explain a trust-policy refusal.

    Args:
        token: A JWT.

    Returns:
        Its payload's claims as strings; empty when it cannot be read.
    """
    import base64

    try:
        payload = token.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


class AwsSessions:
    """Builds boto3 Sessions on first use (boto3 is imported only then)."""

    def __init__(self, settings: Settings, env: ActionsEnv, runner: Runner, requester: str) -> None:
        self.settings = settings
        self.env = env
        self.runner = runner
        self.requester = requester
        self._read: boto3.Session | None = None
        #: What the last write session was assumed with, for the apply's audit line:
        #: ``session_name``, ``source_identity``, ``tags``, ``packed_policy_size``, ``arn``.
        self.write_info: dict[str, Any] = {}

    def read(self) -> boto3.Session:
        """The read-only session every command and tool uses.

        Returns:
            The read role's session (assumed through OIDC when ``aws-role-to-assume`` is set,
            else the ambient credentials); built once.
        """
        if self._read is None:
            self._read = self._build_read()
        return self._read

    def write(self, plan: Plan, *, approver: str, policy: str | None = None) -> boto3.Session:
        """A short-lived session of the **write** role, for carrying out one approved plan.

        With OIDC (``aws-role-to-assume`` set) the write role is assumed straight from a
        fresh OIDC token of this job, never chained from the read role: its trust policy
        accepts only tokens of the protected environment (``apply-environment``), which
        branch workflows cannot get. The token's ``sub`` is checked here too, so a wrong
        set-up is refused with the claims shown instead of failing deep in STS. The session
        is named after the plan and the approver, so CloudTrail shows who approved.

        Without OIDC (self-hosted runners, local stand-ins) the write role is chained from
        the ambient credentials with ``SourceIdentity`` = the approver and session tags
        naming the repository, PR, plan and both people.

        ``policy`` is the plan's session policy (:mod:`devops_agent.session_policy`): the
        session may do only what both the role and it allow. ``AssumeRoleWithWebIdentity``
        takes no ``SourceIdentity`` or ``Tags``: those would have to come from the token's
        ``https://aws.amazon.com/source_identity`` and ``…/tags`` claims, which GitHub's
        tokens do not carry, so with OIDC the session name is what names the approver.

        Args:
            plan: The plan being carried out (its id names the session; its repository,
                thread and people become session tags without OIDC).
            approver: The login of the person applying the plan.
            policy: The plan's session policy JSON; ``None`` for the role's own policy.

        Returns:
            A session of the write role for :data:`WRITE_SESSION_SECONDS`, its credentials
            masked in the log; what it was assumed with is kept in ``write_info``.

        Raises:
            Refused: No ``aws-write-role-to-assume`` is set; the job's OIDC token is not the
                ``apply-environment``'s (or that input is unset); or STS found the packed
                session policy too large.
            ConfigError: The job cannot request an OIDC token (no ``id-token: write``).
            ServiceError: STS refused the role (its trust policy), or could not be reached,
                or GitHub's token service did not answer.
        """
        role = self.settings.aws_write_role_to_assume
        if not role:
            raise Refused(
                "No aws-write-role-to-assume is configured, so devops-agent can carry out no "
                "AWS change.",
                remedy="Set `aws-write-role-to-assume:` to a role that trusts GitHub's OIDC "
                "tokens of the protected apply environment (docs/security.md), then apply the "
                "plan again.",
            )
        name = f"devops-agent-apply-{plan.plan_id}-{_source_identity(approver)}"[:64]
        if self.settings.aws_role_to_assume:
            token = request_id_token(self.env)
            self.runner.mask(token)
            self._check_pinned(token)
            self.write_info = {"session_name": name, "source_identity": "", "tags": {}}
            return self._assume(
                role, token, name=name, seconds=WRITE_SESSION_SECONDS, policy=policy
            )
        return self._chain(role, plan, approver, name, policy)

    def _check_pinned(self, token: str) -> None:
        """Refuse a token that is not the protected environment's (``apply-environment``)."""
        claims = token_claims(token)
        wanted = self.settings.apply_environment
        expected = f"repo:{self.env.repository}:environment:{wanted}"
        sub = claims.get("sub", "")
        # A repository may customise the sub template (e.g. add `job_workflow_ref`): the
        # default form may then be followed by more `:key:value` pairs.
        pinned = sub.lower() == expected.lower() or sub.lower().startswith(expected.lower() + ":")
        if wanted and pinned and claims.get("environment", wanted).lower() == wanted.lower():
            return
        shown = _shown_claims(claims)
        if not wanted:
            raise Refused(
                "apply-environment is not set, so devops-agent cannot tell that this job may "
                f"use the write role. The token's claims: {shown or 'unreadable'}.",
                remedy="Run applies in a protected environment that only the default branch may "
                "use: give the job `environment: devops-agent`, set `apply-environment: "
                "devops-agent`, and let the write role trust only the `sub` "
                f"`repo:{self.env.repository}:environment:devops-agent` (docs/security.md).",
                link=_OIDC_DOC,
            )
        raise Refused(
            f"This job's OIDC token is not the protected environment's: its `sub` is {sub!r}, "
            f"applying needs {expected!r}. The token's claims: {shown or 'unreadable'}.",
            remedy=f"Give the job that applies plans `environment: {wanted}` (deployment "
            "branches: the default branch only).",
            link=_OIDC_DOC,
        )

    def _chain(
        self, role: str, plan: Plan, approver: str, name: str, policy: str | None
    ) -> boto3.Session:
        """The write role chained from the ambient credentials, tagged with who approved."""
        from botocore.exceptions import BotoCoreError, ClientError

        from devops_agent.aws import BOTO_CONFIG

        sts = self.read().client("sts", config=BOTO_CONFIG)
        tags = {
            "repository": plan.repository,
            "pull-request": str(plan.thread),
            "plan-id": plan.plan_id,
            "requester": plan.requester,
            "approver": approver,
        }
        shown = {k: _tag_value(v) for k, v in tags.items() if v}
        self.write_info = {
            "session_name": name,
            "source_identity": _source_identity(approver),
            "tags": shown,
        }
        request: AssumeRoleRequestTypeDef = {
            "RoleArn": role,
            "RoleSessionName": name,
            "DurationSeconds": WRITE_SESSION_SECONDS,
            "SourceIdentity": _source_identity(approver),
            "Tags": [{"Key": k, "Value": v} for k, v in shown.items()],
        }
        if policy:
            request["Policy"] = policy
        try:
            answer = sts.assume_role(**request)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "PackedPolicyTooLarge":
                raise _too_large(exc) from None
            raise ServiceError(
                f"AWS refused to let these credentials assume the write role {role} ({code}).",
                code=code,
                remedy="Without OIDC the write role's trust policy must allow sts:AssumeRole, "
                "sts:SetSourceIdentity and sts:TagSession for the runner's own role.",
            ) from None
        except BotoCoreError as exc:
            raise ServiceError(f"Could not reach AWS STS: {exc}.", code="STSUnreachable") from None
        self._noted(answer)
        return self._session(answer["Credentials"])

    def _noted(self, answer: Mapping[str, Any]) -> None:
        """Keep what STS said about the session for the audit line."""
        self.write_info["packed_policy_size"] = answer.get("PackedPolicySize")
        self.write_info["arn"] = (answer.get("AssumedRoleUser") or {}).get("Arn", "")

    def _session(self, creds: Mapping[str, Any]) -> boto3.Session:
        """A session of assumed-role credentials, each masked the moment it exists."""
        import boto3

        for secret in (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]):
            self.runner.mask(secret)
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=self.settings.aws_region,
        )

    def _build_read(self) -> boto3.Session:
        import boto3

        role = self.settings.aws_role_to_assume
        if not role:
            return boto3.Session(region_name=self.settings.aws_region)
        token = request_id_token(self.env)
        self.runner.mask(token)
        name = f"devops-agent-{self.env.run_id or 'local'}"[:64]
        return self._assume(role, token, name=name, seconds=3600)

    def _assume(
        self, role: str, token: str, *, name: str, seconds: int, policy: str | None = None
    ) -> boto3.Session:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        from devops_agent.aws import BOTO_CONFIG

        sts = boto3.Session(region_name=self.settings.aws_region).client("sts", config=BOTO_CONFIG)
        request: AssumeRoleWithWebIdentityRequestTypeDef = {
            "RoleArn": role,
            "RoleSessionName": name,
            "WebIdentityToken": token,
            "DurationSeconds": seconds,
        }
        if policy:
            request["Policy"] = policy
        try:
            answer = sts.assume_role_with_web_identity(**request)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "PackedPolicyTooLarge":
                raise _too_large(exc) from None
            shown = _shown_claims(token_claims(token))
            raise ServiceError(
                f"AWS refused to let this workflow assume {role} ({code}). "
                f"The token's claims: {shown or 'unreadable'}.",
                code=code,
                remedy="The role's trust policy must trust the OIDC provider "
                f"token.actions.githubusercontent.com with `aud` = {AUDIENCE} and a `sub` "
                "condition that matches the `sub` above (the read role: "
                f"repo:{self.env.repository}:environment:NAME or the default branch; the write "
                "role: the protected environment only).",
                link=_OIDC_DOC,
            ) from None
        except BotoCoreError as exc:
            raise ServiceError(f"Could not reach AWS STS: {exc}.", code="STSUnreachable") from None
        if policy:
            self._noted(answer)
        return self._session(answer["Credentials"])


def _too_large(exc: Exception) -> Refused:
    """STS packs the session policy with the session's tags; together they were too big."""
    return Refused(
        f"AWS STS refused the plan's session policy as too large once packed ({exc}); "
        "nothing was carried out.",
        remedy="Split the change into smaller plans and apply them one after the other.",
    )


def _shown_claims(claims: Mapping[str, str]) -> str:
    """The claims a trust policy conditions on, as ``name=value, …``."""
    return ", ".join(
        f"{name}={claims[name]}"
        for name in ("sub", "aud", "repository", "ref", "environment", "job_workflow_ref")
        if claims.get(name)
    )
