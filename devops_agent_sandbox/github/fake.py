"""A stateful fake of GitHub's REST API, served over real HTTP from a daemon thread.

Tests and ``devops-agent demo`` point ``GITHUB_API_URL`` at it, so the real client stack
(PyGithub, requests, urllib3) runs unchanged: pagination ``Link`` headers, rate-limit
headers, status codes and error bodies all take the path they take against github.com.
Response bodies are built from examples in GitHub's OpenAPI description (see
``github_shapes.json``), with ids, URLs, logins and bodies filled in.

Stdlib only (plus PyYAML and PyNaCl, imported when a workflow file or a secret needs
them), thread-safe (one lock around all state) and silent (no request logging).

:class:`FakeGitHub` is assembled from one class per concern, each in its own module:

- :mod:`.state`: the records (one per repository) and the builders of new ones;
- :mod:`.server`: the HTTP layer: lifecycle, auth, faults, paging, errors;
- :mod:`.routes`: the URL map, and one handler class per area (issues, pulls, repos,
  actions, graphql);
- :mod:`.seed`: the set-up API (``add_*``, ``set_*``, ``fail_next``);
- this module: the class itself and the inspection API tests read back with.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from devops_agent_sandbox import payloads
from devops_agent_sandbox.github import routes
from devops_agent_sandbox.github.routes.actions import ActionsRoutes
from devops_agent_sandbox.github.routes.graphql import GraphQLRoutes
from devops_agent_sandbox.github.routes.issues import IssueRoutes
from devops_agent_sandbox.github.routes.repos import RepoRoutes
from devops_agent_sandbox.github.seed import Seeding
from devops_agent_sandbox.github.state import RecordedRequest

__all__ = ["FakeGitHub", "RecordedRequest"]


class FakeGitHub(Seeding, IssueRoutes, RepoRoutes, ActionsRoutes, GraphQLRoutes):
    """GitHub's REST API for one test session: repos, issues, comments, reactions, PRs,
    check runs, labels, workflows and runs, with tokens mapped to identities and
    fault injection. Binds its port at construction, so ``url`` is known before ``start``.

    Use it as a context manager (``with FakeGitHub() as github:``), seed it with the
    ``add_*`` methods, point ``GITHUB_API_URL`` at ``url``, and read back what a run did
    with ``requests``, ``comments``, ``check_runs`` and the other inspection methods.
    """

    ROUTES = routes.ROUTES

    # inspection
    def requests_to(
        self, method: str | None = None, path_regex: str | None = None
    ) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_regex is None or re.search(path_regex, r.path))
            ]

    def _copies(self, full_name: str, table: str) -> list[dict[str, Any]]:
        """Copies of the records of one of the repository's tables (``issues``, ``runs`` …),
        by id."""
        with self._lock:
            records = getattr(self._repo(full_name), table)
            return [copy.deepcopy(r) for _, r in sorted(records.items())]

    def repo(self, full_name: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._repo(full_name).data)

    def comments(self, full_name: str, issue_number: int) -> list[dict[str, Any]]:
        with self._lock:
            repo = self._repo(full_name)
            return [
                copy.deepcopy(c)
                for cid, c in sorted(repo.comments.items())
                if repo.comment_issue[cid] == issue_number
            ]

    def comment(self, full_name: str, comment_id: int) -> dict[str, Any] | None:
        with self._lock:
            c = self._repo(full_name).comments.get(comment_id)
            return copy.deepcopy(c)

    def reactions(self, full_name: str, comment_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._repo(full_name).reactions.get(comment_id, []))

    def check_runs(self, full_name: str) -> list[dict[str, Any]]:
        return self._copies(full_name, "check_runs")

    def issues(self, full_name: str) -> list[dict[str, Any]]:
        """All issues, PRs included (as GitHub's issues API lists them), by number."""
        return self._copies(full_name, "issues")

    def pulls(self, full_name: str) -> list[dict[str, Any]]:
        return self._copies(full_name, "pulls")

    def labels(self, full_name: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(list(self._repo(full_name).labels.values()))

    def runs(self, full_name: str) -> list[dict[str, Any]]:
        return self._copies(full_name, "runs")

    def dispatches(self, full_name: str) -> list[dict[str, Any]]:
        """``{"workflow_id" (numeric), "ref", "inputs"}`` for each accepted dispatch."""
        with self._lock:
            return copy.deepcopy(self._repo(full_name).dispatches)

    def has_repo(self, full_name: str) -> bool:
        with self._lock:
            return full_name in self._repos

    def collaborators(self, full_name: str) -> dict[str, str]:
        """``login: role_name`` of every collaborator."""
        with self._lock:
            return {k: v[0] for k, v in sorted(self._repo(full_name).collaborators.items())}

    def invitations(self, full_name: str) -> dict[str, str]:
        """``login: permission`` of every pending invitation."""
        with self._lock:
            return {
                login: inv["permissions"]
                for login, inv in sorted(self._repo(full_name).invitations.items())
            }

    def reviews(self, full_name: str, number: int) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._repo(full_name).reviews.get(number, []))

    def workflows(self, full_name: str) -> list[dict[str, Any]]:
        return self._copies(full_name, "workflows")

    def secret_value(self, full_name: str, name: str) -> str | None:
        """Decrypt a repository secret that was PUT (tests check what was stored)."""
        import base64

        from nacl.public import SealedBox

        with self._lock:
            sealed = self._secrets.get(full_name, {}).get(name.upper())
            if sealed is None:
                return None
            key = self._secrets_keypair(self._repo(full_name))
        return SealedBox(key).decrypt(base64.b64decode(sealed)).decode()

    def secret_names(self, full_name: str) -> list[str]:
        """Names of the repository's Actions secrets."""
        with self._lock:
            return sorted(self._secrets.get(full_name, {}))

    def comment_event(
        self, full_name: str, comment_id: int, *, action: str = "created", **overrides: Any
    ) -> dict[str, Any]:
        """The ``issue_comment`` payload GitHub would send for a comment in this fake, with
        the same ids, logins and URLs (``GITHUB_SERVER_URL``/``GITHUB_API_URL`` = this fake)."""
        with self._lock:
            repo = self._repo(full_name)
            c = repo.comments[comment_id]
            issue = repo.issues[repo.comment_issue[comment_id]]
            kwargs: dict[str, Any] = {
                "login": c["user"]["login"],
                "user_type": c["user"]["type"],
                "action": action,
                "is_pr": "pull_request" in issue,
                "comment_id": comment_id,
                "author_association": c["author_association"],
                "server_url": self.server_url,
                "api_url": self.url,
                "issue_id": issue["id"],
                "issue_title": issue["title"],
                "issue_body": issue["body"],
                "issue_user": issue["user"]["login"],
                "issue_state": issue["state"],
                "labels": copy.deepcopy(issue["labels"]),
                "repo_id": repo.data["id"],
                "default_branch": repo.data["default_branch"],
                "private": repo.data["private"],
                "created_at": c["created_at"],
            }
            kwargs.update(overrides)
            return payloads.comment_event(full_name, issue["number"], c["body"], **kwargs)
