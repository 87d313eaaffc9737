"""How the audit engine scales: wall time, memory and AWS calls at 100 to 5,000 resources.

Seeds moto's server with estates of about 100, 1,000 and 5,000 resources over
three regions (EC2 instances with their interfaces and root volumes, security
groups, volumes, snapshots, Elastic IPs, VPCs, buckets, IAM users and policies),
then audits each estate, in the same run:

* concurrently (the engine's default) and one part and region after another
  (``sequential=True``), and reports both wall times and the ratio;
* peak Python memory of a concurrent audit (tracemalloc; with the default
  in-process server this includes moto's own allocations);
* the AWS API calls made, against the minimum the listings need at AWS's largest
  page sizes plus the per-resource calls no listing can replace.

Usage::

    python bench/audit.py                       # sizes 100,1000 (under 3 minutes on 2 cores)
    python bench/audit.py --sizes 100,1000,5000 # the largest takes a few minutes more
    python bench/audit.py --server process      # moto in its own process: no shared GIL
    python bench/audit.py --latency-ms 20       # add a round trip per request, like real AWS
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
DEFAULT_SIZES = (100, 1000)
KNOWN_SIZES = (100, 1000, 5000)
ACCOUNT = "123456789012"

_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}


# --------------------------------------------------------------------------- moto


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto(kind: str) -> Iterator[str]:
    """Start moto's server (a thread of this process, or its own process); yield its URL."""
    os.environ.update(_FAKE_AWS)
    os.environ.pop("AWS_PROFILE", None)
    if kind == "thread":
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        os.environ["AWS_ENDPOINT_URL"] = url
        try:
            yield url
        finally:
            server.stop()
        return
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
        os.environ["AWS_ENDPOINT_URL"] = url
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=30).close()


# --------------------------------------------------------------------------- seeding


def _parallel(fn: Callable[[Any], Any], items: list[Any], workers: int = 8) -> list[Any]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def seed(session: Any, size: int) -> None:
    """About ``size`` resources over :data:`REGIONS`, in batches where the API allows."""
    from devops_agent.aws import client

    per_region = size / len(REGIONS)

    def region_estate(region: str) -> None:
        ec2 = client(session, "ec2", region)
        vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
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
                Policy=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": "*",
                                "Action": "s3:GetObject",
                                "Resource": f"arn:aws:s3:::{name}/*",
                            }
                        ],
                    }
                ),
            )

    _parallel(bucket, list(range(max(1, round(0.03 * size)))))

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


# --------------------------------------------------------------------------- measuring


def audit(session: Any, *, sequential: bool) -> tuple[Any, Any, float]:
    """The same as ``run_audit`` (every check), keeping the inventory for the call counts."""
    from devops_agent.audit import discover_checks, evaluate
    from devops_agent.audit.reading import collect

    checks = discover_checks()
    parts = {p for c in checks for p in c.meta.requires}
    started = time.perf_counter()
    inventory = collect(session, list(REGIONS), parts, account_id=ACCOUNT, sequential=sequential)
    report = evaluate(inventory, checks)
    return inventory, report, time.perf_counter() - started


def resources(inventory: Any) -> int:
    """Items the inventory holds (what the checks judge)."""
    count = 0
    for region in [*inventory.ec2.values(), *inventory.vpc.values()]:
        for value in region.__dict__.values():
            if isinstance(value, list):
                count += len(value)
    iam = inventory.iam
    count += len(inventory.s3.buckets or [])
    count += sum(len(x or []) for x in (iam.users, iam.roles, iam.groups, iam.policies))
    return count


def minimum_calls(inventory: Any) -> int:
    """Calls no reader could avoid: each listing's pages at AWS's largest page size, plus
    the per-resource reads (bucket settings; snapshot attributes for the snapshots listed
    as restorable by all, which is every snapshot on moto, only public ones on AWS)."""
    from devops_agent.audit.reading import PAGE_SIZES

    def pages(items: int, operation: str) -> int:
        return max(1, math.ceil(items / PAGE_SIZES.get(operation, 10**9)))

    total = 0
    for ec2 in inventory.ec2.values():
        total += pages(len(ec2.instances or []), "describe_instances")
        total += pages(len(ec2.security_groups or []), "describe_security_groups")
        total += pages(len(ec2.volumes or []), "describe_volumes")
        total += 2 * pages(len(ec2.snapshots or []), "describe_snapshots")
        total += pages(len(ec2.images or []), "describe_images")
        total += pages(len(ec2.network_interfaces or []), "describe_network_interfaces")
        total += 2  # GetEbsEncryptionByDefault, DescribeAddresses
    for vpc in inventory.vpc.values():
        total += pages(len(vpc.vpcs or []), "describe_vpcs")
        total += pages(len(vpc.subnets or []), "describe_subnets")
        total += pages(len(vpc.flow_logs or []), "describe_flow_logs")
        total += pages(len(vpc.network_acls or []), "describe_network_acls")
        total += pages(len(vpc.route_tables or []), "describe_route_tables")
        total += pages(len(vpc.peering_connections or []), "describe_vpc_peering_connections")
    calls = inventory.api_calls_by_operation
    total += calls.get("ec2.DescribeSnapshotAttribute", 0)
    buckets = inventory.s3.buckets or []
    total += 1 + 8 * len(buckets)  # ListBuckets, then 8 settings per bucket
    total += sum(1 for b in buckets if b.policy is not None)  # policy status
    total += calls.get("s3.GetBucketLocation", 0)  # only when ListBuckets omits regions
    total += calls.get("s3control.GetPublicAccessBlock", 0)
    iam = inventory.iam
    entities = sum(len(x or []) for x in (iam.users, iam.roles, iam.groups, iam.policies))
    total += pages(entities, "get_account_authorization_details")
    total += 2 + 1 + 1  # credential report (generate, get), account summary, password policy
    return total


