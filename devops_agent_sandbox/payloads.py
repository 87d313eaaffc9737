"""Actions event payloads shaped like GitHub's real webhooks, for tests and the demo.

The templates come from ``github_shapes.json`` (extracted from ``@octokit/webhooks-examples``
and ``@octokit/openapi``), so a payload carries the same keys GitHub sends rather than the
few a test author remembers. The shared helpers here (``shape``, ``fill``, ``user_object``,
``node_id``) are also what :mod:`devops_agent_sandbox.github` builds its responses from,
which keeps ids and URLs consistent between an event payload and the fake REST API.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import urllib.parse
import zlib
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "comment_event",
    "dispatch_event",
    "fill",
    "node_id",
    "now_iso",
    "schedule_event",
    "shape",
    "stable_id",
    "user_object",
]

#: Users whose ids are well known on github.com; keeping them makes payloads look real.
KNOWN_USER_IDS: dict[str, int] = {"octocat": 1, "github-actions[bot]": 41898282, "github": 9919}
DEFAULT_WORKFLOW = ".github/workflows/devops-agent.yml"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@cache
def _shapes() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("github_shapes.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def shape(name: str) -> Any:
    """A fresh copy of one documented example object (callers mutate it freely)."""
    return copy.deepcopy(_shapes()[name])


def fill(template: Any, values: dict[str, Any]) -> Any:
    """Replace ``${name}`` markers in every string of ``template``; unknown markers stay."""
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    if isinstance(template, str) and "${" in template:
        return _PLACEHOLDER.sub(
            lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template
        )
    return template


def now_iso() -> str:
    """GitHub's timestamp format: ISO-8601, seconds, ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: int) -> str:
    """GitHub's legacy global node id (``MDQ6VXNlcjE=`` is ``04:User1``)."""
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def stable_id(text: str, base: int = 10_000_000) -> int:
    """A deterministic id for a name, so the same login or repo gets the same id everywhere."""
    return base + zlib.crc32(text.encode()) % 90_000_000


def user_id(login: str) -> int:
    """The id a login has in payloads and in the fake API alike."""
    return KNOWN_USER_IDS.get(login) or stable_id(login)


def user_object(
    login: str,
    *,
    user_type: str = "User",
    api_url: str = "https://api.github.com",
    server_url: str = "https://github.com",
) -> dict[str, Any]:
    """A ``simple-user`` object; bots get GitHub's ``/apps/<slug>`` html_url and ``Bot`` type."""
    uid = user_id(login)
    obj: dict[str, Any] = fill(
        shape("simple_user"),
        {
            "api": api_url,
            "server": server_url,
            "login_q": urllib.parse.quote(login, safe=""),
            "id": uid,
        },
    )
    kind = {"Bot": "Bot", "Organization": "Organization"}.get(user_type, "User")
    obj.update(login=login, id=uid, node_id=node_id(kind, uid), type=user_type, site_admin=False)
    if user_type == "Bot" and login.endswith("[bot]"):
        obj["html_url"] = f"{server_url}/apps/{login.removesuffix('[bot]')}"
    return obj


def repository_object(
    repo: str,
    *,
    api_url: str,
    server_url: str,
    repo_id: int | None = None,
    default_branch: str = "main",
    private: bool = False,
    owner_type: str = "User",
) -> dict[str, Any]:
    """The ``repository`` object webhook payloads carry (webhooks-examples shape)."""
    owner, name = repo.split("/", 1)
    host = urllib.parse.urlsplit(server_url).netloc
    obj: dict[str, Any] = fill(
        shape("webhook_repository"),
        {"api": api_url, "server": server_url, "full_name": repo, "owner": owner, "host": host},
    )
    rid = repo_id if repo_id is not None else stable_id(repo, base=100_000_000)
    obj.update(
        id=rid,
        node_id=node_id("Repository", rid),
        name=name,
        full_name=repo,
        private=private,
        visibility="private" if private else "public",
        owner=user_object(owner, user_type=owner_type, api_url=api_url, server_url=server_url),
        default_branch=default_branch,
    )
    return obj


def _reactions_rollup(url: str) -> dict[str, Any]:
    return {
        "url": url,
        "total_count": 0,
        "+1": 0,
        "-1": 0,
        "laugh": 0,
        "hooray": 0,
        "confused": 0,
        "heart": 0,
        "rocket": 0,
        "eyes": 0,
    }


