"""Opt-in live tests against a real AWS account and a real GitHub repository.

Nothing here runs by default. A live test runs only when ``-m live`` (read-only) or
``-m live_write`` (creates and deletes its own tagged resources) selects it **and**
its variables are set; otherwise it is skipped with a reason naming what is missing.
The root conftest scrubs credentials from the environment for every other test, so
these fixtures read the developer's environment from before that
(``conftest.ORIGINAL_ENV``). See docs/testing.md for the IAM policy, the token's
permissions and the cost.

Variables:

- ``DEVOPS_AGENT_LIVE_AWS=1`` with ``AWS_PROFILE`` or ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY`` (/ ``AWS_SESSION_TOKEN``), and
  ``DEVOPS_AGENT_LIVE_REGION`` (default ``us-east-1``);
- ``DEVOPS_AGENT_LIVE_GITHUB_REPO=owner/name`` with ``GITHUB_TOKEN``;
- ``DEVOPS_AGENT_LIVE_WRITE=1`` as well for the ``live_write`` tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ORIGINAL_ENV

#: Tag key on everything a live_write test creates; the value is the run id.
TAG = "devops-agent-live-test"
_LIVE_MARKERS = ("live", "live_write")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip live tests unless ``-m`` names their marker (the default run never has it)."""
    expr = config.getoption("markexpr") or ""
    for item in items:
        marks = [m for m in _LIVE_MARKERS if item.get_closest_marker(m) is not None]
        if marks and not any(m in expr for m in marks):
            item.add_marker(
                pytest.mark.skip(
                    reason=f"live test: run it with -m {marks[-1]} and the DEVOPS_AGENT_LIVE_* "
                    "variables (docs/testing.md)"
                )
            )


def _need(name: str, value: str | None = None) -> str:
    found = ORIGINAL_ENV.get(name, "")
    if not found or (value is not None and found != value):
        want = f"{name}={value}" if value is not None else name
        pytest.skip(f"live test needs {want} (see docs/testing.md)")
    return found


@pytest.fixture(scope="session")
def live_region() -> str:
    return ORIGINAL_ENV.get("DEVOPS_AGENT_LIVE_REGION") or "us-east-1"


@pytest.fixture(scope="session")
def live_session(live_region: str) -> Any:
    """A boto3 Session on the real account, from the developer's own credentials."""
    import boto3

    _need("DEVOPS_AGENT_LIVE_AWS", "1")
    if ORIGINAL_ENV.get("AWS_PROFILE"):
        return boto3.Session(profile_name=ORIGINAL_ENV["AWS_PROFILE"], region_name=live_region)
    key = _need("AWS_ACCESS_KEY_ID")
    if key == "testing":
        pytest.skip("live test needs real AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID)")
    return boto3.Session(
        aws_access_key_id=key,
        aws_secret_access_key=_need("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=ORIGINAL_ENV.get("AWS_SESSION_TOKEN") or None,
        region_name=live_region,
    )


@pytest.fixture(scope="session")
def live_github() -> tuple[Any, str]:
    """``(Github client, "owner/name")`` on the real repository."""
    from devops_agent.gh import connect

    repo = _need("DEVOPS_AGENT_LIVE_GITHUB_REPO")
    token = _need("GITHUB_TOKEN")
    api = ORIGINAL_ENV.get("GITHUB_API_URL") or "https://api.github.com"
    return connect(token, api), repo


@pytest.fixture(scope="session")
def run_id() -> str:
    """This session's tag value: what cleanup deletes by."""
    return uuid.uuid4().hex[:12]


@pytest.fixture
def writable(live_session: Any) -> Any:
    _need("DEVOPS_AGENT_LIVE_WRITE", "1")
    return live_session


def delete_tagged(session: Any, region: str, run_id: str) -> list[str]:
    """Delete every security group and bucket tagged ``TAG=run_id``; say what went."""
    from botocore.exceptions import ClientError

    gone: list[str] = []
    ec2 = session.client("ec2", region_name=region)
    groups = ec2.describe_security_groups(Filters=[{"Name": f"tag:{TAG}", "Values": [run_id]}])[
        "SecurityGroups"
    ]
    for group in groups:
        ec2.delete_security_group(GroupId=group["GroupId"])
        gone.append(group["GroupId"])
    s3 = session.client("s3", region_name=region)
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        if not name.startswith("devops-agent-live-"):
            continue
        try:
            tags = s3.get_bucket_tagging(Bucket=name)["TagSet"]
        except ClientError:
            continue
        if {"Key": TAG, "Value": run_id} not in tags:
            continue
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=name, Key=obj["Key"])
        s3.delete_bucket(Bucket=name)
        gone.append(name)
    return gone


@pytest.fixture
def cleanup(writable: Any, live_region: str, run_id: str) -> Iterator[str]:
    """The run id to tag with; afterwards (pass or fail) everything tagged with it goes."""
    yield run_id
    delete_tagged(writable, live_region, run_id)
