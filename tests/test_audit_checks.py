"""Every audit check, against moto: its metadata, and a failing and a passing case.

For each check, a ``fail`` setup builds the bad state and a ``pass`` setup the
good one in an empty in-process moto account; the real collectors then read
it (only the parts that check needs) and the check runs. The setup returns the
resource id whose finding must appear (fail) or must not (pass): default
resources moto creates (default VPC, default security group...) do not get in
the way.

Where moto's API cannot create a state (a key last used 120 days ago, root MFA or
root keys, an instance stopped last month, a snapshot from last year), the setup
writes it into moto's backend objects, so the collectors and checks still run
for real; moto keeps no MFA-delete flag at all, so that one case adds the field
to the GetBucketVersioning answer. ``test_checks_are_pure_over_a_built_inventory``
builds the inventory model directly, for credential-report states (a root
password, key ages) no API can fake.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import botocore.loaders
import botocore.session
import pytest
from audit_fix_support import Clients, instance
from moto import mock_aws
from moto.ec2.models import ec2_backends
from moto.iam.models import AccessKeyLastUsed, AWSManagedPolicy, iam_backends

from devops_agent.audit import AuditReport, discover_checks, run_audit
from devops_agent.audit.inventory import (
    PARTS,
    AccessKeyCredential,
    AccountSummary,
    CredentialReportRow,
    IamInventory,
    Inventory,
)
from devops_agent.audit.models import SERVICES, SEVERITIES

REGION = "us-east-1"
ACCOUNT = "123456789012"
WORLD_V4 = "0.0.0.0/0"
WORLD_V6 = "::/0"
LOG_DELIVERY = 'uri="http://acs.amazonaws.com/groups/s3/LogDelivery"'


@dataclass
class Env(Clients):
    """What a setup gets: the session (moto, in-process), its clients and pytest's
    monkeypatch."""

    monkeypatch: pytest.MonkeyPatch


Setup = Callable[[Env], str]


#: botocore's parsed service models, shared by every test's fresh session: loading the
#: EC2 model again for each of the ~170 cases would cost most of the run.
_LOADER = botocore.loaders.create_loader()


def fresh_session() -> boto3.Session:
    """A new session (own events, own credentials) that reuses the loaded service models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, region_name=REGION)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    with mock_aws():
        yield Env(fresh_session(), monkeypatch)


def audit_one(env: Env, check_id: str) -> AuditReport:
    return run_audit(env.session, [REGION], checks=[check_id], account_id=ACCOUNT)


# --------------------------------------------------------------------------- helpers


def default_vpc(e: Env) -> str:
    vpcs = e.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return vpcs[0]["VpcId"]


def new_group(e: Env, name: str = "audit-test") -> str:
    return e.ec2.create_security_group(
        GroupName=name, Description="audit test", VpcId=default_vpc(e)
    )["GroupId"]


def open_group(
    e: Env, protocol: str, ports: tuple[int, int] | None, *, v4: str = "", v6: str = ""
) -> str:
    group = new_group(e)
    permission: dict = {"IpProtocol": protocol}
    if ports is not None:
        permission.update(FromPort=ports[0], ToPort=ports[1])
    if v4:
        permission["IpRanges"] = [{"CidrIp": v4}]
    if v6:
        permission["Ipv6Ranges"] = [{"CidrIpv6": v6}]
    e.ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])
    return group


def volume(e: Env, *, encrypted: bool = False) -> str:
    return e.ec2.create_volume(AvailabilityZone=f"{REGION}a", Size=8, Encrypted=encrypted)[
        "VolumeId"
    ]


def snapshot(e: Env, *, encrypted: bool = False) -> str:
    return e.ec2.create_snapshot(VolumeId=volume(e, encrypted=encrypted))["SnapshotId"]


def ec2_backend():
    return ec2_backends[ACCOUNT][REGION]


def iam_backend():
    return iam_backends[ACCOUNT]["global"]


def bucket(e: Env, name: str = "audit-test-bucket") -> str:
    e.s3.create_bucket(Bucket=name)
    return name


def bucket_policy(e: Env, name: str, *statements: dict) -> None:
    e.s3.put_bucket_policy(
        Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    )


def user(e: Env, name: str = "audit-user", *, password: bool = False) -> str:
    e.iam.create_user(UserName=name)
    if password:
        e.iam.create_login_profile(UserName=name, Password="Correct-Horse-9!")
    return name


def access_key(e: Env, name: str, *, age_days: int = 0, used_days_ago: int | None = None) -> str:
    key_id = e.iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    # moto's API cannot backdate keys: set the dates on its backend object.
    key = next(k for k in iam_backend().users[name].access_keys if k.access_key_id == key_id)
    now = datetime.now(UTC).replace(tzinfo=None)
    key.create_date = now - timedelta(days=age_days)
    if used_days_ago is not None:
        key.last_used = AccessKeyLastUsed(now - timedelta(days=used_days_ago), "s3", REGION)
    return key_id


