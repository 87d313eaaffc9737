"""How the audit scales: time, memory and AWS calls at 2,500 and 10,000 resources,
against a plain 16-thread boto3 scanner reading the same estate.

Seeds moto's server (in its own process) with an estate over three regions (EC2
instances with their interfaces and root volumes, security groups, volumes,
snapshots, Elastic IPs, a VPC per region, buckets with and without policies, IAM
users with keys and managed policies), then, in the same run, alternates two
readers of it, each in a fresh process of its own so its peak RSS and CPU are its
own:

* **ours**: the audit with every check (``collect`` then ``evaluate``, as
  ``run_audit`` does), reading every part in every region and judging it;
* **scanner**: a plain boto3 scanner written below (:class:`Scanner`), the way one is
  usually written: 16 threads, one client per service and region, every listing in
  every region at once, and each per-item read (a bucket's region, each of its
  settings, a snapshot's permissions) a task of its own once its listing has
  answered. It reads what ours reads with the calls a plain scanner makes for it
  (ListBuckets without parameters, so GetBucketLocation per bucket, as ours did
  before) and models and judges nothing.

Every request first waits, standing in for the round trip to a real AWS region
(botocore's ``before-send``, in both readers): by default by the region it goes to,
as from a GitHub-hosted runner in the US East (:data:`REGION_LATENCY_MS`), or
``--latency-ms`` each.

Printed: wall time (best of ``--repeat``), the reader's CPU, moto's CPU meanwhile,
peak RSS, AWS calls against the minimum the listings need, the ratio of our time to
the scanner's, and calls per resource type for both. The goals of issue 16 are
checked on the largest size (exit 1 when missed): ours ≤ 0.8x the scanner's time
and ≤ 300 MB peak RSS.

Usage::

    python bench/audit.py                          # 2,500 and 10,000 resources (~6 minutes)
    python bench/audit.py --sizes 1000 --repeat 1  # a quick look
    python bench/audit.py --latency-ms 20          # the same 20 ms before every request
    python bench/audit.py --latency-ms 0           # what the emulator alone costs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
DEFAULT_SIZES = (2500, 10000)
ACCOUNT = "123456789012"
SCANNER_THREADS = 16
GOAL_RATIO = 0.8
GOAL_RSS_MB = 300

_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}

#: Which resource type each AWS operation reads (the rows of the per-type table).
RESOURCE_TYPE: dict[str, str] = {
    "ec2.DescribeInstances": "EC2 instances",
    "ec2.DescribeSecurityGroups": "security groups",
    "ec2.DescribeVolumes": "EBS volumes",
    "ec2.GetEbsEncryptionByDefault": "EBS encryption by default",
    "ec2.DescribeSnapshots": "EBS snapshots",
    "ec2.DescribeSnapshotAttribute": "EBS snapshots",
    "ec2.DescribeImages": "AMIs",
    "ec2.DescribeAddresses": "Elastic IPs",
    "ec2.DescribeNetworkInterfaces": "network interfaces",
    "ec2.DescribeVpcs": "VPCs",
    "ec2.DescribeSubnets": "subnets",
    "ec2.DescribeFlowLogs": "flow logs",
    "ec2.DescribeNetworkAcls": "network ACLs",
    "ec2.DescribeRouteTables": "route tables",
    "ec2.DescribeVpcPeeringConnections": "peering connections",
    "s3.ListBuckets": "S3 buckets",
    "s3.GetBucketLocation": "S3 buckets",
    "s3.GetPublicAccessBlock": "S3 buckets",
    "s3.GetBucketPolicy": "S3 buckets",
    "s3.GetBucketPolicyStatus": "S3 buckets",
    "s3.GetBucketAcl": "S3 buckets",
    "s3.GetBucketEncryption": "S3 buckets",
    "s3.GetBucketVersioning": "S3 buckets",
    "s3.GetBucketLogging": "S3 buckets",
    "s3.GetBucketOwnershipControls": "S3 buckets",
    "s3.GetBucketLifecycleConfiguration": "S3 buckets",
    "s3control.GetPublicAccessBlock": "S3 account settings",
    "iam.GenerateCredentialReport": "IAM credential report",
    "iam.GetCredentialReport": "IAM credential report",
    "iam.GetAccountAuthorizationDetails": "IAM users, roles, groups, policies",
    "iam.GetAccountSummary": "IAM account settings",
    "iam.GetAccountPasswordPolicy": "IAM account settings",
    "sts.GetCallerIdentity": "account",
}


# --------------------------------------------------------------------------- moto


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Moto:
    """moto's server in a process of its own."""

    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far (Linux ``/proc``; 0 elsewhere)."""
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def moto() -> Iterator[Moto]:
    """Start moto's server in its own process."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **_FAKE_AWS},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield Moto(url, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def use_endpoint(url: str) -> None:
    """Point boto3 in this process at moto with fake credentials."""
    os.environ.update(_FAKE_AWS)
    os.environ.pop("AWS_PROFILE", None)
    os.environ["AWS_ENDPOINT_URL"] = url


def reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=60).close()


# --------------------------------------------------------------------------- seeding


def _parallel(fn: Callable[[Any], Any], items: list[Any], workers: int = 8) -> list[Any]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def seed(session: Any, size: int) -> None:
    """About ``size`` resources over :data:`REGIONS`, in batches where the API allows."""
    from devops_agent.aws import client
    from devops_agent_sandbox.estate import public_read_policy

    size = round(size * _SCALE)
    per_region = size / len(REGIONS)

    def region_estate(region: str) -> None:
        ec2 = client(session, "ec2", region)
        vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.0.0/20")["Subnet"]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})

        def group(i: int) -> str:
            gid = ec2.create_security_group(GroupName=f"bench-{i}", Description="bench", VpcId=vpc)[
                "GroupId"
            ]
            port = 22 if i % 10 == 0 else 443
            ec2.authorize_security_group_ingress(
                GroupId=gid,
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": port,
                        "ToPort": port,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    }
                ],
            )
            return gid

        groups = _parallel(group, list(range(round(0.15 * per_region))))
        instances = round(0.15 * per_region)  # each brings an ENI and a root volume
        while instances > 0:
            batch = min(instances, 500)
            ec2.run_instances(
                ImageId="ami-12345678",
                MinCount=batch,
                MaxCount=batch,
                SubnetId=subnet,
                SecurityGroupIds=groups[:1],
                MetadataOptions={"HttpTokens": "optional"},
            )
            instances -= batch

        def volume(i: int) -> str:
            return ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=i % 2 == 0)[
                "VolumeId"
            ]

        volumes = _parallel(volume, list(range(round(0.1 * per_region))))
        _parallel(
            lambda v: ec2.create_snapshot(VolumeId=v),
            volumes[: round(0.05 * per_region)],
        )
        for _ in range(round(0.03 * per_region)):
            ec2.allocate_address(Domain="vpc")

    _parallel(region_estate, list(REGIONS), workers=len(REGIONS))

    def bucket(i: int) -> None:
        region = REGIONS[i % len(REGIONS)]
        s3 = client(session, "s3", region)
        name = f"bench-bucket-{i:05d}"
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        if i % 5 == 0:
            s3.put_bucket_policy(
                Bucket=name,
                Policy=public_read_policy(name),
            )

    _parallel(bucket, list(range(buckets(size))))

    iam = client(session, "iam")

    def user(i: int) -> None:
        iam.create_user(UserName=f"bench-user-{i:05d}")
        iam.create_access_key(UserName=f"bench-user-{i:05d}")

    _parallel(user, list(range(round(0.05 * size))))
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    )
    _parallel(
        lambda i: iam.create_policy(PolicyName=f"bench-policy-{i:05d}", PolicyDocument=document),
        list(range(round(0.02 * size))),
    )


#: The shares in :func:`seed` add up to 0.88 of its ``size`` (instances bring an interface
#: and a root volume each): scaled, the estate holds about ``size`` resources.
_SCALE = 1.13


