"""The live tests' cleanup, checked offline against moto (runs in the default suite)."""

from __future__ import annotations

import boto3
from moto import mock_aws

from live.conftest import TAG, delete_tagged


def test_cleanup_deletes_only_what_this_run_tagged():
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        ec2 = session.client("ec2")
        s3 = session.client("s3")

        def group(name, run):
            tags = [{"ResourceType": "security-group", "Tags": [{"Key": TAG, "Value": run}]}]
            return ec2.create_security_group(
                GroupName=name, Description="x", TagSpecifications=tags
            )["GroupId"]

        mine, theirs = group("a", "run1"), group("b", "run2")
        for name, run in (("devops-agent-live-run1", "run1"), ("devops-agent-live-run2", "run2")):
            s3.create_bucket(Bucket=name)
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": TAG, "Value": run}]})
        s3.put_object(Bucket="devops-agent-live-run1", Key="k", Body=b"x")
        s3.create_bucket(Bucket="unrelated")

        assert delete_tagged(session, "us-east-1", "run1") == [mine, "devops-agent-live-run1"]
        groups = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
        assert theirs in groups and mine not in groups
        assert {b["Name"] for b in s3.list_buckets()["Buckets"]} == {
            "devops-agent-live-run2",
            "unrelated",
        }
