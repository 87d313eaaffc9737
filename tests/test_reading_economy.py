"""Fewer calls and more overlap in the readers the audit and the commands share.

* Timestamps: :func:`devops_agent.aws.parse_timestamp` returns what botocore's own
  parser returns for every form AWS sends, and every client of ours uses it.
* Bucket regions: ListBuckets is asked with a page size, so AWS reports each bucket's
  region; where a stand-in leaves it out, one listing filtered by region per audited
  region answers it; a stand-in that ignores that filter, a refused filtered listing,
  a single region or a bucket outside the regions fall back to GetBucketLocation.
* Snapshot permissions read on a pool the caller shares, with the same verdicts.
* A bucket's settings read as separate calls and merged are the model one read makes.
* The audit drops a bucket deleted while its settings are being read.

moto leaves ``BucketRegion`` out of ListBuckets; AWS's answer to a request with a page
size carries it (botocore's model: "If the request contains at least one valid
parameter, it is included in the response"), so that state is given with botocore's
Stubber. A stand-in that ignores the region filter, and a refused filtered listing, are
made with botocore's own events on real clients against moto.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from botocore.utils import parse_timestamp as botocore_timestamp
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count
from test_aws_ops_support import user_session

from devops_agent.audit import discover_checks, reading
from devops_agent.aws import client, ec2, parse_timestamp, s3
from devops_agent.errors import ServiceError
from devops_agent_sandbox.estate import public_read_policy

ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


def counted(aws_client: Any) -> Counter[str]:
    """The calls made through ``aws_client`` from now on, by operation."""
    calls: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        calls[event_name.removeprefix("before-call.s3.")] += 1

    aws_client.meta.events.register("before-call", count)
    return calls


def make_buckets(session: boto3.Session, where: dict[str, str]) -> None:
    for name, region in where.items():
        made = session.client("s3", region_name=region)
        if region == "us-east-1":
            made.create_bucket(Bucket=name)
        else:
            made.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
            )


# --------------------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-03T18:53:13.000Z",  # what AWS sends
        "2026-12-03T18:53:13Z",
        "2026-12-03T18:53:13.5Z",
        "2026-12-03T18:53:13.123456789Z",  # nanoseconds: botocore's parser
        "2026-12-03T18:53:13+02:00",  # an offset: botocore's parser
        "2026-12-03T18:53:13",  # no zone: botocore's parser
        "Tue, 03 Dec 2026 18:53:13 GMT",  # RFC 822 (S3 headers)
        1700000000,  # epoch seconds (JSON protocols)
        "1700000000",
        "2026-02-30T00:00:00Z",  # no such day: botocore's parser decides
    ],
)
def test_timestamps_read_as_botocore_reads_them(value: Any) -> None:
    try:
        expected = botocore_timestamp(value)
    except ValueError:
        with pytest.raises(ValueError, match="Invalid timestamp"):
            parse_timestamp(value)
        return
    got = parse_timestamp(value)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("value", ["nonsense", "", None, "2026-13-03T18:53:13.000Z"])
def test_timestamps_that_are_not_timestamps_fail_as_in_botocore(value: Any) -> None:
    with pytest.raises(ValueError, match="Invalid timestamp"):
        botocore_timestamp(value)
    with pytest.raises(ValueError, match="Invalid timestamp"):
        parse_timestamp(value)


def test_our_clients_parse_timestamps_with_the_fast_parser(aws: boto3.Session) -> None:
    ours = client(aws, "ec2", "us-east-1")
    ours.create_volume(AvailabilityZone="us-east-1a", Size=1)
    (raw,) = ours.describe_volumes()["Volumes"]
    assert raw["CreateTime"].tzinfo is UTC  # botocore's own parser says tzutc()
    (volume,) = ec2.list_volumes(aws, "us-east-1")
    assert volume.created == raw["CreateTime"]


# --------------------------------------------------------------------------- bucket regions


def test_aws_reports_bucket_regions_so_no_bucket_is_located(aws: boto3.Session) -> None:
    listing = client(aws, "s3")
    answer = {
        "Buckets": [
            {"Name": "far", "BucketRegion": "ap-southeast-2", "CreationDate": datetime.now(UTC)},
            {"Name": "near", "BucketRegion": "us-east-1", "CreationDate": datetime.now(UTC)},
        ]
    }
    with Stubber(listing) as stub:  # any other call fails the test
        stub.add_response("list_buckets", answer, expected_params={"MaxBuckets": 10_000})
        found = s3.list_buckets(aws, s3=listing, regions=list(REGIONS))
    assert [(b.name, b.region) for b in found] == [("far", "ap-southeast-2"), ("near", "us-east-1")]


def test_regions_a_stand_in_leaves_out_come_from_one_listing_per_region(
    aws: boto3.Session,
) -> None:
    make_buckets(
        aws,
        {
            "a-east": "us-east-1",
            "b-east": "us-east-1",
            "c-west": "eu-west-1",
            "d-far": "ap-south-1",
        },
    )
    home = client(aws, "s3")
    regional = {r: client(aws, "s3", r) for r in REGIONS}
    calls = counted(home)
    by_region = {r: counted(c) for r, c in regional.items()}

    found = s3.list_buckets(aws, s3=home, regions=list(REGIONS), regional=regional.__getitem__)

    assert {b.name: b.region for b in found} == {
        "a-east": "us-east-1",
        "b-east": "us-east-1",
        "c-west": "eu-west-1",
        "d-far": "ap-south-1",  # outside the regions: located on its own
    }
    assert calls == {"ListBuckets": 1, "GetBucketLocation": 1}
    assert by_region == {"us-east-1": {"ListBuckets": 1}, "eu-west-1": {"ListBuckets": 1}}
    unlocated = s3.list_buckets(
        aws, s3=home, locate=False, regions=list(REGIONS), regional=regional.__getitem__
    )
    assert {b.name: b.region for b in unlocated}["d-far"] is None  # the audit locates it


def test_a_stand_in_that_ignores_the_region_filter_is_not_believed(aws: boto3.Session) -> None:
    make_buckets(aws, {"a-east": "us-east-1", "b-west": "eu-west-1", "c-west": "eu-west-1"})
    regional = {r: client(aws, "s3", r) for r in REGIONS}

    def ignore_filter(params: dict[str, Any], **_: Any) -> None:
        params.pop("BucketRegion", None)  # every region now lists every bucket

    for made in regional.values():
        made.meta.events.register("before-parameter-build.s3.ListBuckets", ignore_filter)
    home = client(aws, "s3")
    calls = counted(home)

    found = s3.list_buckets(aws, s3=home, regions=list(REGIONS), regional=regional.__getitem__)

    assert {b.name: b.region for b in found} == {
        "a-east": "us-east-1",
        "b-west": "eu-west-1",
        "c-west": "eu-west-1",
    }
    assert calls == {"ListBuckets": 1, "GetBucketLocation": 3}


def test_a_refused_region_listing_falls_back_to_locating_each_bucket(aws: boto3.Session) -> None:
    make_buckets(aws, {"a-east": "us-east-1", "b-west": "eu-west-1", "c-west": "eu-west-1"})
    regional = {r: client(aws, "s3", r) for r in REGIONS}
    denied = (
        b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
        b"<Message>Access Denied</Message></Error>"
    )

    def refuse(request: Any, **_: Any) -> AWSResponse | None:
        if "bucket-region=eu-west-1" in request.url:
            return AWSResponse(request.url, 403, {}, _Raw(denied))
        return None

    regional["eu-west-1"].meta.events.register("before-send.s3.ListBuckets", refuse)
    home = client(aws, "s3")
    calls = counted(home)

    found = s3.list_buckets(aws, s3=home, regions=list(REGIONS), regional=regional.__getitem__)

    assert {b.name: b.region for b in found} == {
        "a-east": "us-east-1",
        "b-west": "eu-west-1",
        "c-west": "eu-west-1",
    }
    assert calls == {"ListBuckets": 1, "GetBucketLocation": 2}  # us-east-1's listing held


def test_one_region_or_few_buckets_locate_each_bucket(aws: boto3.Session) -> None:
    make_buckets(aws, {"a-east": "us-east-1", "b-west": "eu-west-1", "c-west": "eu-west-1"})
    home = client(aws, "s3")
    calls = counted(home)
    one = s3.list_buckets(aws, s3=home, regions=["eu-west-1"])
    assert calls == {"ListBuckets": 1, "GetBucketLocation": 3}
    assert {b.name: b.region for b in one}["a-east"] == "us-east-1"
    calls.clear()
    many_regions = ["us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"]  # more than buckets
    s3.list_buckets(aws, s3=home, regions=many_regions)
    assert calls == {"ListBuckets": 1, "GetBucketLocation": 3}


class _Raw:
    """What urllib3 hands botocore as a response body."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body


