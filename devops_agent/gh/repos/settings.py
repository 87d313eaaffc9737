"""A repository's settings: description, visibility, merge options, features, topics,
and the protection of its default branch; ``repo show`` and ``repo settings``.

Reading branch protection needs Administration: read, which the workflow token cannot
have: the read then says so instead of failing. Changing settings needs
Administration: write (a personal access token or GitHub App token).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import quote

from pydantic import AfterValidator, Field

from devops_agent.errors import BadInput
from devops_agent.gh import service_error
from devops_agent.gh.common import (
    GhModel,
    RepoArgs,
    api,
    check_repository,
    gh_client,
    github_errors,
    locked,
    planned_repository,
    repository_of,
    rest_call,
)
from devops_agent.gh.repos.lifecycle import ADMIN
from devops_agent.operation import (
    ApiCall,
    Command,
    Lower,
    NotAsPlanned,
    PlanEntry,
    Proposal,
    Read,
    Reader,
    Switch,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result, Table
from devops_agent.sanitize import clean_untrusted

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "SETTINGS",
    "BranchProtection",
    "RepoSettings",
    "branch_protection",
    "edit_repo",
    "repo_settings",
]

#: The settings ``repo settings`` can change, and the type of each value.
SETTINGS: dict[str, type] = {
    "description": str,
    "homepage": str,
    "default_branch": str,
    "visibility": str,
    "allow_merge_commit": bool,
    "allow_squash_merge": bool,
    "allow_rebase_merge": bool,
    "allow_auto_merge": bool,
    "delete_branch_on_merge": bool,
    "has_issues": bool,
    "has_wiki": bool,
    "has_projects": bool,
}


class BranchProtection(GhModel):
    """What a branch's protection asks of a merge (a summary, not every rule)."""

    branch: str
    protected: bool
    """False when the branch has no classic protection."""
    readable: bool = True
    """False when the token may not read protection (it needs Administration: read)."""
    required_approvals: int = 0
    dismiss_stale_reviews: bool = False
    require_code_owner_reviews: bool = False
    required_checks: list[str] = Field(default_factory=list)
    """Status check contexts that must pass."""
    enforce_admins: bool = False
    linear_history: bool = False
    allow_force_pushes: bool = False


class RepoSettings(GhModel):
    """A repository's settings as ``repo show`` reports them."""

    full_name: str
    description: str | None = None
    homepage: str | None = None
    visibility: str
    private: bool
    default_branch: str
    topics: list[str] = Field(default_factory=list)
    allow_merge_commit: bool = True
    allow_squash_merge: bool = True
    allow_rebase_merge: bool = True
    allow_auto_merge: bool = False
    delete_branch_on_merge: bool = False
    has_issues: bool = True
    has_wiki: bool = True
    has_projects: bool = True
    archived: bool = False
    html_url: str
    protection: BranchProtection | None = None
    """Protection of the default branch, when read."""


def branch_protection(gh: Github, repository: str, branch: str) -> BranchProtection:
    """The protection of ``branch`` (not protected, or unreadable, are answers too).

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        branch: The branch.

    Returns:
        Its protection: the rules, or not protected, or why it could not be read.
    """
    from github import GithubException

    try:
        data = api(gh, "GET", f"/repos/{repository}/branches/{quote(branch, safe='')}/protection")
    except GithubException as exc:
        if exc.status == 404:
            return BranchProtection(branch=branch, protected=False)
        if exc.status == 403:
            return BranchProtection(branch=branch, protected=False, readable=False)
        raise service_error(exc, f"read the protection of {branch}") from None
    reviews = data.get("required_pull_request_reviews") or {}
    checks = data.get("required_status_checks") or {}

    def enabled(key: str) -> bool:
        return bool((data.get(key) or {}).get("enabled"))

    return BranchProtection(
        branch=branch,
        protected=True,
        required_approvals=int(reviews.get("required_approving_review_count") or 0),
        dismiss_stale_reviews=bool(reviews.get("dismiss_stale_reviews")),
        require_code_owner_reviews=bool(reviews.get("require_code_owner_reviews")),
        required_checks=list(checks.get("contexts") or []),
        enforce_admins=enabled("enforce_admins"),
        linear_history=enabled("required_linear_history"),
        allow_force_pushes=enabled("allow_force_pushes"),
    )


