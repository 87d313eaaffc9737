"""Read-only checks against the real account and repository (``pytest -m live``).

Each call is a list/describe/get: no change, near-zero cost.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.live


def test_credentials_reach_the_account(live_session):
    identity = live_session.client("sts").get_caller_identity()
    assert identity["Account"].isdigit()


def test_ec2_reads(live_session, live_region):
    from devops_agent.aws import ec2, vpc

    instances = ec2.list_instances(live_session, live_region)
    groups = ec2.list_security_groups(live_session, live_region)
    vpcs = vpc.list_vpcs(live_session, live_region)
    assert all(i.region == live_region for i in instances)
    assert groups, "every region has at least a default security group"
    assert isinstance(vpcs, list)


def test_s3_and_iam_reads(live_session):
    from devops_agent.aws import iam, s3

    assert isinstance(s3.list_buckets(live_session), list)
    assert isinstance(iam.list_users(live_session), list)
    assert isinstance(iam.list_roles(live_session), list)


def test_github_reads(live_github):
    from devops_agent.gh import pulls, workflows

    gh, repo = live_github
    assert isinstance(workflows.list_workflows(gh, repo), list)
    assert isinstance(pulls.list_pulls(gh, repo), list)
