"""The fake GitHub's URL map: every REST endpoint it answers and the handler for it.

One handler class per area (issues, pulls, repos, actions, graphql); a request goes to
the first entry whose method matches and whose pattern matches the whole path (without
the api prefix). Paths are GitHub's own, from its OpenAPI description.
"""

from __future__ import annotations

import re

from devops_agent_sandbox.github.routes.actions import ActionsRoutes
from devops_agent_sandbox.github.routes.issues import IssueRoutes
from devops_agent_sandbox.github.routes.pulls import PullRoutes
from devops_agent_sandbox.github.routes.repos import RepoRoutes
from devops_agent_sandbox.github.server import _REPO, RouteFn

__all__ = ["ROUTES"]

_ROUTE_SPECS: list[tuple[str, str, RouteFn]] = [
    ("GET", r"/user", RepoRoutes._get_user),
    ("GET", r"/rate_limit", RepoRoutes._rate_limit),
    ("GET", _REPO, RepoRoutes._get_repo),
    (
        "GET",
        _REPO + r"/collaborators/(?P<username>[^/]+)/permission",
        RepoRoutes._collaborator_permission,
    ),
    ("GET", _REPO + r"/issues", IssueRoutes._list_issues),
    ("POST", _REPO + r"/issues", IssueRoutes._create_issue),
    ("GET", _REPO + r"/issues/(?P<number>\d+)", IssueRoutes._get_issue),
    ("PATCH", _REPO + r"/issues/(?P<number>\d+)", IssueRoutes._update_issue),
    ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", IssueRoutes._list_comments),
    ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", IssueRoutes._create_comment),
    ("GET", _REPO + r"/issues/comments/(?P<comment_id>\d+)", IssueRoutes._get_comment),
    ("PATCH", _REPO + r"/issues/comments/(?P<comment_id>\d+)", IssueRoutes._update_comment),
    ("DELETE", _REPO + r"/issues/comments/(?P<comment_id>\d+)", IssueRoutes._delete_comment),
    ("GET", _REPO + r"/issues/comments/(?P<comment_id>\d+)/reactions", IssueRoutes._list_reactions),
    (
        "POST",
        _REPO + r"/issues/comments/(?P<comment_id>\d+)/reactions",
        IssueRoutes._create_reaction,
    ),
    ("GET", _REPO + r"/pulls", PullRoutes._list_pulls),
    ("GET", _REPO + r"/pulls/(?P<number>\d+)", PullRoutes._get_pull),
    ("POST", _REPO + r"/check-runs", PullRoutes._create_check_run),
    ("GET", _REPO + r"/check-runs/(?P<check_run_id>\d+)", PullRoutes._get_check_run),
    ("PATCH", _REPO + r"/check-runs/(?P<check_run_id>\d+)", PullRoutes._update_check_run),
    ("GET", _REPO + r"/commits/(?P<ref>.+)/check-runs", PullRoutes._commit_check_runs),
    ("GET", _REPO + r"/labels", IssueRoutes._list_labels),
    ("POST", _REPO + r"/labels", IssueRoutes._create_label),
    ("GET", _REPO + r"/actions/workflows", ActionsRoutes._list_workflows),
    ("GET", _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)", ActionsRoutes._get_workflow),
    (
        "POST",
        _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)/dispatches",
        ActionsRoutes._dispatch,
    ),
    (
        "GET",
        _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)/runs",
        ActionsRoutes._list_workflow_runs,
    ),
    ("GET", _REPO + r"/actions/runs", ActionsRoutes._list_runs),
    ("GET", _REPO + r"/actions/runs/(?P<run_id>\d+)", ActionsRoutes._get_run),
    ("GET", _REPO + r"/actions/secrets/public-key", RepoRoutes._secrets_public_key),
    ("PUT", _REPO + r"/actions/secrets/(?P<secret_name>[A-Za-z0-9_]+)", RepoRoutes._put_secret),
    # users and repositories
    ("GET", r"/users/(?P<username>[^/]+)", RepoRoutes._get_user_by_login),
    ("GET", r"/users/(?P<username>[^/]+)/repos", RepoRoutes._list_user_repos),
    ("GET", r"/orgs/(?P<org>[^/]+)/repos", RepoRoutes._list_org_repos),
    ("POST", r"/orgs/(?P<org>[^/]+)/repos", RepoRoutes._create_org_repo),
    ("GET", r"/user/repos", RepoRoutes._list_own_repos),
    ("POST", r"/user/repos", RepoRoutes._create_user_repo),
    ("PATCH", _REPO, RepoRoutes._edit_repo),
    ("DELETE", _REPO, RepoRoutes._delete_repo),
    ("GET", _REPO + r"/topics", RepoRoutes._get_topics),
    ("PUT", _REPO + r"/topics", RepoRoutes._put_topics),
    ("GET", _REPO + r"/branches/(?P<branch>.+)/protection", RepoRoutes._get_protection),
    ("GET", _REPO + r"/collaborators", RepoRoutes._list_collaborators),
    ("PUT", _REPO + r"/collaborators/(?P<username>[^/]+)", RepoRoutes._add_collaborator),
    ("DELETE", _REPO + r"/collaborators/(?P<username>[^/]+)", RepoRoutes._remove_collaborator),
    ("GET", _REPO + r"/invitations", RepoRoutes._list_invitations),
    ("GET", _REPO + r"/contents/(?P<path>.*)", RepoRoutes._get_contents),
    # workflows: state, jobs, logs
    (
        "PUT",
        _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)/enable",
        ActionsRoutes._enable_workflow,
    ),
    (
        "PUT",
        _REPO + r"/actions/workflows/(?P<workflow_id>[^/]+)/disable",
        ActionsRoutes._disable_workflow,
    ),
    ("GET", _REPO + r"/actions/runs/(?P<run_id>\d+)/jobs", ActionsRoutes._list_jobs),
    ("GET", _REPO + r"/actions/runs/(?P<run_id>\d+)/logs", ActionsRoutes._run_logs),
    ("GET", _REPO + r"/actions/jobs/(?P<job_id>\d+)", ActionsRoutes._get_job),
    ("GET", _REPO + r"/actions/jobs/(?P<job_id>\d+)/logs", ActionsRoutes._job_logs),
    # merges, reviews, statuses
    ("PUT", _REPO + r"/pulls/(?P<number>\d+)/merge", PullRoutes._merge_pull),
    ("GET", _REPO + r"/pulls/(?P<number>\d+)/reviews", PullRoutes._list_reviews),
    ("POST", _REPO + r"/pulls/(?P<number>\d+)/reviews", PullRoutes._create_review),
    ("GET", _REPO + r"/commits", PullRoutes._list_commits),
    ("GET", _REPO + r"/commits/(?P<ref>.+)/status", PullRoutes._combined_status),
    ("GET", _REPO + r"/commits/(?P<ref>.+)/statuses", PullRoutes._list_statuses),
    ("POST", _REPO + r"/statuses/(?P<sha>[0-9a-f]{40})", PullRoutes._create_status),
]
ROUTES = [(m, re.compile(p), fn) for m, p, fn in _ROUTE_SPECS]
