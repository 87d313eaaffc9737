"""The AWS read layer (devops_agent.aws) and the sandbox estate, against moto.

Most tests read the seeded estate once (class-scoped, in-process ``mock_aws``);
tests that need their own state (pagination, denied calls) start their own mock.
One test seeds moto's HTTP server through ``AWS_ENDPOINT_URL``, the way
``devops-agent demo`` and the end-to-end tests run.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count
from moto.server import ThreadedMotoServer
from test_aws_ops_support import isolate_aws, user_session

from devops_agent import __version__
from devops_agent.aws import (
    BOTO_CONFIG,
    across_regions,
    aws_errors,
    call,
    check_region,
    client,
    ec2,
    iam,
    s3,
    translate,
    vpc,
)
from devops_agent.errors import BadInput, ServiceError, UnknownRegion
from devops_agent_sandbox.estate import seed

REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """An empty in-process moto account."""
    isolate_aws(monkeypatch)
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


def _count_calls(session: boto3.Session) -> Counter[str]:
    """Count API calls made through clients the session creates from now on."""
    calls: Counter[str] = Counter()

    def record(event_name: str, **_: Any) -> None:
        calls[event_name.removeprefix("before-call.")] += 1

    session.events.register("before-call", record)
    return calls


# --------------------------------------------------------------------------- the seeded estate


@pytest.fixture(scope="class")
def estate() -> Iterator[tuple[boto3.Session, dict[str, Any]]]:
    """The demo estate, seeded once for the class that uses it, and what seed() said it made."""
    with pytest.MonkeyPatch.context() as mp:
        isolate_aws(mp)
        with mock_aws():
            session = boto3.Session(region_name="us-east-1")
            yield session, seed(session, REGIONS)


class TestSeededEstate:
    """Every list function returns exactly what ``seed`` created."""

    def test_instances_per_region(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        for region in REGIONS:
            got = ec2.list_instances(session, region)
            want = {n: i for n, i in made["instances"].items() if i["region"] == region}
            assert {i.name: i.id for i in got} == {n: i["id"] for n, i in want.items()}
            assert {i.name: i.state for i in got} == {n: i["state"] for n, i in want.items()}
            assert {i.region for i in got} == {region}
        assert [i.name for i in ec2.list_instances(session, "us-east-1")] == ["web-1", "worker-1"]

    def test_instance_details(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        web = next(i for i in ec2.list_instances(session, "us-east-1") if i.name == "web-1")
        assert web.type == "t3.micro"
        assert web.subnet_id == made["subnets"]["prod-public"]["id"]
        assert web.vpc_id == made["vpcs"]["prod"]["id"]
        assert web.availability_zone == "us-east-1a"
        assert web.public_ip  # launched in a subnet that maps public IPs
        assert (web.private_ip or "").startswith("10.10.1.")
        assert web.key_name == "deploy-key"
        assert set(web.security_group_ids) == {
            made["security_groups"]["prod-web"]["id"],
            made["security_groups"]["legacy-ssh"]["id"],
        }
        assert web.tags["env"] == "prod"
        assert web.launch_time.tzinfo is UTC
        assert web.imds_v2_required is False

    def test_state_filter(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        stopped = ec2.list_instances(session, "us-east-1", state="stopped")
        assert [(i.name, i.id) for i in stopped] == [
            ("worker-1", made["instances"]["worker-1"]["id"])
        ]
        assert [i.name for i in ec2.list_instances(session, "us-east-1", state=" RUNNING ")] == [
            "web-1"
        ]
        assert ec2.list_instances(session, "eu-west-1", state="stopped") == []

    def test_state_filter_rejects_unknown_word(
        self, estate: tuple[boto3.Session, dict[str, Any]]
    ) -> None:
        session, _ = estate
        with pytest.raises(BadInput) as err:
            ec2.list_instances(session, "us-east-1", state="sleeping")
        assert "sleeping" in err.value.message
        for state in ec2.INSTANCE_STATES:
            assert state in err.value.message

    def test_describe_by_id(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        ids = [made["instances"]["worker-1"]["id"], made["instances"]["web-1"]["id"]]
        got = ec2.describe_instances(session, "us-east-1", [i.upper() for i in ids])
        assert [(i.name, i.state) for i in got] == [("web-1", "running"), ("worker-1", "stopped")]
        assert got[1].imds_v2_required is True

    @pytest.mark.parametrize(
        "bad", ["i-123", "i-0123456789abcdefg", "instance-1", "sg-0123456789abcdef0", ""]
    )
    def test_describe_rejects_malformed_id(
        self, estate: tuple[boto3.Session, dict[str, Any]], bad: str
    ) -> None:
        session, _ = estate
        calls = _count_calls(session)
        with pytest.raises(BadInput, match="i-0123456789abcdef0"):
            ec2.describe_instances(session, "us-east-1", [bad])
        assert not calls  # rejected before any API call

    def test_describe_unknown_id_names_it(
        self, estate: tuple[boto3.Session, dict[str, Any]]
    ) -> None:
        session, made = estate
        # web-2 exists, but in eu-west-1: asking us-east-1 is a real-life NotFound
        missing = made["instances"]["web-2"]["id"]
        with pytest.raises(ServiceError) as err:
            ec2.describe_instances(session, "us-east-1", [missing])
        assert err.value.code == "InvalidInstanceID.NotFound"
        assert missing in err.value.message
        assert "us-east-1" in err.value.message
        assert "region" in err.value.remedy

    def test_security_groups(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        prod_vpc = made["vpcs"]["prod"]["id"]
        groups = {g.name: g for g in ec2.list_security_groups(session, "us-east-1", prod_vpc)}
        assert set(groups) == {"default", "prod-web", "legacy-ssh"}
        assert {g.vpc_id for g in groups.values()} == {prod_vpc}
        ssh = groups["legacy-ssh"]
        assert ssh.id == made["security_groups"]["legacy-ssh"]["id"]
        assert [(r.protocol, r.ports, r.sources) for r in ssh.ingress] == [
            ("tcp", "22", ["0.0.0.0/0"])
        ]
        assert [r.ports for r in groups["prod-web"].ingress] == ["80", "443"]
        assert ssh.egress[0].protocol == "all"
        assert ssh.egress[0].ports == "all"

        everything = ec2.list_security_groups(session, "eu-west-1")
        staging = {g.name: g for g in everything}
        assert "legacy-ssh" not in staging
        assert staging["staging-db"].ingress[0].sources == [staging["staging-web"].id]
        # without a VPC filter the default VPC's group shows as well
        assert [g.name for g in everything].count("default") == 2

    def test_key_pairs(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        pairs = ec2.list_key_pairs(session, "us-east-1")
        assert [(k.name, k.id, k.region) for k in pairs] == [
            ("deploy-key", made["key_pairs"]["deploy-key"]["id"], "us-east-1")
        ]
        assert pairs[0].type == "ed25519"
        assert ec2.list_key_pairs(session, "eu-west-1") == []

    def test_vpcs(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        for region, env in zip(REGIONS, ("prod", "staging"), strict=True):
            vpcs = vpc.list_vpcs(session, region)
            assert [(v.name, v.is_default) for v in vpcs] == [(env, False), (None, True)]
            assert vpcs[0].id == made["vpcs"][env]["id"]
            assert vpcs[0].cidr == made["vpcs"][env]["cidr"]
            assert vpcs[0].state == "available"
            assert {v.region for v in vpcs} == {region}

    def test_subnets(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        vpc_id = made["vpcs"]["staging"]["id"]
        subnets = vpc.list_subnets(session, "eu-west-1", vpc_id)
        assert [(s.name, s.id, s.cidr, s.map_public_ip_on_launch) for s in subnets] == [
            (
                name,
                made["subnets"][name]["id"],
                made["subnets"][name]["cidr"],
                made["subnets"][name]["public"],
            )
            for name in ("staging-private", "staging-public")
        ]
        assert all(s.available_ips > 0 and s.vpc_id == vpc_id for s in subnets)
        assert len(vpc.list_subnets(session, "eu-west-1")) > len(subnets)  # default VPC's too

    def test_route_tables(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        vpc_id = made["vpcs"]["prod"]["id"]
        main, public = vpc.list_route_tables(session, "us-east-1", vpc_id)
        assert (main.main, public.main) == (True, False)
        assert main.routes == ["10.10.0.0/16 -> local"]
        seeded = made["route_tables"]["prod-public"]
        assert public.id == seeded["id"]
        assert public.name == "prod-public"
        assert f"0.0.0.0/0 -> {seeded['igw_id']}" in public.routes
        assert public.associations == [made["subnets"]["prod-public"]["id"]]

    def test_malformed_vpc_id(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, _ = estate
        with pytest.raises(BadInput, match="vpc-0123456789abcdef0"):
            vpc.list_subnets(session, "us-east-1", "prod")

    def test_buckets(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        buckets = s3.list_buckets(session)
        assert {b.name: b.region for b in buckets} == {
            n: b["region"] for n, b in made["buckets"].items()
        }
        assert [b.name for b in buckets] == [  # region, then name
            "acme-staging-uploads",
            "acme-prod-assets",
            "acme-prod-logs",
        ]
        assert all(b.created and b.created.tzinfo is UTC for b in buckets)

    def test_objects_and_policies(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        objects = s3.list_objects(session, "acme-prod-assets")
        assert [o.key for o in objects] == made["buckets"]["acme-prod-assets"]["objects"]
        assert all(o.size > 0 and o.storage_class == "STANDARD" for o in objects)
        assert [o.key for o in s3.list_objects(session, "s3://acme-prod-assets/", "css/")] == [
            "css/site.css"
        ]
        assert s3.list_objects(session, "acme-prod-logs") == []

        policy = s3.get_bucket_policy(session, "acme-staging-uploads")
        assert policy is not None
        assert json.loads(policy)["Statement"][0]["Principal"] == "*"
        assert s3.get_bucket_policy(session, "acme-prod-logs") is None

    def test_unknown_bucket_names_it(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, _ = estate
        for read in (s3.list_objects, s3.get_bucket_policy):
            with pytest.raises(ServiceError) as err:
                read(session, "acme-no-such-bucket")
            assert err.value.code == "NoSuchBucket"
            assert "acme-no-such-bucket" in err.value.message
        with pytest.raises(BadInput):
            s3.list_objects(session, "no/slashes")

    def test_iam(self, estate: tuple[boto3.Session, dict[str, Any]]) -> None:
        session, made = estate
        users = iam.list_users(session)
        assert [(u.name, u.arn, u.path) for u in users] == [
            (n, u["arn"], u["path"]) for n, u in made["users"].items()
        ]
        assert all(u.created.tzinfo is UTC and u.password_last_used is None for u in users)

        (role,) = iam.list_roles(session)
        assert (role.name, role.arn) == ("github-deploy", made["roles"]["github-deploy"]["arn"])
        assert role.trust_policy is not None
        statement = role.trust_policy["Statement"][0]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        assert role.max_session_duration == 3600
        assert role.description.startswith("Assumed by GitHub Actions")

        (policy,) = iam.list_policies(session)
        assert policy.arn == made["policies"]["artifact-uploader"]["arn"]
        assert policy.attachment_count == 1
        assert policy.default_version_id == "v1"
        assert iam.list_policies(session, "local") == [policy]
        with pytest.raises(BadInput, match="Local, AWS, All"):
            iam.list_policies(session, "mine")

    def test_across_regions_keeps_region_order(
        self, estate: tuple[boto3.Session, dict[str, Any]]
    ) -> None:
        session, _ = estate
        got = across_regions(list(REGIONS), lambda r: ec2.list_instances(session, r))
        assert [(i.region, i.name) for i in got] == [
            ("us-east-1", "web-1"),
            ("us-east-1", "worker-1"),
            ("eu-west-1", "web-2"),
        ]
        back = across_regions(list(reversed(REGIONS)), lambda r: vpc.list_vpcs(session, r))
        assert [v.region for v in back] == ["eu-west-1", "eu-west-1", "us-east-1", "us-east-1"]

    def test_secrets_stay_out_of_the_summary(
        self, estate: tuple[boto3.Session, dict[str, Any]]
    ) -> None:
        _, made = estate
        text = json.dumps(made)
        assert "PRIVATE KEY" not in text
        assert "SecretAccessKey" not in text
        assert "AccessKeyId" not in text


# --------------------------------------------------------------------------- pagination


def test_iam_roles_and_policies_are_read_over_several_pages(aws: boto3.Session) -> None:
    admin = aws.client("iam")
    trust = json.dumps({"Version": "2012-10-17", "Statement": []})
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
    )
    for n in range(5):
        admin.create_role(RoleName=f"role-{n}", AssumeRolePolicyDocument=trust)
        admin.create_policy(PolicyName=f"policy-{n}", PolicyDocument=doc)
    calls = _count_calls(aws)
    assert [r.name for r in iam.list_roles(aws, page_size=2)] == [f"role-{n}" for n in range(5)]
    assert [p.name for p in iam.list_policies(aws, page_size=2)] == [
        f"policy-{n}" for n in range(5)
    ]
    assert calls["iam.ListRoles"] == 3
    assert calls["iam.ListPolicies"] == 3


def test_objects_are_read_over_several_pages_up_to_the_limit(aws: boto3.Session) -> None:
    admin = aws.client("s3")
    admin.create_bucket(Bucket="many")
    for n in range(7):
        admin.put_object(Bucket="many", Key=f"k{n}", Body=b"x")
    calls = _count_calls(aws)
    assert [o.key for o in s3.list_objects(aws, "many", page_size=2)] == [f"k{n}" for n in range(7)]
    assert calls["s3.ListObjectsV2"] == 4
    assert [o.key for o in s3.list_objects(aws, "many", limit=3, page_size=2)] == ["k0", "k1", "k2"]
    with pytest.raises(BadInput):
        s3.list_objects(aws, "many", limit=0)


def test_instances_are_read_over_several_pages(aws: boto3.Session) -> None:
    admin = aws.client("ec2")
    for _ in range(6):  # one reservation each: EC2 pages by reservation
        admin.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
    calls = _count_calls(aws)
    assert len(ec2.list_instances(aws, "us-east-1", page_size=5)) == 6
    assert calls["ec2.DescribeInstances"] == 2
    unnamed = ec2.list_instances(aws, "us-east-1")
    assert [i.id for i in unnamed] == sorted(i.id for i in unnamed)  # no Name tag: by id


# --------------------------------------------------------------------------- errors


@set_initial_no_auth_action_count(3)
@mock_aws
def test_access_denied_names_action_and_principal() -> None:
    admin = boto3.client("iam", region_name="us-east-1")
    allowed = {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
    reader = user_session(admin, "reader", "only-buckets", [allowed])
    # its three calls were free; from here on moto enforces IAM policies
    assert s3.list_buckets(reader) == []  # allowed

    with pytest.raises(ServiceError) as err:
        ec2.list_instances(reader, "us-east-1")
    assert err.value.code in {"AccessDenied", "UnauthorizedOperation"}
    assert "ec2:DescribeInstances" in err.value.message
    assert "arn:aws:iam::123456789012:user/reader" in err.value.message
    assert "ec2:DescribeInstances" in err.value.remedy
    assert "aws-role-to-assume" in err.value.remedy

    with pytest.raises(ServiceError) as err:
        iam.list_users(reader)
    assert "iam:ListUsers" in err.value.message
    assert err.value.code == "AccessDenied"


@set_initial_no_auth_action_count(7)
@mock_aws
def test_a_snapshot_whose_permissions_cannot_be_read_is_not_called_private() -> None:
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
    (found,) = ec2.list_snapshots(lister, "us-east-1")
    assert found.id == shared
    assert found.public is None  # unknown, not "private"


def test_no_credentials_says_how_to_configure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ServiceError) as err:
        iam.list_users(boto3.Session(region_name="us-east-1"))
    assert err.value.code == "NoCredentials"
    assert "iam:ListUsers" in err.value.message
    assert "aws-role-to-assume" in err.value.remedy
    assert "credential chain" in err.value.remedy


def _client_error(code: str, message: str = "", retries: int = 0) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RetryAttempts": retries},
        },
        "DescribeInstances",
    )


def test_translate_throttling_says_it_was_retried() -> None:
    error = translate(
        _client_error("RequestLimitExceeded", "Request limit exceeded.", retries=7),
        "ec2:DescribeInstances",
        region="eu-west-1",
    )
    assert isinstance(error, ServiceError)
    assert error.code == "RequestLimitExceeded"
    assert "retried 7 times" in error.message
    assert "eu-west-1" in error.message


def test_translate_real_unauthorized_operation_message() -> None:
    # The shape EC2 really answers with (moto says AccessDenied instead).
    message = (
        "You are not authorized to perform this operation. User: "
        "arn:aws:sts::111122223333:assumed-role/devops-read/GitHubActions is not authorized "
        "to perform: ec2:DescribeSecurityGroups because no identity-based policy allows the "
        "ec2:DescribeSecurityGroups action. Encoded authorization failure message: AbCdEf123"
    )
    error = translate(_client_error("UnauthorizedOperation", message), "ec2:DescribeInstances")
    assert isinstance(error, ServiceError)
    assert "arn:aws:sts::111122223333:assumed-role/devops-read/GitHubActions" in error.message
    assert "ec2:DescribeSecurityGroups" in error.message  # the action AWS named wins
    assert "AbCdEf123" not in error.explain()


def test_translate_connection_and_unknown_errors() -> None:
    error = translate(
        EndpointConnectionError(endpoint_url="https://ec2.xx-nowhere-1.amazonaws.com"),
        "ec2:DescribeVpcs",
        region="xx-nowhere-1",
    )
    assert isinstance(error, ServiceError)
    assert error.code == "EndpointConnectionError"
    assert "AWS_ENDPOINT_URL" in error.remedy
    other = translate(_client_error("InternalError", "boom"), "ec2:DescribeVpcs")
    assert isinstance(other, ServiceError)
    assert other.code == "InternalError"
    assert "boom" in other.message
    plain = ValueError("not botocore")
    assert translate(plain, "x:Y") is plain


def test_aws_errors_and_call(aws: boto3.Session) -> None:
    admin = client(aws, "iam")
    with pytest.raises(ServiceError) as err, aws_errors("iam:GetUser", resource="nobody"):
        admin.get_user(UserName="nobody")
    assert err.value.code == "NoSuchEntity"
    assert "nobody" in err.value.message
    assert isinstance(err.value.__cause__, ClientError)
    with pytest.raises(ServiceError, match="nobody"):
        call("iam:GetRole", admin.get_role, RoleName="nobody")
    assert call("iam:ListUsers", admin.list_users)["Users"] == []


# --------------------------------------------------------------------------- regions, clients


def test_check_region_suggests_close_names() -> None:
    session = boto3.Session(region_name="us-east-1")
    with pytest.raises(UnknownRegion) as err:
        check_region(session, "us-eats-1")
    assert "'us-eats-1'" in err.value.message
    assert "us-east-1" in err.value.message
    assert err.value.exit_code == 2
    with pytest.raises(UnknownRegion, match="us-east-1, eu-west-1"):
        check_region(session, "mars")
    assert check_region(session, " EU-West-1 ") == "eu-west-1"
    assert check_region(session, "cn-north-1") == "cn-north-1"  # other partitions count
    assert check_region(session, "us-gov-west-1") == "us-gov-west-1"


def test_list_functions_check_the_region(aws: boto3.Session) -> None:
    with pytest.raises(UnknownRegion, match="eu-west-1"):
        ec2.list_instances(aws, "eu-wset-1")


def test_client_uses_the_shared_config(aws: boto3.Session) -> None:
    ec2_client = client(aws, "ec2", "eu-west-1")
    assert ec2_client.meta.region_name == "eu-west-1"
    # botocore's max_attempts counts retries; it keeps the total (first try included) too
    assert ec2_client.meta.config.retries == {"mode": "adaptive", "total_max_attempts": 9}
    assert f"devops-agent/{__version__}" in ec2_client.meta.config.user_agent_extra
    assert BOTO_CONFIG.connect_timeout == 5
    assert BOTO_CONFIG.read_timeout == 30
    assert client(boto3.Session(), "iam").meta.region_name in {"us-east-1", "aws-global"}


def test_across_regions_waits_for_all_then_raises_the_first_error() -> None:
    finished: list[str] = []
    lock = threading.Lock()

    def read(region: str) -> list[str]:
        if region == "eu-west-1":
            raise ServiceError(f"denied in {region}", code="AccessDenied")
        time.sleep(0.2 if region == "us-east-1" else 0.05)
        if region == "ap-south-1":
            raise ServiceError(f"denied in {region}", code="AccessDenied")
        with lock:
            finished.append(region)
        return [region]

    with pytest.raises(ServiceError, match="denied in eu-west-1"):
        across_regions(["us-east-1", "eu-west-1", "ap-south-1", "us-west-2"], read)
    assert sorted(finished) == ["us-east-1", "us-west-2"]  # the slow region still finished

    def slow_first(region: str) -> list[str]:
        time.sleep({"us-east-1": 0.15, "eu-west-1": 0.0, "us-west-2": 0.05}[region])
        return [region, region]

    assert across_regions(["us-east-1", "eu-west-1", "us-west-2", "us-east-1"], slow_first) == [
        "us-east-1",
        "us-east-1",
        "eu-west-1",
        "eu-west-1",
        "us-west-2",
        "us-west-2",
    ]
    assert across_regions([], slow_first) == []


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture
def http_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's HTTP server on a free loopback port, reached through AWS_ENDPOINT_URL."""
    isolate_aws(monkeypatch)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=5).close()  # the server shares moto's backends
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    try:
        yield url
    finally:
        server.stop()


def test_seed_and_read_over_http(http_moto: str) -> None:
    session = boto3.Session(region_name="us-east-1")
    made = seed(session, ("eu-west-1", "us-east-1"))  # prod in Ireland this time
    assert made["vpcs"]["prod"]["region"] == "eu-west-1"
    got = across_regions(["eu-west-1", "us-east-1"], lambda r: ec2.list_instances(session, r))
    assert [(i.region, i.name, i.state) for i in got] == [
        ("eu-west-1", "web-1", "running"),
        ("eu-west-1", "worker-1", "stopped"),
        ("us-east-1", "web-2", "running"),
    ]
    assert {b.name: b.region for b in s3.list_buckets(session)} == {
        "acme-prod-assets": "eu-west-1",
        "acme-prod-logs": "eu-west-1",
        "acme-staging-uploads": "us-east-1",
    }
    assert len(s3.list_objects(session, "acme-prod-assets")) == 3
    assert [u.name for u in iam.list_users(session)] == ["alice", "bob", "ci-deployer"]
    legacy = [g for g in ec2.list_security_groups(session, "eu-west-1") if g.name == "legacy-ssh"]
    assert legacy[0].ingress[0].sources == ["0.0.0.0/0"]