def comment_event(
    repo: str,
    number: int,
    body: str,
    *,
    login: str = "octocat",
    user_type: str = "User",
    action: str = "created",
    is_pr: bool = False,
    comment_id: int = 1,
    author_association: str = "OWNER",
    server_url: str = "https://github.com",
    api_url: str = "https://api.github.com",
    issue_id: int | None = None,
    issue_title: str = "Infrastructure",
    issue_body: str | None = "",
    issue_user: str | None = None,
    issue_state: str = "open",
    labels: list[dict[str, Any]] | None = None,
    repo_id: int | None = None,
    default_branch: str = "main",
    private: bool = False,
    changes_from: str | None = None,
    created_at: str | None = None,
) -> dict[str, Any]:
    """An ``issue_comment`` payload (created, edited or deleted) on an issue or a PR.

    As on GitHub, a PR comment's issue only has a ``pull_request`` key with URLs: the payload
    never carries the PR's head sha, so the action must fetch the PR to find it. ``edited``
    adds ``changes.body.from`` (``changes_from``, default: the body itself).
    """
    if action not in {"created", "edited", "deleted"}:
        raise ValueError(f"unknown issue_comment action: {action!r}")
    ts = created_at or now_iso()
    values = {
        "api": api_url,
        "server": server_url,
        "full_name": repo,
        "number": number,
        "id": comment_id,
    }
    payload: dict[str, Any] = fill(shape("webhook_issue_comment"), values)
    payload["action"] = action
    commenter = user_object(login, user_type=user_type, api_url=api_url, server_url=server_url)
    iid = issue_id if issue_id is not None else stable_id(f"{repo}#{number}", base=1_000_000_000)

    issue = payload["issue"]
    issue.update(
        id=iid,
        node_id=node_id("PullRequest" if is_pr else "Issue", iid),
        number=number,
        title=issue_title,
        body=issue_body,
        user=user_object(
            issue_user or login,
            user_type=user_type if issue_user is None else "User",
            api_url=api_url,
            server_url=server_url,
        ),
        labels=list(labels or []),
        state=issue_state,
        created_at=ts,
        updated_at=ts,
        author_association=author_association,
        reactions=_reactions_rollup(f"{api_url}/repos/{repo}/issues/{number}/reactions"),
    )
    if is_pr:  # on a PR, GitHub's html_urls point at /pull/N rather than /issues/N
        issue["pull_request"] = fill(shape("issue_pull_request"), values)
        issue["html_url"] = issue["pull_request"]["html_url"]
        payload["comment"]["html_url"] = f"{issue['html_url']}#issuecomment-{comment_id}"

    comment = payload["comment"]
    comment.update(
        id=comment_id,
        node_id=node_id("IssueComment", comment_id),
        user=commenter,
        body=body,
        created_at=ts,
        updated_at=ts,
        author_association=author_association,
        performed_via_github_app=None,
    )
    payload["repository"] = repository_object(
        repo,
        api_url=api_url,
        server_url=server_url,
        repo_id=repo_id,
        default_branch=default_branch,
        private=private,
    )
    payload["sender"] = copy.deepcopy(commenter)
    if action == "edited":
        payload = {
            "action": action,
            "changes": fill(
                shape("webhook_issue_comment_edited_changes"),
                {"from": body if changes_from is None else changes_from},
            ),
            **{k: v for k, v in payload.items() if k != "action"},
        }
    return payload


def dispatch_event(
    repo: str,
    *,
    inputs: dict[str, Any] | None = None,
    ref: str = "refs/heads/main",
    login: str = "octocat",
    user_type: str = "User",
    workflow: str = DEFAULT_WORKFLOW,
    server_url: str = "https://github.com",
    api_url: str = "https://api.github.com",
    repo_id: int | None = None,
    default_branch: str = "main",
    private: bool = False,
) -> dict[str, Any]:
    """A ``workflow_dispatch`` payload: inputs, ref, repository, sender and workflow path."""
    payload: dict[str, Any] = fill(shape("webhook_workflow_dispatch"), {"workflow": workflow})
    payload.update(
        inputs=dict(inputs or {}),
        ref=ref,
        repository=repository_object(
            repo,
            api_url=api_url,
            server_url=server_url,
            repo_id=repo_id,
            default_branch=default_branch,
            private=private,
        ),
        sender=user_object(login, user_type=user_type, api_url=api_url, server_url=server_url),
    )
    return payload


def schedule_event(
    repo: str, *, cron: str = "0 3 * * *", workflow: str = DEFAULT_WORKFLOW
) -> dict[str, Any]:
    """A ``schedule`` payload. GitHub sends only the cron line and the workflow path here
    (no repository or sender): the repository comes from ``GITHUB_REPOSITORY``. ``repo``
    is accepted so call sites read like the other factories."""
    del repo
    return {"schedule": cron, "workflow": workflow}