def buckets(size: int) -> int:
    """Buckets in an estate of ``size`` (already scaled); every fifth has a policy."""
    return max(1, round(0.03 * size))


def restorable_by_all(session: Any) -> int:
    """Snapshots the stand-in lists as restorable by ``all`` (moto ignores the filter, so
    every one; AWS would list only the public ones): each needs its attribute read."""
    from devops_agent.aws import client

    total = 0
    for region in REGIONS:
        pages = client(session, "ec2", region).get_paginator("describe_snapshots")
        for page in pages.paginate(OwnerIds=["self"], RestorableByUserIds=["all"]):
            total += len(page.get("Snapshots", []))
    return total


# --------------------------------------------------------------------------- both readers


#: What a request to each region waits before moto answers, by default: a round trip
#: from a GitHub-hosted runner in the US East plus AWS's own service time (about 20 ms):
#: us-east-1 is next door, Ireland about 70 ms away and Sydney about 200 ms
#: (inter-region round trips as cloudping.co reports them). IAM, STS and ListBuckets
#: are served from us-east-1.
REGION_LATENCY_MS = {"us-east-1": 20.0, "eu-west-1": 90.0, "ap-southeast-2": 220.0}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/")


def add_latency(session: Any, milliseconds: float | None) -> None:
    """Every request waits first, like a round trip to a real AWS region: ``milliseconds``
    each, or by the region it goes to (:data:`REGION_LATENCY_MS`) when ``None``."""
    if milliseconds is not None and milliseconds <= 0:
        return

    def sleep(request: Any, **_: Any) -> None:
        if milliseconds is not None:
            time.sleep(milliseconds / 1000)
            return
        found = _SCOPE.search(str(request.headers.get("Authorization", "")))
        region = found.group(1) if found else REGIONS[0]
        time.sleep(REGION_LATENCY_MS.get(region, REGION_LATENCY_MS[REGIONS[0]]) / 1000)

    session.events.register("before-send", sleep)


def _usage() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": own.ru_utime + own.ru_stime, "rss_mb": own.ru_maxrss / 1024}


def run_ours(session: Any) -> dict[str, Any]:
    """The audit with every check: what ``run_audit`` does, keeping the inventory."""
    from devops_agent.audit import discover_checks, evaluate
    from devops_agent.audit.reading import collect

    before = _usage()
    started = time.perf_counter()
    checks = discover_checks()
    parts = {p for c in checks for p in c.meta.requires}
    inventory = collect(session, list(REGIONS), parts, account_id=ACCOUNT)
    report = evaluate(inventory, checks)
    took = time.perf_counter() - started
    after = _usage()
    return {
        "wall_s": took,
        "cpu_s": after["cpu_s"] - before["cpu_s"],
        "rss_mb": after["rss_mb"],
        "calls": dict(inventory.api_calls_by_operation),
        "items": items(inventory),
        "findings": len(report.findings),
        "not_audited": sorted({g.part for g in report.not_audited}),
    }


def items(inventory: Any) -> dict[str, int]:
    """Items per resource type the inventory holds (what the checks judge)."""
    counts: Counter[str] = Counter()
    for region in inventory.ec2.values():
        counts["EC2 instances"] += len(region.instances or [])
        counts["security groups"] += len(region.security_groups or [])
        counts["EBS volumes"] += len(region.volumes or [])
        counts["EBS snapshots"] += len(region.snapshots or [])
        counts["AMIs"] += len(region.images or [])
        counts["Elastic IPs"] += len(region.addresses or [])
        counts["network interfaces"] += len(region.network_interfaces or [])
    for region in inventory.vpc.values():
        counts["VPCs"] += len(region.vpcs or [])
        counts["subnets"] += len(region.subnets or [])
        counts["flow logs"] += len(region.flow_logs or [])
        counts["network ACLs"] += len(region.network_acls or [])
        counts["route tables"] += len(region.route_tables or [])
        counts["peering connections"] += len(region.peering_connections or [])
    counts["S3 buckets"] = len(inventory.s3.buckets or [])
    iam = inventory.iam
    counts["IAM users, roles, groups, policies"] = sum(
        len(x or []) for x in (iam.users, iam.roles, iam.groups, iam.policies)
    )
    return dict(counts)


