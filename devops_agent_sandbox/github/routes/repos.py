"""Routes of the fake GitHub: users, repositories, collaborators, contents and secrets.

Administration endpoints answer as GitHub does for each kind of token: never for the
workflow token, only for an admin's personal token (see ``_require_admin``).
"""

from __future__ import annotations

import copy
import re
import urllib.parse
from typing import Any

from devops_agent_sandbox.github.server import (
    HTTPLayer,
    _Ctx,
    _HTTPError,
    _missing,
    _not_found,
    _Response,
)
from devops_agent_sandbox.github.state import (
    DOCS,
    LEGACY_PERMISSION,
    RATE_LIMIT,
    ROLES,
    _Identity,
    _Repo,
    _sha,
)
from devops_agent_sandbox.payloads import fill, node_id, now_iso, shape

# PUT /collaborators/{username} takes the legacy names; the roles they grant.
COLLABORATOR_PERMISSIONS = {
    "pull": "read",
    "read": "read",
    "triage": "triage",
    "push": "write",
    "write": "write",
    "maintain": "maintain",
    "admin": "admin",
}
_TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


class RepoRoutes(HTTPLayer):
    """``/user``, ``/users/…``, ``/orgs/…/repos``, ``/rate_limit`` and
    ``/repos/{owner}/{repo}`` with its settings, topics, branch protection, collaborators,
    contents and Actions secrets."""

    # users, permissions and the rate limit
    def _require_admin(self, ctx: _Ctx, doc: str = DOCS) -> None:
        """Administration endpoints: never the workflow token; a PAT needs the admin role."""
        ident = ctx.ident
        if ident.kind == "workflow":
            raise _HTTPError(403, "Resource not accessible by integration", doc=doc)
        if ident.kind == "pat":
            entry = ctx.r.collaborators.get(ident.login)
            if entry is None or entry[2] != "admin":
                raise _HTTPError(403, "Must have admin rights to Repository.", doc=doc)

    def _get_user(self, ctx: _Ctx) -> _Response:
        if ctx.ident.kind != "pat":
            raise _HTTPError(
                403,
                "Resource not accessible by integration",
                doc="https://docs.github.com/rest/users/users#get-the-authenticated-user",
            )
        user = self._user(ctx.ident.login, "User")
        user.update(shape("private_user"))
        return _Response(200, user)

    def _rate_limit(self, ctx: _Ctx) -> _Response:
        data = shape("rate_limit")
        used = self._used.get(ctx.token, 0)
        core = {
            "limit": RATE_LIMIT,
            "used": used,
            "remaining": RATE_LIMIT - used,
            "reset": self._reset_at,
        }
        data["resources"]["core"] = core
        data["rate"] = dict(core)
        for res in data["resources"].values():
            res["reset"] = self._reset_at
        return _Response(200, data)

    def _get_repo(self, ctx: _Ctx) -> _Response:
        data = copy.deepcopy(ctx.r.data)
        if ctx.ident.user_type == "Bot":
            perms = {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True}
        else:
            entry = ctx.r.collaborators.get(ctx.ident.login)
            perms = self._perms(entry[2] if entry else None)
        data["permissions"] = perms
        return _Response(200, data)

    @staticmethod
    def _perms(base: str | None) -> dict[str, bool]:
        """The ``permissions`` flags a standard role grants (``None``: no access)."""
        level = ROLES.index(base) if base in ROLES else -1
        return {
            "admin": level >= 4,
            "maintain": level >= 3,
            "push": level >= 2,
            "triage": level >= 1,
            "pull": level >= 0,
        }

    def _collaborator_permission(self, ctx: _Ctx) -> _Response:
        login = ctx.params["username"]
        entry = ctx.r.collaborators.get(login)
        if entry is None:
            raise _not_found(
                "https://docs.github.com/rest/collaborators/collaborators"
                "#get-repository-permissions-for-a-user"
            )
        role, legacy, base = entry
        user = self._user(login)
        user.update(permissions=self._perms(base), role_name=role)
        data = shape("collaborator_permission")
        data.update(permission=legacy, role_name=role, user=user)
        return _Response(200, data)

    # Actions secrets: sealed with the repository's public key, as GitHub requires
    def _secrets_keypair(self, repo: _Repo) -> Any:
        from nacl.public import PrivateKey

        key = self._secret_keys.get(repo.full_name)
        if key is None:
            key = self._secret_keys[repo.full_name] = PrivateKey.generate()
        return key

    def _secrets_public_key(self, ctx: _Ctx) -> _Response:
        import base64

        key = self._secrets_keypair(ctx.r)
        public = base64.b64encode(bytes(key.public_key)).decode()
        return _Response(200, {"key_id": _sha(ctx.r.full_name, "secrets")[:20], "key": public})

    def _put_secret(self, ctx: _Ctx) -> _Response:
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if not body.get("encrypted_value") or not body.get("key_id"):
            raise _missing("encrypted_value", "key_id")
        name = ctx.params["secret_name"].upper()
        existed = name in self._secrets.setdefault(ctx.r.full_name, {})
        self._secrets[ctx.r.full_name][name] = str(body["encrypted_value"])
        return _Response(204 if existed else 201, None if existed else {})

    # users and repository listings
    def _owner_type(self, login: str) -> str | None:
        """``User`` or ``Organization`` for a login this fake knows, else None."""
        for repo in self._repos.values():
            if repo.full_name.split("/")[0].lower() == login.lower():
                return repo.owner_type
        return self._user_types.get(login)

    def _get_user_by_login(self, ctx: _Ctx) -> _Response:
        login = ctx.params["username"]
        kind = self._owner_type(login)
        if kind is None:
            raise _not_found("https://docs.github.com/rest/users/users#get-a-user")
        user = self._user(login, kind)
        user.update(shape("public_user_extra"))
        user["public_repos"] = sum(
            1
            for r in self._repos.values()
            if r.full_name.split("/")[0] == login and not r.data["private"]
        )
        return _Response(200, user)

    def _repo_item(self, repo: _Repo, ident: _Identity) -> dict[str, Any]:
        data = copy.deepcopy(repo.data)
        entry = repo.collaborators.get(ident.login)
        data["permissions"] = self._perms(entry[2] if entry else "read")
        return data

    def _repos_of(self, owner: str) -> list[_Repo]:
        return sorted(
            (r for r in self._repos.values() if r.full_name.split("/")[0] == owner),
            key=lambda r: r.full_name.lower(),
        )

    def _list_user_repos(self, ctx: _Ctx) -> _Response:
        login = ctx.params["username"]
        if self._owner_type(login) is None:
            raise _not_found(
                "https://docs.github.com/rest/repos/repos#list-repositories-for-a-user"
            )
        items = [
            self._repo_item(r, ctx.ident)
            for r in self._repos_of(login)
            if not r.data["private"] or ctx.ident.login == login
        ]
        return self._list(ctx, items)

    def _list_org_repos(self, ctx: _Ctx) -> _Response:
        org = ctx.params["org"]
        if self._owner_type(org) != "Organization":
            raise _not_found(
                "https://docs.github.com/rest/repos/repos#list-organization-repositories"
            )
        items = [self._repo_item(r, ctx.ident) for r in self._repos_of(org)]
        return self._list(ctx, items)

    def _list_own_repos(self, ctx: _Ctx) -> _Response:
        doc = (
            "https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user"
        )
        if ctx.ident.kind != "pat":
            raise _HTTPError(403, "Resource not accessible by integration", doc=doc)
        login = ctx.ident.login
        items = [
            self._repo_item(r, ctx.ident)
            for r in sorted(self._repos.values(), key=lambda r: r.full_name.lower())
            if r.full_name.split("/")[0] == login or login in r.collaborators
        ]
        return self._list(ctx, items)

    # repository administration
    _REPO_FLAGS = (
        "has_issues",
        "has_projects",
        "has_wiki",
        "has_discussions",
        "is_template",
        "allow_squash_merge",
        "allow_merge_commit",
        "allow_rebase_merge",
        "allow_auto_merge",
        "delete_branch_on_merge",
        "archived",
    )

    def _apply_repo_fields(self, repo: _Repo, body: dict[str, Any], *, creating: bool) -> None:
        data = repo.data
        staged = copy.deepcopy(data)
        for key in ("description", "homepage"):
            if key in body:
                value = body[key]
                if value is not None and not isinstance(value, str):
                    raise _HTTPError(
                        422, "Validation Failed", errors=[{"code": "invalid", "field": key}]
                    )
                staged[key] = value
        for key in self._REPO_FLAGS:
            if key in body:
                if not isinstance(body[key], bool):
                    raise _HTTPError(
                        422, "Validation Failed", errors=[{"code": "invalid", "field": key}]
                    )
                staged[key] = body[key]
        if "private" in body:
            staged["private"] = bool(body["private"])
            staged["visibility"] = "private" if body["private"] else "public"
        if "visibility" in body:
            if body["visibility"] not in ("public", "private", "internal"):
                raise _HTTPError(
                    422, "Validation Failed", errors=[{"code": "invalid", "field": "visibility"}]
                )
            staged["visibility"] = body["visibility"]
            staged["private"] = body["visibility"] != "public"
        if "default_branch" in body and not creating:
            if body["default_branch"] not in repo.branches:
                raise _HTTPError(
                    422,
                    "Validation Failed",
                    errors=[
                        {"resource": "Repository", "code": "invalid", "field": "default_branch"}
                    ],
                )
            staged["default_branch"] = body["default_branch"]
        if not any(
            staged[k] for k in ("allow_squash_merge", "allow_merge_commit", "allow_rebase_merge")
        ):
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "Repository",
                        "code": "custom",
                        "field": "merge_commit_allowed",
                        "message": "Sorry, you need to allow at least one merge strategy.",
                    }
                ],
            )
        staged["updated_at"] = now_iso()
        data.clear()
        data.update(staged)

    def _create_repo(self, ctx: _Ctx, owner: str, owner_type: str) -> _Response:
        doc = "https://docs.github.com/rest/repos/repos#create-a-repository-for-the-authenticated-user"
        name = ctx.arg("name")
        if not name:
            raise _missing("name")
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", str(name)):
            raise _HTTPError(
                422,
                "Repository creation failed.",
                errors=[
                    {
                        "resource": "Repository",
                        "code": "custom",
                        "field": "name",
                        "message": "name is invalid",
                    }
                ],
                doc=doc,
            )
        full_name = f"{owner}/{name}"
        if any(r.lower() == full_name.lower() for r in self._repos):
            raise _HTTPError(
                422,
                "Repository creation failed.",
                errors=[
                    {
                        "resource": "Repository",
                        "code": "custom",
                        "field": "name",
                        "message": "name already exists on this account",
                    }
                ],
                doc=doc,
            )
        self.add_repo(full_name, private=bool(ctx.arg("private")), owner_type=owner_type)
        repo = self._repos[full_name]
        if ctx.ident.kind == "pat":
            repo.collaborators[ctx.ident.login] = ("admin", "admin", "admin")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        try:
            self._apply_repo_fields(repo, body, creating=True)
        except _HTTPError:
            del self._repos[full_name]
            raise
        return _Response(201, self._repo_item(repo, ctx.ident), {"Location": repo.data["url"]})

    def _create_user_repo(self, ctx: _Ctx) -> _Response:
        if ctx.ident.kind != "pat":
            raise _HTTPError(
                403,
                "Resource not accessible by integration",
                doc="https://docs.github.com/rest/repos/repos#create-a-repository-for-the-authenticated-user",
            )
        return self._create_repo(ctx, ctx.ident.login, "User")

    def _create_org_repo(self, ctx: _Ctx) -> _Response:
        org = ctx.params["org"]
        doc = "https://docs.github.com/rest/repos/repos#create-an-organization-repository"
        if self._owner_type(org) != "Organization":
            raise _not_found(doc)
        if ctx.ident.kind == "workflow":
            raise _HTTPError(403, "Resource not accessible by integration", doc=doc)
        return self._create_repo(ctx, org, "Organization")

    def _edit_repo(self, ctx: _Ctx) -> _Response:
        self._require_admin(ctx, "https://docs.github.com/rest/repos/repos#update-a-repository")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        self._apply_repo_fields(ctx.r, body, creating=False)
        return _Response(200, self._repo_item(ctx.r, ctx.ident))

    def _delete_repo(self, ctx: _Ctx) -> _Response:
        self._require_admin(ctx, "https://docs.github.com/rest/repos/repos#delete-a-repository")
        del self._repos[ctx.r.full_name]
        return _Response(204)

    def _get_topics(self, ctx: _Ctx) -> _Response:
        return _Response(200, {"names": list(ctx.r.data.get("topics") or [])})

    def _put_topics(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/repos/repos#replace-all-repository-topics"
        self._require_admin(ctx, doc)
        names = ctx.arg("names")
        if not isinstance(names, list):
            raise _missing("names")
        bad = [n for n in names if not isinstance(n, str) or not _TOPIC.fullmatch(n)]
        if bad or len(names) > 20:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "resource": "Repository",
                        "code": "invalid",
                        "field": "topics",
                        "message": "Topics must start with a lowercase letter or number, consist "
                        "of 50 characters or less, and can include hyphens; at most 20 topics.",
                    }
                ],
                doc=doc,
            )
        ctx.r.data["topics"] = list(dict.fromkeys(names))
        return _Response(200, {"names": ctx.r.data["topics"]})

    def _get_protection(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/branches/branch-protection#get-branch-protection"
        self._require_admin(ctx, doc)
        branch = ctx.params["branch"]
        if branch not in ctx.r.branches:
            raise _HTTPError(404, "Branch not found", doc=doc)
        protection = ctx.r.protection.get(branch)
        if protection is None:
            raise _HTTPError(404, "Branch not protected", doc=doc)
        return _Response(200, copy.deepcopy(protection))

    # collaborators
    def _list_collaborators(self, ctx: _Ctx) -> _Response:
        wanted = ctx.query.get("permission")
        order = {"pull": 0, "triage": 1, "push": 2, "maintain": 3, "admin": 4}
        items = []
        for login, (role, _legacy, base) in sorted(ctx.r.collaborators.items()):
            if wanted in order and ROLES.index(base) < order[wanted]:
                continue
            user = self._user(login)
            user.update(shape("collaborator_extra"))
            user.update(permissions=self._perms(base), role_name=role)
            items.append(user)
        return self._list(ctx, items)

    def _add_collaborator(self, ctx: _Ctx) -> _Response:
        doc = (
            "https://docs.github.com/rest/collaborators/collaborators#add-a-repository-collaborator"
        )
        self._require_admin(ctx, doc)
        login = ctx.params["username"]
        permission = ctx.arg("permission") or "push"
        role = COLLABORATOR_PERMISSIONS.get(str(permission))
        if role is None:
            raise _HTTPError(
                422,
                "Validation Failed",
                errors=[{"resource": "Repository", "code": "invalid", "field": "permission"}],
                doc=doc,
            )
        repo = ctx.r
        if login in repo.collaborators:
            repo.collaborators[login] = (role, LEGACY_PERMISSION[role], role)
            return _Response(204)
        iid = self._next("invitation")
        invitation: dict[str, Any] = fill(
            shape("repository_invitation"), self._values(repo, id=iid)
        )
        invitation.update(
            id=iid,
            node_id=node_id("RepositoryInvitation", iid),
            repository=self._minimal_repo(repo),
            invitee=self._user(login),
            inviter=self._user(ctx.ident.login, ctx.ident.user_type),
            permissions=LEGACY_PERMISSION[role] if role != "maintain" else "maintain",
            created_at=now_iso(),
        )
        invitation["permissions"] = {"read": "read", "triage": "triage", "write": "write"}.get(
            role, role
        )
        repo.invitations[login] = invitation
        return _Response(201, copy.deepcopy(invitation))

    def _list_invitations(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/collaborators/invitations#list-repository-invitations"
        self._require_admin(ctx, doc)
        items = [copy.deepcopy(inv) for _, inv in sorted(ctx.r.invitations.items())]
        return self._list(ctx, items)

    def _remove_collaborator(self, ctx: _Ctx) -> _Response:
        doc = "https://docs.github.com/rest/collaborators/collaborators#remove-a-repository-collaborator"
        self._require_admin(ctx, doc)
        login = ctx.params["username"]
        if login == ctx.r.full_name.split("/")[0]:
            raise _HTTPError(422, "Cannot remove the owner of the repository", doc=doc)
        ctx.r.collaborators.pop(login, None)
        ctx.r.invitations.pop(login, None)
        return _Response(204)

    # contents
    def _get_contents(self, ctx: _Ctx) -> _Response:
        import base64

        doc = "https://docs.github.com/rest/repos/contents#get-repository-content"
        repo = ctx.r
        ref = ctx.query.get("ref") or repo.data["default_branch"]
        known_ref = (
            ref.removeprefix("refs/heads/") in repo.branches
            or re.fullmatch(r"[0-9a-f]{40}", ref)
            or ref.startswith("refs/tags/")
        )
        if not known_ref:
            raise _HTTPError(404, f"No commit found for the ref {ref}", doc=doc)
        path = ctx.params["path"].strip("/")
        ref_q = urllib.parse.quote(ref, safe="")

        def entry(p: str, text: str | None) -> dict[str, Any]:
            raw = (text or "").encode()
            sha = _sha(repo.full_name, p, text) if text is not None else _sha(repo.full_name, p)
            item: dict[str, Any] = fill(
                shape("content_file"),
                self._values(repo, path=p, name=p.rsplit("/", 1)[-1], sha=sha, ref=ref_q),
            )
            item["size"] = len(raw)
            if text is None:
                item.update(type="dir", size=0, download_url=None)
                item.pop("content")
                item.pop("encoding")
            else:
                encoded = base64.b64encode(raw).decode()
                item["content"] = "".join(
                    encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60)
                )
            return item

        branch = ref.removeprefix("refs/heads/")
        if branch not in repo.branches:  # a commit: the branch whose head it is
            branch = next((b for b, sha in repo.branches.items() if sha == ref), "")
        files = {**repo.files, **repo.branch_files.get(branch, {})}
        if path in files:
            return _Response(200, entry(path, files[path]))
        prefix = path + "/" if path else ""
        children: dict[str, str | None] = {}
        for p, text in sorted(files.items()):
            if p.startswith(prefix):
                rest = p[len(prefix) :]
                head = rest.split("/", 1)[0]
                children[prefix + head] = text if "/" not in rest else None
        if not children:
            raise _HTTPError(404, "Not Found", doc=doc)
        return _Response(200, [entry(p, text) for p, text in children.items()])