def repo_settings(gh: Github, repository: str, *, protection: bool = True) -> RepoSettings:
    """A repository's settings and topics (one request), and its default branch's protection.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        protection: Also read the default branch's protection.

    Returns:
        The settings.
    """
    with github_errors(f"read {repository}"):
        data = api(gh, "GET", f"/repos/{check_repository(repository)}")
    settings = {key: data[key] for key in SETTINGS if key in data and data[key] is not None}
    result = RepoSettings(
        full_name=data["full_name"],
        private=bool(data.get("private")),
        topics=list(data.get("topics") or []),
        archived=bool(data.get("archived")),
        html_url=data.get("html_url") or "",
        **{"visibility": "private" if data.get("private") else "public", **settings},
    )
    if protection:
        result = result.model_copy(
            update={"protection": branch_protection(gh, repository, result.default_branch)}
        )
    return result


def edit_repo(
    gh: Github, repository: str, changes: dict[str, Any], topics: list[str] | None = None
) -> RepoSettings:
    """Change settings (PATCH) and, if given, replace the topics (PUT); both idempotent.

    Args:
        gh: The run's GitHub client.
        repository: The repository, ``owner/name``.
        changes: The settings to change, as GitHub's PATCH body names them.
        topics: The complete new topic list; ``None`` leaves the topics.

    Returns:
        The settings as they are now.

    Raises:
        ServiceError: GitHub refused (the token needs Administration: write).
    """
    with github_errors(f"change the settings of {repository}", permission=ADMIN):
        for call in settings_calls(repository, changes, topics):
            method, _, path = call.operation.partition(" ")
            api(gh, method, path, body=call.params)
    return repo_settings(gh, repository, protection=False)


def settings_calls(
    repository: str, changes: dict[str, Any], topics: list[str] | None = None
) -> list[ApiCall]:
    """The requests that change settings (PATCH) and replace the topics (PUT): what
    :func:`edit_repo` sends and a plan shows.

    Args:
        repository: The repository, ``owner/name``.
        changes: The settings to change, as GitHub's PATCH body names them.
        topics: The complete new topic list; ``None`` leaves the topics.

    Returns:
        One call per request, in the order they are sent; both lock the repository.
    """
    path = f"/repos/{check_repository(repository)}"
    lock = (locked(repository),)
    calls = [rest_call("PATCH", path, changes, locks=lock)] if changes else []
    if topics is not None:
        calls.append(rest_call("PUT", f"{path}/topics", {"names": topics}, locks=lock))
    return calls


# --------------------------------------------------------------------------- operations


def _show(reader: Reader, args: RepoArgs) -> RepoSettings:
    return repo_settings(gh_client(reader), repository_of(reader, args.repository))


def _on(value: bool) -> str:
    return "on" if value else "off"


def _settings_tables(settings: RepoSettings) -> list[Table]:
    rows: list[list[Any]] = [
        ["Description", settings.description or ""],
        ["Homepage", settings.homepage or ""],
        ["Visibility", settings.visibility],
        ["Default branch", settings.default_branch],
        ["Topics", ", ".join(settings.topics)],
        ["Merge commits", _on(settings.allow_merge_commit)],
        ["Squash merging", _on(settings.allow_squash_merge)],
        ["Rebase merging", _on(settings.allow_rebase_merge)],
        ["Auto-merge", _on(settings.allow_auto_merge)],
        ["Delete branch on merge", _on(settings.delete_branch_on_merge)],
        ["Issues", _on(settings.has_issues)],
        ["Wiki", _on(settings.has_wiki)],
        ["Projects", _on(settings.has_projects)],
        ["Archived", "yes" if settings.archived else "no"],
    ]
    tables = [Table(title="Settings", columns=["Setting", "Value"], rows=rows)]
    p = settings.protection
    if p is not None:
        if not p.readable:
            prow: list[list[Any]] = [
                ["Protection", "not readable with this token (needs Administration: read)"]
            ]
        elif not p.protected:
            prow = [["Protection", "none"]]
        else:
            prow = [
                ["Required approvals", p.required_approvals],
                ["Dismiss stale reviews", "yes" if p.dismiss_stale_reviews else "no"],
                ["Code owner reviews", "yes" if p.require_code_owner_reviews else "no"],
                ["Required checks", ", ".join(p.required_checks) or "none"],
                ["Enforced for admins", "yes" if p.enforce_admins else "no"],
                ["Linear history", "yes" if p.linear_history else "no"],
                ["Force pushes", "allowed" if p.allow_force_pushes else "blocked"],
            ]
        tables.append(
            Table(title=f"Protection of {p.branch}", columns=["Rule", "Value"], rows=prow)
        )
    return tables


def _show_result(reader: Reader, args: RepoArgs, settings: RepoSettings) -> Result:
    return Result(
        title=f"{settings.full_name} ({settings.visibility})",
        text=settings.html_url,
        tables=_settings_tables(settings),
        data={"settings": settings.model_dump(mode="json")},
    )


_SHOWN = "Settings, topics and default-branch protection of a repository."

