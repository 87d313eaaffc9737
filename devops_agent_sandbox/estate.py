"""A small, realistic AWS estate for ``devops-agent demo`` and the tests.

:func:`seed` writes it into whatever the session points at: moto in-process
(``moto.mock_aws()``) or moto's server over HTTP (``AWS_ENDPOINT_URL``). It is
never meant for a real account, so it builds what a real account would have
without the costs (an AMI registered from nothing, instances that never boot).

Over two regions (``prod`` in the first, ``staging`` in the second):

* a VPC with a public subnet (auto-assigns public IPs) and a private one, an
  internet gateway and a route table sending ``0.0.0.0/0`` to it;
* security groups: ``<env>-web`` (80/443 from anywhere), ``legacy-ssh`` (22 from
  0.0.0.0/0, prod) and ``staging-db`` (5432 from ``staging-web``);
* instances ``web-1`` (running) and ``worker-1`` (stopped) in prod, ``web-2``
  (running) in staging; a key pair ``deploy-key`` in prod;
* buckets ``acme-prod-assets`` (a few objects), ``acme-prod-logs`` (prod region)
  and ``acme-staging-uploads`` (staging region, a public-read bucket policy);
* IAM users ``alice``, ``bob``, ``ci-deployer`` (with an access key), the role
  ``github-deploy`` trusting GitHub's OIDC provider, and the customer managed
  policy ``artifact-uploader`` attached to ``ci-deployer``.

Some of it is wrong on purpose (SSH open to the world, a public bucket, a
long-lived access key) so that audits have something to find.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from devops_agent.aws import client

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import IpPermissionTypeDef

__all__ = ["BUCKETS", "DEFAULT_REGIONS", "USERS", "public_read_policy", "seed"]

DEFAULT_REGIONS = ("us-east-1", "eu-west-1")
USERS = ("alice", "bob", "ci-deployer")
#: bucket name -> index of the region (0 = prod, 1 = staging) it lives in
BUCKETS = {"acme-prod-assets": 0, "acme-prod-logs": 0, "acme-staging-uploads": 1}

_ENVIRONMENTS = (
    {"env": "prod", "cidr": "10.10.0.0/16", "public": "10.10.1.0/24", "private": "10.10.2.0/24"},
    {"env": "staging", "cidr": "10.20.0.0/16", "public": "10.20.1.0/24", "private": "10.20.2.0/24"},
)
_ASSET_OBJECTS = {
    "index.html": b"<!doctype html><title>acme</title><h1>Hello from acme</h1>\n",
    "css/site.css": b"body { font-family: sans-serif; }\n",
    "img/logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
}
_OIDC_PROVIDER = "token.actions.githubusercontent.com"


def seed(session: boto3.Session, regions: tuple[str, str] = DEFAULT_REGIONS) -> dict[str, Any]:
    """Create the demo estate (see the module docstring) and say what was made.

    Args:
        session: a session pointing at moto (in-process or ``AWS_ENDPOINT_URL``).
        regions: the prod region, then the staging region.

    Returns:
        A summary to assert against, ids by name::

            {"account": "123456789012", "regions": [...],
             "vpcs": {"prod": {"id", "region", "cidr"}, ...},
             "subnets": {"prod-public": {"id", "region", "vpc_id", "cidr", "public"}, ...},
             "internet_gateways": {"prod-igw": {"id", "region", "vpc_id"}, ...},
             "route_tables": {"prod-public": {"id", "region", "vpc_id", "igw_id"}, ...},
             "security_groups": {"legacy-ssh": {"id", "region", "vpc_id"}, ...},
             "key_pairs": {"deploy-key": {"id", "region"}},
             "images": {"prod": "ami-...", "staging": "ami-..."},
             "instances": {"web-1": {"id", "region", "state", "type", "subnet_id"}, ...},
             "buckets": {"acme-prod-assets": {"region", "objects", "policy"}, ...},
             "users": {"alice": {"arn", "path"}, ...},
             "roles": {"github-deploy": {"arn"}},
             "policies": {"artifact-uploader": {"arn", "attached_to"}}}

        No secret (private key, secret access key) is ever in it.
    """
    account = client(session, "sts", regions[0]).get_caller_identity()["Account"]
    summary: dict[str, Any] = {
        "account": account,
        "regions": list(regions),
        "vpcs": {},
        "subnets": {},
        "internet_gateways": {},
        "route_tables": {},
        "security_groups": {},
        "key_pairs": {},
        "images": {},
        "instances": {},
        "buckets": {},
        "users": {},
        "roles": {},
        "policies": {},
    }
    for region, spec in zip(regions, _ENVIRONMENTS, strict=True):
        _seed_network(client(session, "ec2", region), region, spec, summary)
    _seed_buckets(session, regions, summary)
    _seed_iam(session, account, summary)
    return summary


def public_read_policy(bucket: str, *, sid: str = "") -> str:
    """A bucket policy that lets anyone on the internet read every object of ``bucket``.

    Args:
        bucket: The bucket's name.
        sid: The statement's id; none when empty.

    Returns:
        The policy document, as JSON text.
    """
    statement = {
        **({"Sid": sid} if sid else {}),
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _tag_list(name: str, env: str) -> list[dict[str, str]]:
    return [
        {"Key": "Name", "Value": name},
        {"Key": "env", "Value": env},
        {"Key": "owner", "Value": "platform-team"},
    ]


def _name(ec2: EC2Client, resource_id: str, name: str, env: str) -> None:
    ec2.create_tags(Resources=[resource_id], Tags=_tag_list(name, env))  # type: ignore[arg-type]


def _seed_network(
    ec2: EC2Client, region: str, spec: dict[str, str], summary: dict[str, Any]
) -> None:
    env = spec["env"]
    vpc_id = ec2.create_vpc(CidrBlock=spec["cidr"])["Vpc"]["VpcId"]
    _name(ec2, vpc_id, env, env)
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    summary["vpcs"][env] = {"id": vpc_id, "region": region, "cidr": spec["cidr"]}

    subnets: dict[str, str] = {}
    for kind, zone in (("public", "a"), ("private", "b")):
        name = f"{env}-{kind}"
        subnet_id = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=spec[kind], AvailabilityZone=f"{region}{zone}"
        )["Subnet"]["SubnetId"]
        _name(ec2, subnet_id, name, env)
        if kind == "public":
            ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
        subnets[kind] = subnet_id
        summary["subnets"][name] = {
            "id": subnet_id,
            "region": region,
            "vpc_id": vpc_id,
            "cidr": spec[kind],
            "public": kind == "public",
        }

    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    _name(ec2, igw_id, f"{env}-igw", env)
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    summary["internet_gateways"][f"{env}-igw"] = {"id": igw_id, "region": region, "vpc_id": vpc_id}

    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    _name(ec2, table_id, f"{env}-public", env)
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnets["public"])
    summary["route_tables"][f"{env}-public"] = {
        "id": table_id,
        "region": region,
        "vpc_id": vpc_id,
        "igw_id": igw_id,
    }

    groups = _seed_security_groups(ec2, region, env, vpc_id, summary)

    image_id = ec2.register_image(
        Name=f"acme-{env}-al2023",
        Description="Amazon Linux 2023 based application image (sandbox)",
        Architecture="x86_64",
        RootDeviceName="/dev/xvda",
        VirtualizationType="hvm",
    )["ImageId"]
    summary["images"][env] = image_id

    key_name = None
    if env == "prod":
        key_name = "deploy-key"
        key = ec2.create_key_pair(KeyName=key_name, KeyType="ed25519")
        summary["key_pairs"][key_name] = {"id": key.get("KeyPairId"), "region": region}

    if env == "prod":
        machines = [
            ("web-1", "t3.micro", "public", [groups["prod-web"], groups["legacy-ssh"]], "running"),
            ("worker-1", "t3.small", "private", [groups["prod-web"]], "stopped"),
        ]
    else:
        machines = [("web-2", "t3.micro", "public", [groups["staging-web"]], "running")]
    for name, instance_type, kind, group_ids, state in machines:
        params: dict[str, Any] = {
            "ImageId": image_id,
            "InstanceType": instance_type,
            "MinCount": 1,
            "MaxCount": 1,
            "SubnetId": subnets[kind],
            "SecurityGroupIds": group_ids,
            "TagSpecifications": [{"ResourceType": "instance", "Tags": _tag_list(name, env)}],
            # worker-1 follows today's guidance (IMDSv2 only); the web servers do not.
            "MetadataOptions": {"HttpTokens": "required" if name == "worker-1" else "optional"},
        }
        if key_name and kind == "public":
            params["KeyName"] = key_name
        instance_id = ec2.run_instances(**params)["Instances"][0]["InstanceId"]
        if state == "stopped":
            ec2.stop_instances(InstanceIds=[instance_id])
        summary["instances"][name] = {
            "id": instance_id,
            "region": region,
            "state": state,
            "type": instance_type,
            "subnet_id": subnets[kind],
        }


def _seed_security_groups(
    ec2: EC2Client, region: str, env: str, vpc_id: str, summary: dict[str, Any]
) -> dict[str, str]:
    def create(name: str, description: str) -> str:
        group_id = ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id)[
            "GroupId"
        ]
        _name(ec2, group_id, name, env)
        summary["security_groups"][name] = {"id": group_id, "region": region, "vpc_id": vpc_id}
        return group_id

    def world(port: int, why: str) -> IpPermissionTypeDef:
        return {
            "IpProtocol": "tcp",
            "FromPort": port,
            "ToPort": port,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": why}],
        }

    groups: dict[str, str] = {}
    web = create(f"{env}-web", f"{env} web servers: HTTP and HTTPS from anywhere")
    ec2.authorize_security_group_ingress(
        GroupId=web, IpPermissions=[world(80, "http"), world(443, "https")]
    )
    groups[f"{env}-web"] = web
    if env == "prod":
        ssh = create("legacy-ssh", "SSH from anywhere (kept from the 2019 migration)")
        ec2.authorize_security_group_ingress(
            GroupId=ssh, IpPermissions=[world(22, "admin access, to be removed")]
        )
        groups["legacy-ssh"] = ssh
    else:
        db = create(f"{env}-db", f"{env} PostgreSQL, only from the web servers")
        ec2.authorize_security_group_ingress(
            GroupId=db,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "UserIdGroupPairs": [{"GroupId": web, "Description": "web tier"}],
                }
            ],
        )
        groups[f"{env}-db"] = db
    return groups


def _seed_buckets(
    session: boto3.Session, regions: tuple[str, str], summary: dict[str, Any]
) -> None:
    for name, index in BUCKETS.items():
        region = regions[index]
        s3 = client(session, "s3", region)
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
            )
        s3.put_bucket_tagging(
            Bucket=name,
            Tagging={"TagSet": [{"Key": "env", "Value": "prod" if index == 0 else "staging"}]},
        )
        entry: dict[str, Any] = {"region": region, "objects": [], "policy": False}
        if name == "acme-prod-assets":
            for key, body in _ASSET_OBJECTS.items():
                s3.put_object(Bucket=name, Key=key, Body=body)
            entry["objects"] = sorted(_ASSET_OBJECTS)
        if name == "acme-staging-uploads":
            s3.put_bucket_policy(Bucket=name, Policy=public_read_policy(name, sid="PublicRead"))
            entry["policy"] = True
        summary["buckets"][name] = entry


def _seed_iam(session: boto3.Session, account: str, summary: dict[str, Any]) -> None:
    iam = client(session, "iam")
    paths = {"alice": "/engineering/", "bob": "/engineering/", "ci-deployer": "/service/"}
    for name in USERS:
        user = iam.create_user(UserName=name, Path=paths[name])["User"]
        summary["users"][name] = {"arn": user["Arn"], "path": paths[name]}
    # A long-lived key, as CI users too often have. Its secret is dropped at once.
    iam.create_access_key(UserName="ci-deployer")

    iam.create_open_id_connect_provider(
        Url=f"https://{_OIDC_PROVIDER}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": f"arn:aws:iam::{account}:oidc-provider/{_OIDC_PROVIDER}"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{_OIDC_PROVIDER}:aud": "sts.amazonaws.com"},
                    "StringLike": {f"{_OIDC_PROVIDER}:sub": "repo:acme/app:ref:refs/heads/main"},
                },
            }
        ],
    }
    role = iam.create_role(
        RoleName="github-deploy",
        AssumeRolePolicyDocument=json.dumps(trust),
        Description="Assumed by GitHub Actions in acme/app (main branch) to deploy",
        MaxSessionDuration=3600,
    )["Role"]
    summary["roles"]["github-deploy"] = {"arn": role["Arn"]}

    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UploadArtifacts",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject"],
                "Resource": "arn:aws:s3:::acme-prod-assets/*",
            }
        ],
    }
    policy = iam.create_policy(
        PolicyName="artifact-uploader",
        PolicyDocument=json.dumps(document),
        Description="Lets CI upload build artifacts to the assets bucket",
    )["Policy"]
    iam.attach_user_policy(UserName="ci-deployer", PolicyArn=policy["Arn"])
    summary["policies"]["artifact-uploader"] = {
        "arn": policy["Arn"],
        "attached_to": ["ci-deployer"],
    }
