"""Cloning a repository into the workspace without the token ever touching disk or a URL.

The token reaches git only through the environment of the one ``git clone`` process,
as an ``http.<server>/.extraHeader`` setting (``GIT_CONFIG_COUNT``/``_KEY_n``/``_VALUE_n``,
git 2.31+). So it is not in the clone URL, not in ``.git/config`` (git never writes
environment settings there), not in the process's arguments (``ps`` shows none), and it
is sent only to the GitHub server named, never to another host. Credential helpers are
switched off for the command, so none can store it either. Whatever git prints is
redacted before it is shown.

``repo clone`` writes into the workspace at once, outside a plan: the agent does not
get it.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from devops_agent.errors import BadInput, ConfigError, ServiceError
from devops_agent.gh.common import GhModel, RepoArgs, check_repository, repository_of
from devops_agent.operation import Command, Read, Reader
from devops_agent.report import Result, plural

#: Seconds a clone may take before it is stopped.
CLONE_TIMEOUT = 300.0


class CloneResult(GhModel):
    """Where a clone landed and what it holds."""

    repository: str
    path: str
    """Absolute path of the working tree."""
    head: str
    """Commit checked out (HEAD)."""
    branch: str
    """Branch checked out (empty for a detached HEAD)."""
    shallow: bool
    """True when history was cut at ``depth`` commits."""
    depth: int | None = None


def clone_url(server_url: str, repository: str) -> str:
    """``https://github.com/OWNER/NAME.git`` (or the GHES server's), never with credentials.

    Args:
        server_url: The GitHub server (``GITHUB_SERVER_URL``).
        repository: The repository, ``owner/name``.

    Returns:
        The HTTPS clone URL.
    """
    return f"{server_url.rstrip('/')}/{check_repository(repository)}.git"


def auth_environment(server_url: str, token: str) -> dict[str, str]:
    """Environment entries that make git send the token to ``server_url`` only.

    Args:
        server_url: The GitHub server (``GITHUB_SERVER_URL``).
        token: The token to send.

    Returns:
        ``GIT_CONFIG_*`` entries for an ``http.<server>.extraheader``; the token never lands in
        a file or a URL.
    """
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{server_url.rstrip('/')}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
    }


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[REDACTED]")
    return text


def clone(
    url: str,
    dest: Path,
    *,
    repository: str,
    token: str | None = None,
    server_url: str = "",
    depth: int | None = 1,
    ref: str | None = None,
    timeout: float = CLONE_TIMEOUT,
) -> CloneResult:
    """Clone ``url`` into ``dest`` (which must not exist yet).

    Args:
        url: what to clone: :func:`clone_url`, or a ``file://`` URL (tests, mirrors).
        dest: the new working tree.
        repository: ``owner/name``, for the result and messages.
        token: sent as an HTTP header to ``server_url`` only; never written anywhere.
        server_url: the GitHub server the token belongs to (``GITHUB_SERVER_URL``).
        depth: commits of history to fetch (``None`` for all); 1 by default.
        ref: branch or tag to check out (the default branch when omitted).
        timeout: seconds before the clone is stopped.

    Returns:
        The repository, the working tree's path, the commit checked out and its ref.

    Raises:
        ConfigError: git is not installed, or a token comes without its server.
        BadInput: ``dest`` exists, a depth under 1, or a ref that is not a branch or tag name.
        ServiceError: git failed or timed out.
    """
    git = shutil.which("git")
    if git is None:
        raise ConfigError("git is not installed on this runner; `repo clone` needs it.")
    if dest.exists():
        raise BadInput(
            f"{dest} already exists; nothing was cloned.", remedy="Remove it or clone elsewhere."
        )
    if depth is not None and depth < 1:
        raise BadInput("--depth must be 1 or more.")
    if ref is not None and (ref.startswith("-") or not ref.strip()):
        raise BadInput(f"'{ref}' is not a branch or tag name.")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_CONFIG_") and k not in ("GIT_ASKPASS", "SSH_ASKPASS")
    }
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", GCM_INTERACTIVE="never")
    basic = ""
    if token:
        if not server_url:
            raise ConfigError("A token needs the server it belongs to (GITHUB_SERVER_URL).")
        extra = auth_environment(server_url, token)
        env.update(extra)
        basic = extra["GIT_CONFIG_VALUE_0"].removeprefix("AUTHORIZATION: basic ")
    args = [git, "-c", "credential.helper=", "clone", "--quiet", "--no-tags"]
    if depth is not None:
        args += ["--depth", str(depth)]
    if ref:
        args += ["--branch", ref]
    args += ["--", url, str(dest)]
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
            args, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        shutil.rmtree(dest, ignore_errors=True)
        raise ServiceError(
            f"Cloning {repository} took longer than {timeout:.0f} s and was stopped.",
            code="timeout",
            remedy="Clone with a smaller --depth.",
        ) from None
    if proc.returncode != 0:
        shutil.rmtree(dest, ignore_errors=True)
        message = _scrub(proc.stderr.strip() or proc.stdout.strip(), [token or "", basic])
        raise ServiceError(
            f"git could not clone {repository}: {message[-500:]}",
            code=f"git-{proc.returncode}",
            remedy="Check the repository name and that the token can read its contents "
            "(`contents: read`).",
        )

    def rev(*what: str) -> str:
        out = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
            [git, "-C", str(dest), *what], capture_output=True, text=True, check=False
        )
        return out.stdout.strip()

    return CloneResult(
        repository=repository,
        path=str(dest.resolve()),
        head=rev("rev-parse", "HEAD"),
        branch=rev("branch", "--show-current"),
        shallow=rev("rev-parse", "--is-shallow-repository") == "true",
        depth=depth,
    )


# --------------------------------------------------------------------------- operation


def _depth(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise BadInput(f"--depth takes a number of commits (0 for all), not '{value}'.")
        return int(value)
    return value


class CloneArgs(RepoArgs):
    """Arguments of ``repo clone``."""

    depth: Annotated[int, Field(ge=0), BeforeValidator(_depth)] = 1
    """Commits of history to fetch; 0 for the whole history."""
    ref: str | None = None
    """Branch or tag to check out; null for the default branch."""


def _destination(reader: Reader, repository: str) -> Path:
    from devops_agent.aws.workspace_files import protected

    dest = reader.workspace.resolve() / repository.split("/")[1]
    if protected(dest.name):  # an org's `.github` repository would plant workflows
        raise BadInput(
            f"Cloning {repository} would write into '{dest.name}', where files are run or "
            "trusted later (.git, .github, .devops-agent); nothing was cloned."
        )
    return dest


def _clone(reader: Reader, args: CloneArgs) -> CloneResult:
    repository = repository_of(reader, args.repository)
    server = reader.env.server_url
    token = reader.settings.github_token
    return clone(
        clone_url(server, repository),
        _destination(reader, repository),
        repository=repository,
        token=token.get_secret_value() if token else None,
        server_url=server,
        depth=args.depth or None,
        ref=args.ref,
    )


def _cloned(reader: Reader, args: CloneArgs, result: CloneResult) -> Result:
    workspace = reader.workspace.resolve()
    where = Path(result.path).relative_to(workspace)
    depth = result.depth
    history = f"last {plural(depth, 'commit')}" if result.shallow and depth else "full history"
    return Result(
        title=f"Cloned {result.repository} into {where}",
        text=f"`{result.branch or 'detached'}` at `{result.head[:12]}` ({history}).",
        data={"clone": result.model_dump(mode="json")},
    )


CLONE = Read(
    name="github.clone_repository",
    args=CloneArgs,
    summary="Clone into the workspace (shallow by default; the token is never written down).",
    service="github",
    commands=(
        Command(
            "repo clone [REPO] [--depth N] [--ref REF]",
            "Clone into the workspace (shallow by default; the token is never written down).",
        ),
    ),
    agent="it writes into the workspace at once, outside a plan",
    github=("contents: read",),
    timeout=CLONE_TIMEOUT + 30,
    read=_clone,
    render=_cloned,
    source="GitHub",
)

OPERATIONS = (CLONE,)
