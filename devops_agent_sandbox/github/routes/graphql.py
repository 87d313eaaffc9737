"""Routes of the fake GitHub: the one GraphQL question the agent asks."""

from __future__ import annotations

from typing import Any

from devops_agent_sandbox.github.server import HTTPLayer, _Response


class GraphQLRoutes(HTTPLayer):
    """``POST /graphql`` (and GHES's ``/api/graphql``): who last edited a comment."""

    def _graphql(self, body: Any) -> _Response:
        """The one GraphQL question the agent asks: who last edited a comment.

        ``node(id:) { ... on IssueComment { lastEditedAt editor { login } } }``; bots'
        logins come without ``[bot]``, as GitHub's GraphQL API gives them.
        """
        variables = (body or {}).get("variables") or {} if isinstance(body, dict) else {}
        wanted = str(variables.get("id", ""))
        for repo in self._repos.values():
            for cid, comment in repo.comments.items():
                if comment.get("node_id") == wanted:
                    edit = repo.comment_editors.get(cid)
                    node: dict[str, Any] = {"lastEditedAt": edit[1] if edit else None}
                    node["editor"] = None
                    if edit:
                        node["editor"] = {"login": edit[0].removesuffix("[bot]")}
                    return _Response(200, {"data": {"node": node}})
        return _Response(
            200,
            {"data": {"node": None}, "errors": [{"type": "NOT_FOUND", "message": "Not found"}]},
        )