#: The listings a scanner makes in every region: (operation, its list key, parameters).
_LISTINGS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("describe_instances", "Reservations", {}),
    ("describe_security_groups", "SecurityGroups", {}),
    ("describe_volumes", "Volumes", {}),
    ("describe_snapshots", "Snapshots", {"OwnerIds": ["self"]}),
    ("describe_images", "Images", {"Owners": ["self"]}),
    ("describe_network_interfaces", "NetworkInterfaces", {}),
    ("describe_addresses", "Addresses", {}),
    ("describe_vpcs", "Vpcs", {}),
    ("describe_subnets", "Subnets", {}),
    ("describe_flow_logs", "FlowLogs", {}),
    ("describe_network_acls", "NetworkAcls", {}),
    ("describe_route_tables", "RouteTables", {}),
    ("describe_vpc_peering_connections", "VpcPeeringConnections", {}),
)
#: The per-bucket reads (the bucket policy's status follows only when it has one).
_BUCKET_READS = (
    "get_public_access_block",
    "get_bucket_policy",
    "get_bucket_acl",
    "get_bucket_encryption",
    "get_bucket_versioning",
    "get_bucket_logging",
    "get_bucket_ownership_controls",
    "get_bucket_lifecycle_configuration",
)


class Scanner:
    """A plain boto3 scanner: 16 threads, one client per service and region, raw dicts.

    Every listing in every region is a task; when one answers, each of its per-item
    reads (a bucket's region, then its settings; a snapshot's permissions) goes in as a
    task of its own, so the pool never waits on a listing it does not need. It reads
    what ours reads, with the calls a plain scanner makes for it, and judges nothing.
    """

    def __init__(self, session: Any) -> None:
        from botocore.config import Config

        self.calls: Counter[str] = Counter()
        self.found: Counter[str] = Counter()
        self.failures: list[BaseException] = []
        self._lock = threading.Lock()
        self._outstanding = 0
        self._done = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=SCANNER_THREADS)
        config = Config(max_pool_connections=SCANNER_THREADS, retries={"mode": "standard"})
        self.ec2 = {r: session.client("ec2", region_name=r, config=config) for r in REGIONS}
        self.s3 = {r: session.client("s3", region_name=r, config=config) for r in REGIONS}
        self.iam = session.client("iam", region_name=REGIONS[0], config=config)
        for made in [*self.ec2.values(), *self.s3.values(), self.iam]:
            made.meta.events.register("before-call", self._count)

    def _count(self, event_name: str, **_: Any) -> None:
        with self._lock:
            self.calls[event_name.removeprefix("before-call.")] += 1

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        with self._lock:
            self._outstanding += 1
        self._pool.submit(self._run, fn, *args)

    def _run(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except BaseException as exc:  # reported once every task is done
            with self._lock:
                self.failures.append(exc)
        finally:
            with self._lock:
                self._outstanding -= 1
                if self._outstanding == 0:
                    self._done.set()

    def scan(self) -> None:
        for region in REGIONS:
            for operation, key, params in _LISTINGS:
                self.submit(self.listing, region, operation, key, params)
            self.submit(self.restorable_snapshots, region)
            self.submit(self.ec2[region].get_ebs_encryption_by_default)
        self.submit(self.buckets)
        self.submit(self.credential_report)
        self.submit(self.authorization_details)
        self.submit(self.iam.get_account_summary)
        self.submit(self.optional, self.iam.get_account_password_policy)
        self._done.wait()
        self._pool.shutdown()
        if self.failures:
            raise self.failures[0]

    def listing(
        self, region: str, operation: str, key: str, params: dict[str, Any], kind: str = ""
    ) -> list[Any]:
        ec2 = self.ec2[region]
        if ec2.can_paginate(operation):
            answers = list(ec2.get_paginator(operation).paginate(**params))
        else:
            answers = [getattr(ec2, operation)(**params)]
        values = [v for page in answers for v in page.get(key, [])]
        with self._lock:
            self.found[kind or key] += len(values)
            if key == "Reservations":
                self.found["Instances"] += sum(len(r.get("Instances", [])) for r in values)
        return values

    def restorable_snapshots(self, region: str) -> None:
        params = {"OwnerIds": ["self"], "RestorableByUserIds": ["all"]}
        listed = self.listing(region, "describe_snapshots", "Snapshots", params, "Restorable")
        for snapshot in listed:
            self.submit(self.snapshot_attribute, region, snapshot["SnapshotId"])

    def snapshot_attribute(self, region: str, snapshot_id: str) -> None:
        self.ec2[region].describe_snapshot_attribute(
            SnapshotId=snapshot_id, Attribute="createVolumePermission"
        )

    def buckets(self) -> None:
        buckets = self.s3[REGIONS[0]].list_buckets()["Buckets"]
        with self._lock:
            self.found["Buckets"] += len(buckets)
        for bucket in buckets:
            self.submit(self.locate, bucket)

    def locate(self, bucket: dict[str, Any]) -> None:
        region = bucket.get("BucketRegion")
        if not region:  # ListBuckets did not say (AWS without parameters, moto always)
            answer = self.s3[REGIONS[0]].get_bucket_location(Bucket=bucket["Name"])
            region = answer.get("LocationConstraint") or "us-east-1"
        for operation in _BUCKET_READS:
            self.submit(self.bucket_read, region, bucket["Name"], operation)

    def bucket_read(self, region: str, name: str, operation: str) -> None:
        answer = self.optional(getattr(self.s3[region], operation), Bucket=name)
        if operation == "get_bucket_policy" and answer is not None:
            self.submit(self.bucket_read, region, name, "get_bucket_policy_status")

    @staticmethod
    def optional(fn: Callable[..., Any], **params: Any) -> Any:
        """``fn``'s answer, or ``None`` when AWS says the setting is not there."""
        from botocore.exceptions import ClientError

        try:
            return fn(**params)
        except ClientError:
            return None

    def credential_report(self) -> None:
        self.iam.generate_credential_report()
        while True:
            try:
                self.iam.get_credential_report()
                return
            except self.iam.exceptions.CredentialReportNotReadyException:
                time.sleep(0.5)  # generated, not written yet

    def authorization_details(self) -> None:
        paginator = self.iam.get_paginator("get_account_authorization_details")
        for page in paginator.paginate():
            with self._lock:
                self.found["IAM entities"] += sum(
                    len(page.get(k, []))
                    for k in ("UserDetailList", "RoleDetailList", "GroupDetailList", "Policies")
                )


def run_scanner(session: Any) -> dict[str, Any]:
    """The plain scanner over the estate; its figures."""
    before = _usage()
    started = time.perf_counter()
    scanner = Scanner(session)
    scanner.scan()
    took = time.perf_counter() - started
    after = _usage()
    found = scanner.found
    return {
        "wall_s": took,
        "cpu_s": after["cpu_s"] - before["cpu_s"],
        "rss_mb": after["rss_mb"],
        "calls": dict(sorted(scanner.calls.items())),
        "items": {
            "EC2 instances": found["Instances"],
            "EBS snapshots": found["Snapshots"],
            "S3 buckets": found["Buckets"],
        },
    }


def child(kind: str, url: str, latency_ms: float | None) -> None:
    """One reader in this fresh process; its figures as one JSON line on stdout."""
    use_endpoint(url)
    import boto3

    session = boto3.Session(region_name=REGIONS[0])
    add_latency(session, latency_ms)
    if kind == "ours":  # imports are not the audit's time (nor the scanner's)
        import devops_agent.audit.engine  # noqa: F401
    result = run_ours(session) if kind == "ours" else run_scanner(session)
    print(json.dumps(result))


def spawn(kind: str, server: Moto, latency_ms: float | None) -> dict[str, Any]:
    """Run one reader in a fresh process; its figures, with the CPU moto spent meanwhile."""
    before = server.cpu_seconds()
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--endpoint",
            server.url,
            *(["--latency-ms", str(latency_ms)] if latency_ms is not None else []),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    if out.returncode != 0:
        raise SystemExit(f"the {kind} reader failed:\n{out.stderr}")
    result = dict(json.loads(out.stdout.strip().splitlines()[-1]))
    result["moto_cpu_s"] = server.cpu_seconds() - before
    return result


# --------------------------------------------------------------------------- the minimum


def minimum_calls(counts: dict[str, int], restorable: int, policies: int) -> dict[str, int]:
    """Per resource type, the calls no reader could avoid: each listing's pages at AWS's
    largest page size, plus the per-item reads no listing answers (8 settings per bucket,
    the policy status per bucket policy, the permissions of each snapshot listed as
    restorable by all)."""
    from devops_agent.audit.reading import PAGE_SIZES

    regions = len(REGIONS)

    def pages(kind: str, operation: str) -> int:
        per_region = counts.get(kind, 0) / regions
        return regions * max(1, math.ceil(per_region / PAGE_SIZES.get(operation, 10**9)))

    listed = {
        "EC2 instances": "describe_instances",
        "security groups": "describe_security_groups",
        "EBS volumes": "describe_volumes",
        "AMIs": "describe_images",
        "network interfaces": "describe_network_interfaces",
        "VPCs": "describe_vpcs",
        "subnets": "describe_subnets",
        "flow logs": "describe_flow_logs",
        "network ACLs": "describe_network_acls",
        "route tables": "describe_route_tables",
        "peering connections": "describe_vpc_peering_connections",
    }
    minimum = {kind: pages(kind, operation) for kind, operation in listed.items()}
    minimum["Elastic IPs"] = regions
    minimum["EBS encryption by default"] = regions
    minimum["EBS snapshots"] = 2 * pages("EBS snapshots", "describe_snapshots") + restorable
    minimum["S3 buckets"] = 1 + 8 * counts.get("S3 buckets", 0) + policies
    minimum["IAM users, roles, groups, policies"] = max(
        1,
        math.ceil(
            counts.get("IAM users, roles, groups, policies", 0)
            / PAGE_SIZES["get_account_authorization_details"]
        ),
    )
    minimum["IAM credential report"] = 2
    minimum["IAM account settings"] = 2
    return minimum


def by_type(calls: dict[str, int]) -> Counter[str]:
    out: Counter[str] = Counter()
    for operation, n in calls.items():
        out[RESOURCE_TYPE.get(operation, operation)] += n
    return out


# --------------------------------------------------------------------------- the run


def measure(
    server: Moto, seeder: Any, size: int, repeat: int, latency_ms: float | None
) -> dict[str, Any]:
    """Seed an estate of about ``size`` resources and run both readers ``repeat`` times."""
    reset(server.url)
    seeded = time.perf_counter()
    seed(seeder, size)
    seeded = time.perf_counter() - seeded
    restorable = restorable_by_all(seeder)
    policies = (buckets(round(size * _SCALE)) + 4) // 5  # every fifth bucket has a policy
    ours, scanner = [], []
    for _ in range(repeat):  # alternate, so a busy moment on a shared machine hits both
        ours.append(spawn("ours", server, latency_ms))
        scanner.append(spawn("scanner", server, latency_ms))
        print(
            f"  size {size}: ours {ours[-1]['wall_s']:.2f} s, scanner {scanner[-1]['wall_s']:.2f} s",
            flush=True,
        )
    best_ours = min(ours, key=lambda r: r["wall_s"])
    best_scanner = min(scanner, key=lambda r: r["wall_s"])
    counts = best_ours["items"]
    return {
        "target": size,
        "seed_s": seeded,
        "resources": sum(counts.values()),
        "ours": best_ours,
        "scanner": best_scanner,
        "minimum": minimum_calls(counts, restorable, policies),
        "ratio": best_ours["wall_s"] / best_scanner["wall_s"],
    }


def describe_latency(latency_ms: float | None) -> str:
    if latency_ms is None:
        return "latency per request by region: " + ", ".join(
            f"{region} {ms:g} ms" for region, ms in REGION_LATENCY_MS.items()
        )
    return f"latency {latency_ms:g} ms per request"


def report(rows: list[dict[str, Any]], latency_ms: float | None, repeat: int) -> bool:
    """Print the tables; whether the goals hold on the largest size."""
    print(
        f"\nAudit benchmark · {len(REGIONS)} regions · moto server in its own process · "
        f"{describe_latency(latency_ms)} · {os.cpu_count()} CPUs · best of {repeat}\n"
    )
    print(
        "| resources | reader | wall s | CPU s | moto CPU s | peak RSS MB | AWS calls | minimum "
        "| time vs scanner | findings |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        ours, scanner = row["ours"], row["scanner"]
        minimum = sum(row["minimum"].values())
        print(
            f"| {row['resources']} (~{row['target']}) | ours | {ours['wall_s']:.2f} "
            f"| {ours['cpu_s']:.1f} | {ours['moto_cpu_s']:.1f} | {ours['rss_mb']:.0f} "
            f"| {sum(ours['calls'].values())} | {minimum} | **{row['ratio']:.2f}x** "
            f"| {ours['findings']} |"
        )
        print(
            f"| | scanner | {scanner['wall_s']:.2f} | {scanner['cpu_s']:.1f} "
            f"| {scanner['moto_cpu_s']:.1f} | {scanner['rss_mb']:.0f} "
            f"| {sum(scanner['calls'].values())} | {minimum} | 1 | – |"
        )
    print(
        "\nCPU s = the reader's own process; moto CPU s = the server's while that reader ran "
        "(on 2 CPUs shared with the reader, moto busy for most of the wall time means the "
        "emulator, not the reader, sets the pace)."
    )
    for row in rows:
        print(f"\nAWS calls per resource type at {row['resources']} resources\n")
        print("| resource type | items | ours | minimum | scanner |")
        print("|---|---:|---:|---:|---:|")
        ours, scanner = by_type(row["ours"]["calls"]), by_type(row["scanner"]["calls"])
        kinds = sorted(set(ours) | set(scanner) | set(row["minimum"]), key=lambda k: (-ours[k], k))
        for kind in kinds:
            print(
                f"| {kind} | {row['ours']['items'].get(kind, '')} | {ours[kind]} "
                f"| {row['minimum'].get(kind, '')} | {scanner[kind]} |"
            )
        gaps = row["ours"]["not_audited"]
        if gaps:
            print(f"\nnot audited (the stand-in cannot serve them): {', '.join(gaps)}")
    largest = rows[-1]
    ok = largest["ratio"] <= GOAL_RATIO and largest["ours"]["rss_mb"] <= GOAL_RSS_MB
    print(
        f"\ngoals at {largest['resources']} resources: time ≤ {GOAL_RATIO}x the scanner's "
        f"({largest['ratio']:.2f}x) and peak RSS ≤ {GOAL_RSS_MB} MB "
        f"({largest['ours']['rss_mb']:.0f} MB): {'met' if ok else 'NOT met'}"
    )
    print(
        "\n'minimum' = each listing's pages at AWS's largest page size + the per-item reads "
        "no listing answers (8 settings per bucket, policy status per bucket policy, "
        "permissions of each snapshot listed as restorable by all: every snapshot on moto, "
        "which ignores that filter; only public ones on AWS). moto ignores MaxResults on some "
        "listings, so they can take fewer pages than AWS would."
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma list of estate sizes (default 2500,10000)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=None,
        help="the same wait before every request (default: by region, see REGION_LATENCY_MS)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs per reader; the best counts")
    parser.add_argument("--child", choices=("ours", "scanner"), help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.endpoint, args.latency_ms)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    with moto() as server:
        use_endpoint(server.url)
        import boto3

        seeder = boto3.Session(region_name=REGIONS[0])
        rows = [
            measure(server, seeder, size, max(1, args.repeat), args.latency_ms) for size in sizes
        ]
    ok = report(rows, args.latency_ms, max(1, args.repeat))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