SHOW = Read(
    name="github.show_repository",
    args=RepoArgs,
    summary=_SHOWN,
    service="github",
    commands=(Command("repo show [REPO]", _SHOWN), Command("repo settings [REPO]", _SHOWN)),
    guide="Description, visibility, default branch, topics, merge options, features, and "
    "a summary of the default branch's protection (unreadable with the workflow token).",
    github=("metadata: read",),
    read=_show,
    render=_show_result,
    source="GitHub",
)

#: ``repo settings`` switches and the repository field each sets.
SWITCHES = {
    "merge_commit": "allow_merge_commit",
    "squash_merge": "allow_squash_merge",
    "rebase_merge": "allow_rebase_merge",
    "auto_merge": "allow_auto_merge",
    "delete_branch_on_merge": "delete_branch_on_merge",
    "issues": "has_issues",
    "wiki": "has_wiki",
    "projects": "has_projects",
}
#: ``repo settings`` values set as they are typed.
TEXTS = ("description", "homepage", "default_branch", "visibility")
_MERGING = ("allow_merge_commit", "allow_squash_merge", "allow_rebase_merge")
_TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


def _text(value: str | None) -> str | None:
    return None if value is None else clean_untrusted(value).strip()


def _topics(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    topics = [t.strip().lower() for t in value if t.strip()]
    bad = [t for t in topics if not _TOPIC.fullmatch(t)]
    if bad or len(topics) > 20:
        raise BadInput(
            "Topics are lowercase letters, digits and hyphens, at most 50 characters "
            "each and 20 in all" + (f"; not: {', '.join(bad)}" if bad else "") + "."
        )
    return topics


Text = Annotated[str | None, AfterValidator(_text)]


class RepoSettingsArgs(RepoArgs):
    """Arguments of ``repo settings --OPTION VALUE...``: only what is given changes."""

    description: Text = None
    """A new description."""
    homepage: Text = None
    """A new homepage URL."""
    default_branch: str | None = None
    """A new default branch (it must exist)."""
    visibility: Annotated[Literal["public", "private", "internal"] | None, Lower] = None
    """public, private or internal (internal: organizations on GitHub Enterprise)."""
    merge_commit: Switch | None = None
    """Allow merge commits: on or off."""
    squash_merge: Switch | None = None
    """Allow squash merging: on or off."""
    rebase_merge: Switch | None = None
    """Allow rebase merging: on or off."""
    auto_merge: Switch | None = None
    """Allow auto-merge: on or off."""
    delete_branch_on_merge: Switch | None = None
    """Delete head branches once merged: on or off."""
    issues: Switch | None = None
    """The Issues feature: on or off."""
    wiki: Switch | None = None
    """The wiki: on or off."""
    projects: Switch | None = None
    """Projects: on or off."""
    topics: Annotated[list[str] | None, AfterValidator(_topics)] = None
    """The topics, replacing all of them (lowercase, digits, hyphens; at most 20)."""

    def changes(self) -> dict[str, Any]:
        """What is asked, as the repository fields GitHub takes (``allow_squash_merge``…)."""
        asked: dict[str, Any] = {k: getattr(self, k) for k in TEXTS if getattr(self, k) is not None}
        for field, key in SWITCHES.items():
            value = getattr(self, field)
            if value is not None:
                asked[key] = value == "on"
        return asked


def _plan_settings(reader: Reader, args: RepoSettingsArgs) -> Proposal | Unchanged:
    gh, repository = gh_client(reader), repository_of(reader, args.repository)
    asked = args.changes()
    if not asked and args.topics is None:
        raise BadInput(
            "Name at least one setting to change.",
            remedy="`repo settings` alone shows them; e.g. `repo settings --wiki off`.",
        )
    current = repo_settings(gh, repository, protection=False)
    changes = {k: v for k, v in asked.items() if getattr(current, k) != v}
    topics = args.topics if args.topics is not None and args.topics != current.topics else None
    if not any(changes.get(k, getattr(current, k)) for k in _MERGING):
        raise BadInput("At least one merge method (merge commit, squash, rebase) must stay on.")
    if not changes and topics is None:
        return Unchanged(
            f"{repository} already has these settings; nothing to change",
            {"settings": current.model_dump(mode="json")},
        )
    described = [f"{k}: {getattr(current, k)!r} → {v!r}" for k, v in changes.items()]
    if topics is not None:
        described.append(f"topics: {', '.join(current.topics) or '-'} → {', '.join(topics) or '-'}")
    unchanged = {f: None for f in TEXTS if f not in changes}
    unchanged.update({f: None for f, key in SWITCHES.items() if key not in changes})
    entry = REPO_SETTINGS.entry(
        args.model_copy(update={**unchanged, "repository": repository, "topics": topics}),
        f"Change the settings of {repository}: " + "; ".join(described),
        [repository],
    )
    return Proposal([entry], what=f"change settings of {repository}")


def _run_settings(writers: Writers, args: RepoSettingsArgs) -> str:
    changes = args.changes()
    after = edit_repo(writers.github, planned_repository(args), changes, args.topics)
    done = [f"{k}={getattr(after, k)}" for k in changes]
    if args.topics is not None:
        done.append("topics=" + ",".join(after.topics))
    return clean_untrusted("updated " + "; ".join(done))


def _settings_calls(args: RepoSettingsArgs) -> list[ApiCall]:
    return settings_calls(planned_repository(args), args.changes(), args.topics)


def _current(reader: Reader, args: RepoSettingsArgs) -> RepoSettings:
    return repo_settings(gh_client(reader), planned_repository(args), protection=False)


def _before_settings(reader: Reader, args: RepoSettingsArgs) -> dict[str, Any]:
    """What the entry changes, as it is before: the way back sets these again."""
    current = _current(reader, args)
    before: dict[str, Any] = {key: getattr(current, key) for key in args.changes()}
    if args.topics is not None:
        before["topics"] = list(current.topics)
    return before


def _verify_settings(reader: Reader, args: RepoSettingsArgs) -> Verification:
    current = _current(reader, args)
    wanted: dict[str, Any] = dict(args.changes())
    if args.topics is not None:
        wanted["topics"] = args.topics
    read = "; ".join(f"{key}={getattr(current, key)!r}" for key in wanted)
    differ = [key for key, value in wanted.items() if getattr(current, key) != value]
    if differ:
        return NotAsPlanned(f"{current.full_name} has {read} (not as planned: {', '.join(differ)})")
    return Verified(f"{current.full_name} has {read}")


def _undo_settings(reader: Reader, before: Any, args: RepoSettingsArgs) -> list[PlanEntry]:
    """Set back what the entry changed, to the values read just before."""
    if not isinstance(before, dict) or not before:
        return []
    repository = planned_repository(args)
    fields: dict[str, Any] = {"repository": repository}
    switches = {key: field for field, key in SWITCHES.items()}
    for key, value in before.items():
        if key == "topics":
            fields["topics"] = list(value)
        elif key in switches:
            fields[switches[key]] = "on" if value else "off"
        elif key in TEXTS:
            fields[key] = value or ""
    back = RepoSettingsArgs.model_validate(fields)
    shown = "; ".join(f"{key}: {value!r}" for key, value in before.items())
    return [
        REPO_SETTINGS.entry(back, f"Roll back the settings of {repository}: {shown}", [repository])
    ]


def _visibility_warning(args: RepoSettingsArgs) -> str:
    if args.visibility is None:
        return ""
    if args.visibility == "public":
        return (
            "making the repository public shows its code, history, releases and Actions logs "
            "to everyone and lets anyone fork it; making it private again takes back none of "
            "the copies made meanwhile"
        )
    return (
        f"making the repository {args.visibility} erases its stars and watchers for good when "
        "it was public (its public forks stay public, detached from it), and deletes the "
        "forks of people who lose access when it was internal"
    )


REPO_SETTINGS = Write(
    name="github.repo_settings",
    args=RepoSettingsArgs,
    summary="Change a repository's settings (merge options, features, topics).",
    service="github",
    tool="change_repository_settings",
    commands=(
        Command(
            "repo settings [REPO] [--description D] [--topics a,b] [--default-branch B] "
            "[--visibility V] [--squash-merge on|off] …",
            "Plan to change settings (merge options, features, topics).",
        ),
    ),
    guide="Give only what should change (null for the rest); what already has that value is "
    "left out of the plan. At least one merge method must stay on. It needs a token with "
    "Administration: write (not the workflow token).",
    github=(ADMIN,),
    plan=_plan_settings,
    run=_run_settings,
    calls=_settings_calls,
    verify=_verify_settings,
    before=_before_settings,
    undo=_undo_settings,
    irreversible=_visibility_warning,
    examples=(
        {
            **{field: None for field in (*TEXTS, *SWITCHES, "topics")},
            "repository": "acme/platform",
            "wiki": "off",
            "squash_merge": "on",
            "topics": ["infra", "ci"],
        },
        {
            **{field: None for field in (*TEXTS, *SWITCHES, "topics")},
            "repository": "acme/platform",
            "description": "Platform services",
            "default_branch": "trunk",
        },
        {
            **{field: None for field in (*TEXTS, *SWITCHES, "topics")},
            "repository": "acme/platform",
            "visibility": "public",
        },
        {
            **{field: None for field in (*TEXTS, *SWITCHES, "topics")},
            "repository": "acme/platform",
            "visibility": "private",
        },
    ),
)