def add_latency(session: Any, milliseconds: float) -> None:
    """Every request waits ``milliseconds`` first, like a round trip to a real AWS region."""
    if milliseconds <= 0:
        return
    delay = milliseconds / 1000

    def wait(**_: Any) -> None:
        time.sleep(delay)

    session.events.register("before-send", wait)


def measure(session: Any, seeder: Any, size: int, repeat: int) -> dict[str, Any]:
    seeded = time.perf_counter()
    seed(seeder, size)
    seeded = time.perf_counter() - seeded
    concurrent_times, sequential_times = [], []
    inventory = report = None
    for _ in range(repeat):
        inventory, report, took = audit(session, sequential=False)
        concurrent_times.append(took)
        _, _, took = audit(session, sequential=True)
        sequential_times.append(took)
    tracemalloc.start()
    audit(session, sequential=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert inventory is not None
    assert report is not None
    fast, slow = min(concurrent_times), min(sequential_times)
    return {
        "target": size,
        "resources": resources(inventory),
        "seed_s": seeded,
        "calls": inventory.api_calls,
        "minimum": minimum_calls(inventory),
        "concurrent_s": fast,
        "sequential_s": slow,
        "speedup": slow / fast if fast else float("nan"),
        "peak_mib": peak / 2**20,
        "findings": len(report.findings),
        "not_audited": len(report.not_audited),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma list of estate sizes (default 100,1000; add 5000 for the largest)",
    )
    parser.add_argument("--server", choices=("thread", "process"), default="thread")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--repeat", type=int, default=1, help="audits per mode; the best counts")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    skipped = [s for s in KNOWN_SIZES if s not in sizes]

    with moto(args.server) as url:
        import boto3

        seeder = boto3.Session(region_name=REGIONS[0])
        session = boto3.Session(region_name=REGIONS[0])  # the audits' own, with the latency
        add_latency(session, args.latency_ms)
        audit(session, sequential=False)  # warm-up: service models, region data
        rows = []
        for size in sizes:
            reset(url)
            rows.append(measure(session, seeder, size, args.repeat))
            row = rows[-1]
            print(
                f"size {size}: {row['resources']} resources seeded in {row['seed_s']:.1f} s; "
                f"audit {row['concurrent_s']:.2f} s concurrent, {row['sequential_s']:.2f} s "
                "sequential",
                flush=True,
            )

    server = (
        "moto ThreadedMotoServer in this process (shares the GIL with the audit)"
        if args.server == "thread"
        else "moto server in its own process"
    )
    print(
        f"\nAudit benchmark · {len(REGIONS)} regions · {server} · "
        f"latency {args.latency_ms:g} ms per request · {os.cpu_count()} CPUs\n"
    )
    header = (
        "| resources | API calls | minimum | concurrent s | sequential s | speed-up "
        "| peak MiB | findings |"
    )
    print(header)
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['resources']} (~{row['target']}) | {row['calls']} | {row['minimum']} "
            f"| {row['concurrent_s']:.2f} | {row['sequential_s']:.2f} | {row['speedup']:.1f}x "
            f"| {row['peak_mib']:.0f} | {row['findings']} |"
        )
    if skipped:
        print(f"\nskipped sizes: {', '.join(map(str, skipped))} (pass --sizes to include them)")
    print(
        "\n'minimum' = each listing's pages at AWS's largest page size + per-resource reads "
        "(8 settings per bucket, policy status per bucket policy, snapshot attributes for "
        "snapshots listed as restorable by all). moto ignores MaxResults, so its listings "
        "can take fewer pages than AWS would."
    )


if __name__ == "__main__":
    main()