# --------------------------------------------------------------------------- snapshots


def test_snapshot_permissions_on_a_shared_pool_read_the_same(aws: boto3.Session) -> None:
    raw = aws.client("ec2", region_name="us-east-1")
    volume = raw.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    public = raw.create_snapshot(VolumeId=volume)["SnapshotId"]
    private = raw.create_snapshot(VolumeId=volume)["SnapshotId"]
    raw.modify_snapshot_attribute(
        SnapshotId=public,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        shared = ec2.list_snapshots(aws, "us-east-1", pool=pool)
        again = ec2.list_snapshots(aws, "us-east-1", pool=pool)  # the pool is still the caller's
    alone = ec2.list_snapshots(aws, "us-east-1", workers=1)
    assert shared == again == alone
    assert {s.id: s.public for s in shared} == {public: True, private: False}


@set_initial_no_auth_action_count(7)
@mock_aws
def test_unreadable_permissions_on_a_shared_pool_are_unknown_and_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    admin_ec2 = boto3.client("ec2", region_name="us-east-1")
    volume = admin_ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
    shared = admin_ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    admin_ec2.modify_snapshot_attribute(
        SnapshotId=shared,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    admin = boto3.client("iam", region_name="us-east-1")
    allowed = {"Effect": "Allow", "Action": "ec2:DescribeSnapshots", "Resource": "*"}
    lister = user_session(admin, "lister", "list-only", [allowed])
    # those seven calls were free; from here on moto enforces IAM policies
    refused: list[tuple[str, str | None]] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        (found,) = ec2.list_snapshots(
            lister, "us-east-1", pool=pool, on_unreadable=lambda s, e: refused.append((s, e.code))
        )
    assert found.id == shared and found.public is None  # unknown, not "private"
    assert refused == [(shared, "AccessDenied")]


@set_initial_no_auth_action_count(4)
@mock_aws
def test_a_refused_snapshot_listing_raises_and_leaves_the_pool_working(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    admin = boto3.client("iam", region_name="us-east-1")
    denied = {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}
    nobody = user_session(admin, "nobody", "nothing", [denied])
    admin.create_user(UserName="free-4th")  # from here on moto enforces IAM policies
    with ThreadPoolExecutor(max_workers=2) as pool:
        with pytest.raises(ServiceError) as err:
            ec2.list_snapshots(nobody, "us-east-1", pool=pool)
        assert pool.submit(lambda: 42).result() == 42
    assert "ec2:DescribeSnapshots" in err.value.message


# --------------------------------------------------------------------------- bucket settings


def test_settings_read_apart_and_merged_equal_one_read(aws: boto3.Session) -> None:
    raw = aws.client("s3", region_name="us-east-1")
    raw.create_bucket(Bucket="mixed")
    raw.put_bucket_versioning(Bucket="mixed", VersioningConfiguration={"Status": "Enabled"})
    raw.put_bucket_policy(
        Bucket="mixed",
        Policy=public_read_policy("mixed"),
    )
    (bucket,) = s3.list_buckets(aws)
    every: list[s3.BucketSetting] = [
        "versioning",
        "policy",
        "policy_status",
        "encryption",
        "logging",
        "acl",
    ]
    whole = s3.read_settings(aws, bucket, every)
    groups: list[list[s3.BucketSetting]] = [
        ["logging"],
        ["policy", "policy_status"],
        ["versioning"],
        ["acl"],
        ["encryption"],
    ]
    merged = s3.merge_settings(bucket, [s3.read_settings(aws, bucket, g) for g in groups])
    assert merged == whole
    assert merged.model_dump(mode="json") == whole.model_dump(mode="json")
    assert merged.versioning == "Enabled" and merged.has_policy
    assert s3.merge_settings(bucket, []) == bucket


def test_a_bucket_deleted_while_its_settings_are_read_is_left_out(aws: boto3.Session) -> None:
    make_buckets(aws, {"stays": "us-east-1", "goes": "us-east-1"})
    remover = aws.client("s3", region_name="us-east-1")

    def delete_first(params: dict[str, Any], **_: Any) -> None:
        if params.get("Bucket") == "goes":  # gone before its versioning is read
            remover.delete_bucket(Bucket="goes")

    aws.events.register("before-parameter-build.s3.GetBucketVersioning", delete_first)
    inventory = reading.collect(
        aws, ["us-east-1"], {"s3.bucket_acl", "s3.bucket_versioning"}, account_id=ACCOUNT
    )
    assert [b.name for b in inventory.s3.buckets or []] == ["stays"]
    assert (inventory.s3.buckets or [])[0].settings_read == ["acl", "versioning"]
    assert inventory.gaps == []


def test_concurrent_and_sequential_reads_make_the_same_calls(aws: boto3.Session) -> None:
    make_buckets(aws, {f"b-{i}": REGIONS[i % 2] for i in range(6)})
    parts = {p for c in discover_checks() for p in c.meta.requires}
    fast = reading.collect(aws, list(REGIONS), parts, account_id=ACCOUNT, item_workers=8)
    slow = reading.collect(aws, list(REGIONS), parts, account_id=ACCOUNT, sequential=True)
    assert fast.api_calls_by_operation == slow.api_calls_by_operation
    assert fast.s3 == slow.s3
    assert "s3.GetBucketLocation" not in fast.api_calls_by_operation
