"""Create-then-delete checks on the real account (``pytest -m live_write``).

Each test makes free resources tagged ``devops-agent-live-test=<run id>`` and the
``cleanup`` fixture deletes everything with that tag afterwards, also when the test
fails. They exist for seconds and cost nothing.
"""

from __future__ import annotations

import pytest

from live.conftest import TAG, delete_tagged

pytestmark = pytest.mark.live_write


def test_a_tagged_security_group_is_seen_then_deleted(writable, live_region, cleanup):
    from devops_agent.aws import ec2

    client = writable.client("ec2", region_name=live_region)
    group = client.create_security_group(
        GroupName=f"devops-agent-live-{cleanup}",
        Description="devops-agent live test; deleted by the test",
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": TAG, "Value": cleanup}]}
        ],
    )["GroupId"]
    listed = {g.id for g in ec2.list_security_groups(writable, live_region)}
    assert group in listed
    assert delete_tagged(writable, live_region, cleanup) == [group]


def test_a_tagged_bucket_is_seen_then_deleted(writable, live_region, cleanup):
    from devops_agent.aws import s3

    name = f"devops-agent-live-{cleanup}"
    client = writable.client("s3", region_name=live_region)
    config = (
        {}
        if live_region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": live_region}}
    )
    client.create_bucket(Bucket=name, **config)
    client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": TAG, "Value": cleanup}]})
    assert name in {b.name for b in s3.list_buckets(writable)}
    assert delete_tagged(writable, live_region, cleanup) == [name]