def password_policy(e: Env, **overrides) -> str:
    params = {
        "MinimumPasswordLength": 14,
        "PasswordReusePrevention": 24,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
    }
    params.update(overrides)
    e.iam.update_account_password_policy(**params)
    return ACCOUNT


ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
NARROW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::x/*"}],
}
TLS_ONLY = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::audit-test-bucket", "arn:aws:s3:::audit-test-bucket/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def trust(principal: object, condition: dict | None = None) -> str:
    statement: dict = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


# --------------------------------------------------------------------------- EC2 setups


def sg_in_use(e: Env) -> str:
    group = new_group(e)
    instance(e, SecurityGroupIds=[group])
    return group


def sg_default_closed(e: Env) -> str:
    group = e.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
        "SecurityGroups"
    ][0]
    e.ec2.revoke_security_group_egress(
        GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"]
    )
    return group["GroupId"]


def sg_default(e: Env) -> str:
    return e.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
        "SecurityGroups"
    ][0]["GroupId"]


def private_instance(e: Env) -> str:
    vpc = e.ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = e.ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    return instance(e, SubnetId=subnet)


def stopped(e: Env, days: int) -> str:
    found = instance(e)
    e.ec2.stop_instances(InstanceIds=[found])
    if days:
        # moto stamps "User initiated (<now>)"; the API cannot stop in the past.
        when = datetime.now(UTC) - timedelta(days=days)
        ec2_backend().get_instance(found)._reason = f"User initiated ({when:%Y-%m-%d %H:%M:%S} UTC)"
    return found


def with_profile(e: Env) -> str:
    e.iam.create_instance_profile(InstanceProfileName="app")
    return instance(e, IamInstanceProfile={"Name": "app"})


def attached_volume(e: Env) -> str:
    found = volume(e)
    e.ec2.attach_volume(VolumeId=found, InstanceId=instance(e), Device="/dev/sdf")
    return found


def public_snapshot(e: Env) -> str:
    found = snapshot(e)
    e.ec2.modify_snapshot_attribute(
        SnapshotId=found,
        Attribute="createVolumePermission",
        OperationType="add",
        GroupNames=["all"],
    )
    return found


def old_snapshot(e: Env) -> str:
    found = snapshot(e)
    # the API cannot create a snapshot dated last year
    ec2_backend().snapshots[found].start_time = datetime.now(UTC).replace(tzinfo=None) - timedelta(
        days=400
    )
    return found


def image(e: Env, *, public: bool) -> str:
    found = e.ec2.register_image(Name="audit-test-image", RootDeviceName="/dev/xvda")["ImageId"]
    if public:
        e.ec2.modify_image_attribute(ImageId=found, LaunchPermission={"Add": [{"Group": "all"}]})
    return found


def ebs_default_on(e: Env) -> str:
    e.ec2.enable_ebs_encryption_by_default()
    return f"{ACCOUNT}/{REGION}"


def address(e: Env, *, associated: bool) -> str:
    allocation = e.ec2.allocate_address(Domain="vpc")["AllocationId"]
    if associated:
        e.ec2.associate_address(AllocationId=allocation, InstanceId=instance(e))
    return allocation


# --------------------------------------------------------------------------- VPC setups


def vpc(e: Env, cidr: str = "10.20.0.0/16") -> str:
    return e.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def vpc_with_flow_log(e: Env) -> str:
    found = vpc(e)
    bucket(e, "flow-logs-bucket")
    e.ec2.create_flow_logs(
        ResourceIds=[found],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::flow-logs-bucket",
    )
    return found


def nacl(e: Env, *entries: dict) -> str:
    acl = e.ec2.create_network_acl(VpcId=vpc(e))["NetworkAcl"]["NetworkAclId"]
    for entry in entries:
        e.ec2.create_network_acl_entry(NetworkAclId=acl, Egress=False, **entry)
    return acl


def nacl_in_use(e: Env) -> str:
    network = vpc(e)
    subnet = e.ec2.create_subnet(VpcId=network, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    acl = e.ec2.create_network_acl(VpcId=network)["NetworkAcl"]["NetworkAclId"]
    default = e.ec2.describe_network_acls(
        Filters=[
            {"Name": "vpc-id", "Values": [network]},
            {"Name": "default", "Values": ["true"]},
        ]
    )["NetworkAcls"][0]
    association = next(
        a["NetworkAclAssociationId"] for a in default["Associations"] if a["SubnetId"] == subnet
    )
    e.ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    return acl


def default_vpc_in_use(e: Env) -> str:
    instance(e)  # lands in the default VPC's default subnet
    return default_vpc(e)


def default_vpc_deleted(e: Env) -> str:
    found = default_vpc(e)
    for subnet in e.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [found]}])[
        "Subnets"
    ]:
        e.ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for gateway in e.ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [found]}]
    )["InternetGateways"]:
        e.ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=found)
        e.ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    e.ec2.delete_vpc(VpcId=found)
    return found


def subnet(e: Env, *, public: bool) -> str:
    found = e.ec2.create_subnet(VpcId=vpc(e), CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    if public:
        e.ec2.modify_subnet_attribute(SubnetId=found, MapPublicIpOnLaunch={"Value": True})
    return found


def peering_route(e: Env, destination: str) -> str:
    mine, theirs = vpc(e, "10.30.0.0/16"), vpc(e, "10.31.0.0/16")
    peering = e.ec2.create_vpc_peering_connection(VpcId=mine, PeerVpcId=theirs)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    table = e.ec2.create_route_table(VpcId=mine)["RouteTable"]["RouteTableId"]
    e.ec2.create_route(
        RouteTableId=table, DestinationCidrBlock=destination, VpcPeeringConnectionId=peering
    )
    return table


# --------------------------------------------------------------------------- S3 setups

ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def account_pab(e: Env) -> str:
    e.session.client("s3control", region_name=REGION).put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration=ALL_ON
    )
    return ACCOUNT


def bucket_pab(e: Env) -> str:
    name = bucket(e)
    e.s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=ALL_ON)
    return name


def public_policy(e: Env, condition: dict | None = None) -> str:
    name = bucket(e)
    statement: dict = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*",
    }
    if condition:
        statement["Condition"] = condition
    bucket_policy(e, name, statement)
    return name


def bucket_acl(e: Env, acl: str) -> str:
    name = bucket(e)
    e.s3.put_bucket_acl(Bucket=name, ACL=acl)
    return name


def encrypted_bucket(e: Env) -> str:
    name = bucket(e)
    e.s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    return name


def versioned_bucket(e: Env) -> str:
    name = bucket(e)
    e.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def mfa_delete_bucket(e: Env) -> str:
    """moto stores no MFA delete flag, so the GetBucketVersioning answer is given the
    field AWS would send; the collector and the check still run on it."""

    def add_mfa_delete(parsed: dict, **_: object) -> None:
        parsed["MFADelete"] = "Enabled"

    e.session.events.register("after-call.s3.GetBucketVersioning", add_mfa_delete)
    return versioned_bucket(e)


def logged_bucket(e: Env) -> str:
    name = bucket(e)
    target = bucket(e, "audit-log-target")
    e.s3.put_bucket_acl(Bucket=target, GrantWrite=LOG_DELIVERY, GrantReadACP=LOG_DELIVERY)
    e.s3.put_bucket_logging(
        Bucket=name,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "x/"}},
    )
    return name


def tls_bucket(e: Env) -> str:
    name = bucket(e)
    bucket_policy(e, name, TLS_ONLY)
    return name


def bucket_without_tls_deny(e: Env) -> str:
    name = bucket(e)
    bucket_policy(
        e,
        name,
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{name}/*",
        },
    )
    return name


def owner_enforced(e: Env) -> str:
    name = bucket(e)
    e.s3.put_bucket_ownership_controls(
        Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    return name


def lifecycle_bucket(e: Env) -> str:
    name = bucket(e)
    e.s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": 365},
                }
            ]
        },
    )
    return name


# --------------------------------------------------------------------------- IAM setups


def root_keys(e: Env) -> str:
    # moto's account summary never reports root keys; set it on the backend.
    iam_backend().account_summary._account_access_keys_present = 1
    return "root"


def root_mfa(e: Env) -> str:
    # nothing in IAM's API turns on root MFA; set it on moto's backend.
    iam_backend().account_summary._account_mfa_enabled = 1
    return "root"


def console_user_with_mfa(e: Env) -> str:
    name = user(e, password=True)
    device = e.iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    e.iam.enable_mfa_device(
        UserName=name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    return name


def key_user(e: Env, *, age_days: int = 0, used_days_ago: int | None = None) -> str:
    name = user(e)
    access_key(e, name, age_days=age_days, used_days_ago=used_days_ago)
    return f"{name}/access-key-1"


def console_user(e: Env, *, last_used_days: int) -> str:
    name = user(e, password=True)
    # the API cannot sign in; set the last console use on moto's backend.
    iam_backend().users[name].password_last_used = datetime.now(UTC).replace(
        tzinfo=None
    ) - timedelta(days=last_used_days)
    return name


def two_keys(e: Env, *, both_active: bool) -> str:
    name = user(e)
    access_key(e, name)
    second = access_key(e, name)
    if not both_active:
        e.iam.update_access_key(UserName=name, AccessKeyId=second, Status="Inactive")
    return name


def inline_user(e: Env) -> str:
    name = user(e)
    e.iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=json.dumps(NARROW))
    return name


def directly_attached(e: Env, *, to_group: bool) -> str:
    name = user(e)
    policy = e.iam.create_policy(PolicyName="narrow", PolicyDocument=json.dumps(NARROW))["Policy"]
    if to_group:
        e.iam.create_group(GroupName="team")
        e.iam.attach_group_policy(GroupName="team", PolicyArn=policy["Arn"])
        e.iam.add_user_to_group(GroupName="team", UserName=name)
    else:
        e.iam.attach_user_policy(UserName=name, PolicyArn=policy["Arn"])
    return name


def managed_policy(e: Env, document: dict) -> str:
    e.iam.create_policy(PolicyName="audit-policy", PolicyDocument=json.dumps(document))
    return "audit-policy"


def role_inline(e: Env, document: dict) -> str:
    e.iam.create_role(
        RoleName="app", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"})
    )
    e.iam.put_role_policy(RoleName="app", PolicyName="inline", PolicyDocument=json.dumps(document))
    return "role/app"


def role_trust(e: Env, condition: dict | None) -> str:
    e.iam.create_role(RoleName="shared", AssumeRolePolicyDocument=trust({"AWS": "*"}, condition))
    return "shared"


def support_role(e: Env) -> str:
    # moto loads AWS managed policies only on request (all ~1,600, slowly): add the one needed.
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data = json.loads(aws_managed_policies_data)["AWSSupportAccess"]
    managed = AWSManagedPolicy.from_data("AWSSupportAccess", ACCOUNT, REGION, data)
    iam_backend().managed_policies[managed.arn] = managed
    e.iam.create_role(RoleName="support", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))
    e.iam.attach_role_policy(
        RoleName="support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess"
    )
    return ACCOUNT


# --------------------------------------------------------------------------- setups of the
# checks added for the coverage table (CIS 1.6, 1.7, 1.11, 1.19, 1.22; FSBP EC2.10,
# EC2.17, EC2.18, EC2.19, EC2.23, EC2.25, IAM.21, S3.6)


def key_pair(e: Env, *, used: bool) -> str:
    name = "used-key" if used else "spare-key"
    e.ec2.create_key_pair(KeyName=name)
    if used:
        instance(e, KeyName=name)
    return name


def launch_template(e: Env, *, public: bool) -> str:
    data: dict = {"InstanceType": "t3.micro"}
    if public:
        data["NetworkInterfaces"] = [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}]
    return e.ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData=data)[
        "LaunchTemplate"
    ]["LaunchTemplateId"]


def vpc_with_ec2_endpoint(e: Env) -> str:
    found = vpc(e)
    e.ec2.create_vpc_endpoint(
        VpcId=found, ServiceName=f"com.amazonaws.{REGION}.ec2", VpcEndpointType="Interface"
    )
    return found


def transit_gateway(e: Env, *, auto_accept: bool) -> str:
    options = {"AutoAcceptSharedAttachments": "enable" if auto_accept else "disable"}
    return e.ec2.create_transit_gateway(Options=options)["TransitGateway"]["TransitGatewayId"]


def root_used(e: Env, days_ago: int) -> str:
    """moto's credential report has no root line: add one to the backend's answer."""
    backend = iam_backend()
    real = backend.get_credential_report
    used = (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    line = (
        f"<root_account>,arn:aws:iam::{ACCOUNT}:root,2020-01-01T00:00:00+00:00,not_supported,"
        f"{used},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,"
        "false,N/A,false,N/A\n"
    )

    def with_root() -> str:
        header, _, rest = real().partition("\n")
        return f"{header}\n{line}{rest}"

    # an instance attribute: moto's reset at the end of the test clears it with the backend
    backend.get_credential_report = with_root
    return "root"


def console_user_with_key(e: Env, *, password: bool) -> str:
    name = user(e, password=password)
    access_key(e, name)
    return f"{name}/access-key-1"


def server_certificate(e: Env) -> str:
    # moto reports every server certificate as expired in 2012.
    e.iam.upload_server_certificate(
        ServerCertificateName="old-cert", CertificateBody="body", PrivateKey="key"
    )
    return "old-cert"


def cloudshell_user(e: Env) -> str:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data = json.loads(aws_managed_policies_data)["AWSCloudShellFullAccess"]
    managed = AWSManagedPolicy.from_data("AWSCloudShellFullAccess", ACCOUNT, REGION, data)
    iam_backend().managed_policies[managed.arn] = managed
    name = user(e)
    e.iam.attach_user_policy(
        UserName=name, PolicyArn="arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
    )
    return name


def service_wildcard_policy(e: Env, action: str) -> str:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    }
    e.iam.create_policy(PolicyName="wide", PolicyDocument=json.dumps(document))
    return "wide"


def two_interfaces(e: Env) -> str:
    found = instance(e)
    subnet = e.ec2.describe_instances(InstanceIds=[found])["Reservations"][0]["Instances"][0][
        "SubnetId"
    ]
    eni = e.ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    e.ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=found, DeviceIndex=1)
    return found


def cross_account_policy(e: Env, action: str) -> str:
    name = bucket(e)
    bucket_policy(
        e,
        name,
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": action,
            "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        },
    )
    return name


# --------------------------------------------------------------------------- the cases

#: check id -> {case name: (setup, finding expected)}
CASES: dict[str, dict[str, tuple[Setup, bool]]] = {
    "ec2_key_pair_in_use": {
        "fail": (lambda e: key_pair(e, used=False), True),
        "pass": (lambda e: key_pair(e, used=True), False),
    },
    "ec2_launch_template_no_public_ip": {
        "fail": (lambda e: launch_template(e, public=True), True),
        "pass": (lambda e: launch_template(e, public=False), False),
    },
    "vpc_endpoint_for_ec2_exists": {
        "fail": (vpc, True),
        "pass": (vpc_with_ec2_endpoint, False),
    },
    "vpc_transit_gateway_auto_accept_disabled": {
        "fail": (lambda e: transit_gateway(e, auto_accept=True), True),
        "pass": (lambda e: transit_gateway(e, auto_accept=False), False),
    },
    "iam_root_hardware_mfa_enabled": {
        "fail": (lambda e: "root", True),
        "pass": (root_mfa, False),
    },
    "iam_root_not_used_recently": {
        "fail": (lambda e: root_used(e, days_ago=3), True),
        "pass": (lambda e: root_used(e, days_ago=200), False),
    },
    "iam_user_no_initial_access_key": {
        "fail": (lambda e: console_user_with_key(e, password=True), True),
        "pass": (lambda e: console_user_with_key(e, password=False), False),
    },
    "iam_server_certificate_not_expired": {
        "fail": (server_certificate, True),
        "pass": (lambda e: "no-cert", False),
    },
    "iam_cloudshell_full_access_not_attached": {
        "fail": (cloudshell_user, True),
        "pass": (user, False),
    },
    "iam_policy_no_service_wildcard": {
        "fail": (lambda e: service_wildcard_policy(e, "s3:*"), True),
        "pass": (lambda e: service_wildcard_policy(e, "s3:GetObject"), False),
    },
    "ec2_securitygroup_authorized_ports_only": {
        "fail-tcp": (lambda e: open_group(e, "tcp", (8443, 8443), v4=WORLD_V4), True),
        "fail-udp": (lambda e: open_group(e, "udp", (53, 53), v6=WORLD_V6), True),
        "fail-range": (lambda e: open_group(e, "tcp", (80, 443), v4=WORLD_V4), True),
        "pass": (lambda e: open_group(e, "tcp", (443, 443), v4=WORLD_V4), False),
        "pass-private": (lambda e: open_group(e, "tcp", (8443, 8443), v4="10.0.0.0/8"), False),
    },
    "ec2_securitygroup_high_risk_ports_restricted": {
        "fail": (lambda e: open_group(e, "tcp", (8080, 8080), v4=WORLD_V4), True),
        "pass": (lambda e: open_group(e, "tcp", (8080, 8080), v4="10.0.0.0/8"), False),
    },
    "ec2_instance_single_eni": {
        "fail": (two_interfaces, True),
        "pass": (instance, False),
    },
    "s3_bucket_policy_cross_account_restricted": {
        "fail": (lambda e: cross_account_policy(e, "s3:PutBucketPolicy"), True),
        "fail-wildcard": (lambda e: cross_account_policy(e, "s3:Put*"), True),
        "pass": (lambda e: cross_account_policy(e, "s3:GetObject"), False),
    },
    "ec2_securitygroup_ssh_restricted": {
        "fail-ipv4": (lambda e: open_group(e, "tcp", (22, 22), v4=WORLD_V4), True),
        "fail-ipv6": (lambda e: open_group(e, "tcp", (20, 30), v6=WORLD_V6), True),
        "pass": (lambda e: open_group(e, "tcp", (22, 22), v4="10.0.0.0/8"), False),
    },
    "ec2_securitygroup_rdp_restricted": {
        "fail-ipv4": (lambda e: open_group(e, "tcp", (3389, 3389), v4=WORLD_V4), True),
        "fail-ipv6": (lambda e: open_group(e, "udp", (3389, 3389), v6=WORLD_V6), True),
        "pass": (lambda e: open_group(e, "tcp", (3389, 3389), v4="192.168.0.0/16"), False),
    },
    "ec2_securitygroup_all_ports_restricted": {
        "fail-ipv4": (lambda e: open_group(e, "-1", None, v4=WORLD_V4), True),
        "fail-ipv6": (lambda e: open_group(e, "tcp", (0, 65535), v6=WORLD_V6), True),
        "pass": (lambda e: open_group(e, "tcp", (443, 443), v4=WORLD_V4), False),
    },
    "ec2_securitygroup_database_ports_restricted": {
        "fail": (lambda e: open_group(e, "tcp", (5432, 5432), v4=WORLD_V4), True),
        "pass": (lambda e: open_group(e, "tcp", (5432, 5432), v4="10.0.0.0/16"), False),
    },
    "ec2_securitygroup_legacy_ports_restricted": {
        "fail": (lambda e: open_group(e, "tcp", (445, 445), v6=WORLD_V6), True),
        "pass": (lambda e: open_group(e, "tcp", (443, 443), v6=WORLD_V6), False),
    },
    "ec2_securitygroup_default_restricted": {
        "fail": (sg_default, True),
        "pass": (sg_default_closed, False),
    },
    "ec2_securitygroup_in_use": {
        "fail": (new_group, True),
        "pass": (sg_in_use, False),
    },
    "ec2_instance_imdsv2_required": {
        "fail": (lambda e: instance(e, MetadataOptions={"HttpTokens": "optional"}), True),
        "pass": (lambda e: instance(e, MetadataOptions={"HttpTokens": "required"}), False),
    },
    "ec2_instance_no_public_ip": {
        "fail": (instance, True),
        "pass": (private_instance, False),
    },
    "ec2_instance_stopped_under_30_days": {
        "fail": (lambda e: stopped(e, 45), True),
        "pass": (lambda e: stopped(e, 0), False),
    },
    "ec2_instance_profile_attached": {
        "fail": (instance, True),
        "pass": (with_profile, False),
    },
    "ec2_ebs_volume_encrypted": {
        "fail": (volume, True),
        "pass": (lambda e: volume(e, encrypted=True), False),
    },
    "ec2_ebs_volume_attached": {
        "fail": (volume, True),
        "pass": (attached_volume, False),
    },
    "ec2_ebs_snapshot_private": {
        "fail": (public_snapshot, True),
        "pass": (snapshot, False),
    },
    "ec2_ebs_snapshot_encrypted": {
        "fail": (snapshot, True),
        "pass": (lambda e: snapshot(e, encrypted=True), False),
    },
    "ec2_ebs_snapshot_under_365_days": {
        "fail": (old_snapshot, True),
        "pass": (snapshot, False),
    },
    "ec2_ebs_default_encryption_enabled": {
        "fail": (lambda e: f"{ACCOUNT}/{REGION}", True),
        "pass": (ebs_default_on, False),
    },
    "ec2_ami_private": {
        "fail": (lambda e: image(e, public=True), True),
        "pass": (lambda e: image(e, public=False), False),
    },
    "ec2_eip_associated": {
        "fail": (lambda e: address(e, associated=False), True),
        "pass": (lambda e: address(e, associated=True), False),
    },
    "vpc_flow_logs_enabled": {
        "fail": (vpc, True),
        "pass": (vpc_with_flow_log, False),
    },
    "vpc_nacl_admin_ports_restricted": {
        "fail-ipv4": (
            lambda e: nacl(
                e,
                {
                    "RuleNumber": 100,
                    "Protocol": "6",
                    "RuleAction": "allow",
                    "CidrBlock": WORLD_V4,
                    "PortRange": {"From": 22, "To": 22},
                },
            ),
            True,
        ),
        "fail-ipv6": (
            lambda e: nacl(
                e,
                {
                    "RuleNumber": 100,
                    "Protocol": "-1",
                    "RuleAction": "allow",
                    "Ipv6CidrBlock": WORLD_V6,
                },
            ),
            True,
        ),
        "pass-deny-first": (
            lambda e: nacl(
                e,
                {
                    "RuleNumber": 10,
                    "Protocol": "6",
                    "RuleAction": "deny",
                    "CidrBlock": WORLD_V4,
                    "PortRange": {"From": 22, "To": 22},
                },
                {
                    "RuleNumber": 11,
                    "Protocol": "6",
                    "RuleAction": "deny",
                    "CidrBlock": WORLD_V4,
                    "PortRange": {"From": 3389, "To": 3389},
                },
                {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": WORLD_V4},
            ),
            False,
        ),
    },
    "vpc_nacl_in_use": {
        "fail": (
            lambda e: e.ec2.create_network_acl(VpcId=vpc(e))["NetworkAcl"]["NetworkAclId"],
            True,
        ),
        "pass": (nacl_in_use, False),
    },
    "vpc_default_vpc_unused": {
        "fail": (default_vpc_in_use, True),
        "pass": (default_vpc, False),
    },
    "vpc_default_vpc_deleted": {
        "fail": (default_vpc, True),
        "pass": (default_vpc_deleted, False),
    },
    "vpc_subnet_no_public_ip_on_launch": {
        "fail": (lambda e: subnet(e, public=True), True),
        "pass": (lambda e: subnet(e, public=False), False),
    },
    "vpc_peering_routes_least_access": {
        "fail": (lambda e: peering_route(e, "10.31.0.0/16"), True),
        "pass": (lambda e: peering_route(e, "10.31.5.0/24"), False),
    },
    "s3_account_public_access_block_enabled": {
        "fail": (lambda e: ACCOUNT, True),
        "pass": (account_pab, False),
    },
    "s3_bucket_public_access_block_enabled": {
        "fail": (bucket, True),
        "pass": (bucket_pab, False),
    },
    "s3_bucket_policy_not_public": {
        "fail": (public_policy, True),
        "pass": (
            lambda e: public_policy(e, {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}}),
            False,
        ),
    },
    "s3_bucket_acl_not_public": {
        "fail": (lambda e: bucket_acl(e, "public-read"), True),
        "pass": (lambda e: bucket_acl(e, "private"), False),
    },
    "s3_bucket_default_encryption_enabled": {
        "fail": (bucket, True),
        "pass": (encrypted_bucket, False),
    },
    "s3_bucket_versioning_enabled": {
        "fail": (bucket, True),
        "pass": (versioned_bucket, False),
    },
    "s3_bucket_access_logging_enabled": {
        "fail": (bucket, True),
        "pass": (logged_bucket, False),
    },
    "s3_bucket_secure_transport_required": {
        "fail-no-policy": (bucket, True),
        "fail-no-deny": (bucket_without_tls_deny, True),
        "pass": (tls_bucket, False),
    },
    "s3_bucket_mfa_delete_enabled": {
        "fail": (versioned_bucket, True),
        "pass": (mfa_delete_bucket, False),
    },
    "s3_bucket_acls_disabled": {
        "fail": (bucket, True),
        "pass": (owner_enforced, False),
    },
    "s3_bucket_lifecycle_configured": {
        "fail": (bucket, True),
        "pass": (lifecycle_bucket, False),
    },
    "iam_root_access_keys_absent": {
        "fail": (root_keys, True),
        "pass": (lambda e: "root", False),
    },
    "iam_root_mfa_enabled": {
        "fail": (lambda e: "root", True),
        "pass": (root_mfa, False),
    },
    "iam_user_console_mfa_enabled": {
        "fail": (lambda e: user(e, password=True), True),
        "pass": (console_user_with_mfa, False),
    },
    "iam_user_access_key_rotated": {
        "fail": (lambda e: key_user(e, age_days=120, used_days_ago=1), True),
        "pass": (lambda e: key_user(e, age_days=10), False),
    },
    "iam_user_access_key_used_recently": {
        "fail": (lambda e: key_user(e, age_days=120), True),
        "pass": (lambda e: key_user(e, age_days=120, used_days_ago=5), False),
    },
    "iam_user_console_access_used_recently": {
        "fail": (lambda e: console_user(e, last_used_days=200), True),
        "pass": (lambda e: console_user(e, last_used_days=1), False),
    },
    "iam_user_single_active_access_key": {
        "fail": (lambda e: two_keys(e, both_active=True), True),
        "pass": (lambda e: two_keys(e, both_active=False), False),
    },
    "iam_user_no_inline_policies": {
        "fail": (inline_user, True),
        "pass": (user, False),
    },
    "iam_user_no_attached_policies": {
        "fail": (lambda e: directly_attached(e, to_group=False), True),
        "pass": (lambda e: directly_attached(e, to_group=True), False),
    },
    "iam_password_policy_exists": {
        "fail": (lambda e: ACCOUNT, True),
        "pass": (password_policy, False),
    },
    "iam_password_policy_min_length_14": {
        "fail": (lambda e: password_policy(e, MinimumPasswordLength=8), True),
        "pass": (password_policy, False),
    },
    "iam_password_policy_reuse_prevention": {
        "fail": (lambda e: password_policy(e, PasswordReusePrevention=5), True),
        "pass": (password_policy, False),
    },
    "iam_password_policy_complexity_required": {
        "fail": (lambda e: password_policy(e, RequireSymbols=False), True),
        "pass": (password_policy, False),
    },
    "iam_policy_no_full_admin": {
        "fail": (lambda e: managed_policy(e, ADMIN), True),
        "pass": (lambda e: managed_policy(e, NARROW), False),
    },
    "iam_inline_policy_no_full_admin": {
        "fail": (lambda e: role_inline(e, ADMIN), True),
        "pass": (lambda e: role_inline(e, NARROW), False),
    },
    "iam_role_trust_not_public": {
        "fail": (lambda e: role_trust(e, None), True),
        "pass": (
            lambda e: role_trust(e, {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
            False,
        ),
    },
    "iam_support_role_exists": {
        "fail": (lambda e: ACCOUNT, True),
        "pass": (support_role, False),
    },
}

CHECKS = discover_checks()
CHECK_IDS = [c.meta.id for c in CHECKS]


# --------------------------------------------------------------------------- metadata


def test_at_least_forty_checks_with_unique_ids() -> None:
    assert len(CHECKS) >= 40
    assert len(set(CHECK_IDS)) == len(CHECK_IDS)


@pytest.mark.parametrize("check", CHECKS, ids=CHECK_IDS)
def test_metadata_is_complete(check) -> None:
    meta = check.meta
    assert meta.id == check.module, "the id must equal the module name"
    assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+){2,}", meta.id)
    assert meta.id.startswith(f"{meta.service}_")
    assert meta.service in SERVICES
    assert meta.severity in SEVERITIES
    assert meta.title.strip() and meta.risk.strip() and meta.remediation.text.strip()
    assert "aws " in meta.remediation.cli
    assert meta.remediation.terraform.strip()
    assert all(re.fullmatch(r"\d+(\.\d+)+", c) for c in meta.cis), meta.cis
    assert all(re.fullmatch(r"[A-Z0-9]+\.\d+", c) for c in meta.fsbp), meta.fsbp
    assert meta.requires and all(p in PARTS for p in meta.requires)


def test_checks_import_no_aws_client() -> None:
    """Checks judge the inventory; they never reach AWS themselves."""
    folder = Path(__file__).resolve().parents[1] / "devops_agent" / "audit" / "checks"
    for path in folder.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(boto3|botocore)", text, re.M), path.name


def test_every_check_has_a_failing_and_a_passing_case() -> None:
    assert set(CASES) == set(CHECK_IDS)
    for check_id, cases in CASES.items():
        outcomes = {expected for _, expected in cases.values()}
        assert outcomes == {True, False}, check_id


# --------------------------------------------------------------------------- behaviour

PARAMS = [
    pytest.param(check_id, setup, expected, id=f"{check_id}-{name}")
    for check_id, cases in CASES.items()
    for name, (setup, expected) in cases.items()
]


@pytest.mark.parametrize(("check_id", "setup", "expected"), PARAMS)
def test_check_against_moto(env: Env, check_id: str, setup: Setup, expected: bool) -> None:
    resource = setup(env)
    report = audit_one(env, check_id)
    assert report.not_audited == [], report.not_audited
    (result,) = report.checks
    assert result.id == check_id
    flagged = {f.resource_id for f in report.findings if f.check_id == check_id}
    if expected:
        assert resource in flagged, (resource, report.findings)
        assert result.status == "failed"
        finding = next(f for f in report.findings if f.resource_id == resource)
        assert finding.detail.endswith(".") and finding.region in (REGION, "global")
        assert finding.account == ACCOUNT
    else:
        assert resource not in flagged, [f.detail for f in report.findings]
        assert result.status in ("passed", "failed")


def test_checks_are_pure_over_a_built_inventory() -> None:
    """States no API can create (root MFA, a root password used yesterday, key ages) are
    judged from an inventory built directly: the checks need nothing but the model."""
    now = datetime(2025, 6, 1, tzinfo=UTC)
    inventory = Inventory(
        account=ACCOUNT,
        regions=[REGION],
        collected_at=now,
        iam=IamInventory(
            account_summary=AccountSummary(root_mfa_enabled=True, root_access_keys_present=True),
            credential_report=[
                CredentialReportRow(user="<root_account>", arn=f"arn:aws:iam::{ACCOUNT}:root"),
                CredentialReportRow(
                    user="carol",
                    arn=f"arn:aws:iam::{ACCOUNT}:user/carol",
                    password_enabled=True,
                    mfa_active=False,
                    password_last_used=now - timedelta(days=3),
                    access_keys=[
                        AccessKeyCredential(
                            slot=2,
                            active=True,
                            last_rotated=now - timedelta(days=91),
                            last_used=now - timedelta(days=1),
                        )
                    ],
                ),
            ],
        ),
    )
    by_id = {c.meta.id: c for c in CHECKS}

    def hits(check_id: str) -> list[str]:
        first = [h.resource_id for h in by_id[check_id].judge(inventory)]
        assert first == [h.resource_id for h in by_id[check_id].judge(inventory)]  # pure
        return first

    assert hits("iam_root_mfa_enabled") == []
    assert hits("iam_root_access_keys_absent") == ["root"]
    assert hits("iam_user_console_mfa_enabled") == ["carol"]
    assert hits("iam_user_access_key_rotated") == ["carol/access-key-2"]
    assert hits("iam_user_access_key_used_recently") == []
    assert hits("iam_user_console_access_used_recently") == []
    # a part that was not read (None) yields nothing rather than a guess
    assert hits("iam_password_policy_exists") == []
    assert hits("ec2_securitygroup_ssh_restricted") == []


def test_root_with_a_virtual_mfa_is_not_hardware_mfa() -> None:
    from devops_agent.aws.iam.credentials import VirtualMfaDevice

    now = datetime(2025, 6, 1, tzinfo=UTC)
    root = f"arn:aws:iam::{ACCOUNT}:root"

    def judged(devices: list[VirtualMfaDevice], used_days_ago: int) -> dict[str, list[str]]:
        inventory = Inventory(
            account=ACCOUNT,
            regions=[REGION],
            collected_at=now,
            iam=IamInventory(
                account_summary=AccountSummary(
                    root_mfa_enabled=True, root_access_keys_present=False
                ),
                virtual_mfa_devices=devices,
                credential_report=[
                    CredentialReportRow(
                        user="<root_account>",
                        arn=root,
                        access_keys=[
                            AccessKeyCredential(
                                slot=1, active=True, last_used=now - timedelta(days=used_days_ago)
                            )
                        ],
                    )
                ],
            ),
        )
        by_id = {c.meta.id: c for c in CHECKS}
        return {
            check: [h.detail for h in by_id[check].judge(inventory)]
            for check in ("iam_root_hardware_mfa_enabled", "iam_root_not_used_recently")
        }

    phone = VirtualMfaDevice(serial=f"arn:aws:iam::{ACCOUNT}:mfa/root", user_arn=root)
    other = VirtualMfaDevice(serial=f"arn:aws:iam::{ACCOUNT}:mfa/bob", user_arn="x:user/bob")
    found = judged([phone, other], used_days_ago=10)
    assert found["iam_root_hardware_mfa_enabled"] == [
        f"The root user's MFA is a virtual device ({phone.serial})."
    ]
    assert "used access key 1 10 days ago" in found["iam_root_not_used_recently"][0]
    assert judged([other], used_days_ago=100) == {
        "iam_root_hardware_mfa_enabled": [],
        "iam_root_not_used_recently": [],
    }
