"""Routes of the fake GitHub: issues, comments, reactions and labels."""

from __future__ import annotations

import copy
from typing import Any

from devops_agent_sandbox.github.server import (
    HTTPLayer,
    _Ctx,
    _HTTPError,
    _missing,
    _Response,
    _validation_failed,
)
from devops_agent_sandbox.github.state import REACTIONS
from devops_agent_sandbox.payloads import node_id, now_iso, shape

MAX_COMMENT_CHARS = 65536


class IssueRoutes(HTTPLayer):
    """``/repos/{owner}/{repo}/issues…``, ``…/issues/comments…`` (with reactions) and
    ``…/labels``: who may edit or delete a comment, body limits, label filters."""

    # issues
    def _list_issues(self, ctx: _Ctx) -> _Response:
        q = ctx.query
        state = q.get("state", "open")
        wanted = [s.strip().lower() for s in q.get("labels", "").split(",") if s.strip()]
        items = []
        for issue in ctx.r.issues.values():
            if state != "all" and issue["state"] != state:
                continue
            names = {lbl["name"].lower() for lbl in issue["labels"]}
            if any(w not in names for w in wanted):
                continue
            if "creator" in q and issue["user"]["login"].lower() != q["creator"].lower():
                continue
            if "since" in q and issue["updated_at"] < q["since"]:
                continue
            items.append(issue)
        sort = q.get("sort", "created")
        sort_key = {"updated": "updated_at", "comments": "comments"}.get(sort, "created_at")
        items.sort(
            key=lambda i: (i[sort_key], i["number"]), reverse=q.get("direction", "desc") != "asc"
        )
        return self._list(ctx, items)

    def _issue(self, ctx: _Ctx) -> dict[str, Any]:
        return ctx.record(
            ctx.r.issues, "number", "https://docs.github.com/rest/issues/issues#get-an-issue"
        )

    @staticmethod
    def _check_issue_body(body: object) -> None:
        """GitHub refuses an issue body over the same limit as a comment's."""
        if isinstance(body, str) and len(body) > MAX_COMMENT_CHARS:
            raise _validation_failed(
                "Issue",
                "body",
                code="custom",
                message=f"body is too long (maximum is {MAX_COMMENT_CHARS} characters)",
                doc="https://docs.github.com/rest/issues/issues#create-an-issue",
            )

    def _create_issue(self, ctx: _Ctx) -> _Response:
        title = ctx.arg("title")
        if title is None or title == "":
            raise _missing("title")
        self._check_issue_body(ctx.arg("body"))
        labels = [
            lbl["name"] if isinstance(lbl, dict) else str(lbl) for lbl in ctx.arg("labels") or []
        ]
        issue = self._new_issue(
            ctx.r,
            title=str(title),
            body=ctx.arg("body"),
            user=ctx.ident.login,
            user_type=ctx.ident.user_type,
            labels=labels,
        )
        return _Response(201, copy.deepcopy(issue), {"Location": issue["url"]})

    def _get_issue(self, ctx: _Ctx) -> _Response:
        return _Response(200, copy.deepcopy(self._issue(ctx)))

    def _update_issue(self, ctx: _Ctx) -> _Response:
        issue = self._issue(ctx)
        repo = ctx.r
        number = issue["number"]
        pr = repo.pulls.get(number)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self._check_issue_body(body.get("body"))
        if "title" in body:
            issue["title"] = body["title"]
        if "body" in body:
            issue["body"] = body["body"]
        if pr is not None:
            pr.update(title=issue["title"], body=issue["body"])
        if "labels" in body:
            names = [
                lbl["name"] if isinstance(lbl, dict) else str(lbl) for lbl in body["labels"] or []
            ]
            issue["labels"] = [copy.deepcopy(self._ensure_label(repo, n)) for n in names]
            if pr is not None:
                pr["labels"] = copy.deepcopy(issue["labels"])
        state = body.get("state")
        reason = body.get("state_reason")
        if state is not None or reason is not None:
            if state not in (None, "open", "closed"):
                raise _validation_failed("Issue", "state")
            if reason not in (None, "completed", "not_planned", "reopened", "duplicate"):
                raise _validation_failed("Issue", "state_reason")
            self._set_state(
                repo, number, state or issue["state"], reason, self._user(ctx.ident.login)
            )
        issue["updated_at"] = now_iso()
        if pr is not None:
            pr["updated_at"] = issue["updated_at"]
        return _Response(200, copy.deepcopy(issue))

    # comments
    def _comment(self, ctx: _Ctx) -> dict[str, Any]:
        return ctx.record(
            ctx.r.comments,
            "comment_id",
            "https://docs.github.com/rest/issues/comments#get-an-issue-comment",
        )

    @staticmethod
    def _check_body(ctx: _Ctx) -> str:
        body = ctx.arg("body")
        if not isinstance(body, str):
            raise _missing("body")
        if len(body) > MAX_COMMENT_CHARS:
            raise _validation_failed(
                "IssueComment",
                "data",
                code="unprocessable",
                message=f"Body is too long (maximum is {MAX_COMMENT_CHARS} characters)",
                doc="https://docs.github.com/rest/issues/comments#create-an-issue-comment",
            )
        return body

    def _own_comment(self, ctx: _Ctx, c: dict[str, Any]) -> None:
        if c["user"]["login"] != ctx.ident.login:
            message = (
                "Resource not accessible by integration"
                if ctx.ident.user_type == "Bot"
                else "Must be the author of the comment"
            )
            raise _HTTPError(403, message)

    def _list_comments(self, ctx: _Ctx) -> _Response:
        number = self._issue(ctx)["number"]
        repo = ctx.r
        since = ctx.query.get("since")
        items = [
            c
            for cid, c in sorted(repo.comments.items())
            if repo.comment_issue[cid] == number and (since is None or c["updated_at"] >= since)
        ]
        return self._list(ctx, items)

    def _create_comment(self, ctx: _Ctx) -> _Response:
        number = self._issue(ctx)["number"]
        body = self._check_body(ctx)
        c = self._new_comment(ctx.r, number, body, ctx.ident.login, ctx.ident.user_type)
        ctx.r.issues[number]["updated_at"] = c["created_at"]
        return _Response(201, copy.deepcopy(c), {"Location": c["url"]})

    def _get_comment(self, ctx: _Ctx) -> _Response:
        return _Response(200, copy.deepcopy(self._comment(ctx)))

    def _update_comment(self, ctx: _Ctx) -> _Response:
        c = self._comment(ctx)
        self._own_comment(ctx, c)
        c.update(body=self._check_body(ctx), updated_at=now_iso())
        ctx.r.comment_editors[c["id"]] = (ctx.ident.login, c["updated_at"])
        return _Response(200, copy.deepcopy(c))

    def _delete_comment(self, ctx: _Ctx) -> _Response:
        c = self._comment(ctx)
        self._own_comment(ctx, c)
        repo = ctx.r
        cid = c["id"]
        number = repo.comment_issue.pop(cid)
        del repo.comments[cid]
        repo.reactions.pop(cid, None)
        repo.issues[number]["comments"] -= 1
        return _Response(204)

    # reactions
    def _list_reactions(self, ctx: _Ctx) -> _Response:
        c = self._comment(ctx)
        items = ctx.r.reactions.get(c["id"], [])
        if "content" in ctx.query:
            items = [r for r in items if r["content"] == ctx.query["content"]]
        return self._list(ctx, items)

    def _create_reaction(self, ctx: _Ctx) -> _Response:
        c = self._comment(ctx)
        content = ctx.arg("content")
        if content not in REACTIONS:
            raise _validation_failed(
                "Reaction",
                "content",
                doc="https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment",
            )
        existing = ctx.r.reactions.setdefault(c["id"], [])
        for r in existing:
            if r["content"] == content and r["user"]["login"] == ctx.ident.login:
                return _Response(200, copy.deepcopy(r))
        rid = self._next("reaction")
        reaction = shape("reaction")
        reaction.update(
            id=rid,
            node_id=node_id("Reaction", rid),
            user=self._user(ctx.ident.login, ctx.ident.user_type),
            content=content,
            created_at=now_iso(),
        )
        existing.append(reaction)
        c["reactions"][content] += 1
        c["reactions"]["total_count"] += 1
        return _Response(201, copy.deepcopy(reaction))

    # labels
    def _list_labels(self, ctx: _Ctx) -> _Response:
        return self._list(ctx, sorted(ctx.r.labels.values(), key=lambda lbl: lbl["name"].lower()))

    def _create_label(self, ctx: _Ctx) -> _Response:
        name = ctx.arg("name")
        if not name:
            raise _missing("name")
        if str(name).lower() in ctx.r.labels:
            raise _validation_failed(
                "Label",
                "name",
                code="already_exists",
                doc="https://docs.github.com/rest/issues/labels#create-a-label",
            )
        color = str(ctx.arg("color") or "ededed").lstrip("#")
        label = self._ensure_label(ctx.r, str(name), color, ctx.arg("description"))
        return _Response(201, copy.deepcopy(label), {"Location": label["url"]})
