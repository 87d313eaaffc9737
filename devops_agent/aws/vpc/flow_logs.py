"""VPC flow logs: the model and read, turning them on and off.

A flow log records the IP traffic of a VPC to an S3 bucket, or to a CloudWatch
Logs group through a role that ``vpc-flow-logs.amazonaws.com`` may assume. Without
one, nobody can tell afterwards who talked to what (the audit's
``vpc_flow_logs_enabled`` check, which reads them through :func:`list_flow_logs`).
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AfterValidator, BeforeValidator, model_validator

from devops_agent.aws import (
    AwsModel,
    InRegion,
    Regions,
    check_region,
    named,
    one_region,
    regions_for,
    s3,
    vpc_filter,
)
from devops_agent.aws.describe import Describe
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.vpc.proofs import only_one, region_of
from devops_agent.aws.vpc.vpcs import ClientToken, VpcId, describe_vpc, ec2_id
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, resource_id, send_ec2
from devops_agent.errors import BadInput, ServiceError
from devops_agent.operation import (
    ApiCall,
    Command,
    Grant,
    Hidden,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Read,
    Reader,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.report import Result

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = [
    "TRAFFIC_TYPES",
    "FlowLog",
    "create_flow_logs",
    "delete_flow_logs",
    "flow_log_destination",
    "flow_log_from",
    "flow_log_params",
    "list_flow_logs",
    "log_group_name",
]

#: What a flow log may record: every flow, accepted ones, or rejected ones.
TRAFFIC_TYPES = ("ALL", "ACCEPT", "REJECT")

_LOG_GROUP = re.compile(r"^[\w#/.-]{1,512}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_S3_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:/[^\s]*)?$")


class FlowLog(AwsModel):
    """One VPC flow log."""

    id: str
    """Flow log id, ``fl-...``."""
    resource_id: str
    """What it records: a VPC, subnet or network interface id."""
    traffic_type: str = ""
    """``ALL``, ``ACCEPT`` or ``REJECT``."""
    destination_type: str = ""
    """``cloud-watch-logs``, ``s3`` or ``kinesis-data-firehose``."""
    destination: str = ""
    """Bucket ARN or log group name."""
    role_arn: str | None = None
    """Role that delivers to CloudWatch Logs."""
    status: str = ""
    """``ACTIVE`` when it records."""
    region: str
    """Region it lives in."""


def flow_log_from(raw: Any, region: str) -> FlowLog:
    """The model of one raw DescribeFlowLogs item, read in ``region``.

    Args:
        raw: One item of DescribeFlowLogs' ``FlowLogs``.
        region: The region it was read in.

    Returns:
        The flow log.
    """
    return FlowLog(
        id=raw["FlowLogId"],
        resource_id=raw.get("ResourceId", ""),
        traffic_type=raw.get("TrafficType", ""),
        destination_type=raw.get("LogDestinationType", ""),
        destination=raw.get("LogDestination") or raw.get("LogGroupName") or "",
        role_arn=raw.get("DeliverLogsPermissionArn"),
        status=raw.get("FlowLogStatus", ""),
        region=region,
    )


_FLOW_LOGS = Describe(
    "ec2:DescribeFlowLogs", flow_log_from, order=lambda f: (f.region, f.resource_id, f.id)
)
"""How a region's flow logs are read: the call, the parser, the order."""


def list_flow_logs(
    session: boto3.Session,
    region: str,
    vpc_id: str | None = None,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[FlowLog]:
    """Flow logs in one region, optionally those recording one VPC.

    Args:
        session: credentials to read with (``ec2:DescribeFlowLogs``).
        region: the region to read.
        vpc_id: only the flow logs recording this VPC; every one when ``None``.
        page_size: flow logs per request (up to 1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The flow logs, sorted by what they record, then id.

    Raises:
        BadInput: malformed VPC id. ServiceError: AWS refused (``ec2:DescribeFlowLogs``).
    """
    region = check_region(session, region)
    filters = [{"Name": "resource-id", "Values": [f["Values"][0]]} for f in vpc_filter(vpc_id)]
    return _FLOW_LOGS.read(
        session, region, about=vpc_id, ec2=ec2, page_size=page_size, Filters=filters
    )


def log_group_name(destination: str) -> str:
    """The log group's name in a flow log's destination (AWS may give its ARN).

    Args:
        destination: A log group name, or its ARN (``arn:aws:logs:…:log-group:NAME[:*]``).

    Returns:
        The name.
    """
    if ":log-group:" not in destination:
        return destination
    name = destination.split(":log-group:", 1)[1]
    return name[:-2] if name.endswith(":*") else name


def flow_log_destination(
    *, s3_arn: str = "", log_group: str = "", role_arn: str = ""
) -> dict[str, str]:
    """CreateFlowLogs destination parameters: an S3 bucket ARN, or a log group and a role.

    Args:
        s3_arn: An S3 bucket ARN (with an optional prefix).
        log_group: A CloudWatch Logs group name.
        role_arn: The role that lets flow logs write to the log group.

    Returns:
        ``LogDestinationType`` and ``LogDestination``, or ``LogGroupName`` and
        ``DeliverLogsPermissionArn``.

    Raises:
        BadInput: neither or both destinations, a role with S3, or a malformed ARN or name.
    """
    if bool(s3_arn) == bool(log_group):
        raise BadInput(
            "Flow logs need one destination: --s3 arn:aws:s3:::BUCKET[/prefix], or "
            "--log-group NAME with --role ROLE_ARN."
        )
    if s3_arn:
        if role_arn:
            raise BadInput("--role is only for a CloudWatch Logs destination.")
        if not _S3_ARN.match(s3_arn.strip()):
            raise BadInput(f"'{s3_arn}' is not an S3 bucket ARN like arn:aws:s3:::my-logs/vpc/.")
        return {"LogDestinationType": "s3", "LogDestination": s3_arn.strip()}
    if not _LOG_GROUP.match(log_group.strip()):
        raise BadInput(f"'{log_group}' is not a CloudWatch Logs group name.")
    if not _ROLE_ARN.match(role_arn.strip()):
        raise BadInput(
            "A CloudWatch Logs destination needs --role with the ARN of a role that may "
            "publish flow logs, like arn:aws:iam::123456789012:role/flow-logs."
        )
    return {
        "LogDestinationType": "cloud-watch-logs",
        "LogGroupName": log_group.strip(),
        "DeliverLogsPermissionArn": role_arn.strip(),
    }


# --------------------------------------------------------------------------- writes


def flow_log_params(
    vpc_id: str,
    destination: dict[str, str],
    *,
    traffic_type: str = "ALL",
    client_token: str | None = None,
) -> dict[str, Any]:
    """CreateFlowLogs' parameters, as the executor sends them and the plan shows them.

    Args:
        vpc_id: The VPC.
        destination: The destination parameters (from :func:`flow_log_destination`).
        traffic_type: ``ALL``, ``ACCEPT`` or ``REJECT``.
        client_token: An idempotency token, so a retried call does not create two.

    Returns:
        ``ResourceIds``, ``ResourceType``, ``TrafficType``, the destination and, when
        given, ``ClientToken``.

    Raises:
        BadInput: a malformed id, traffic type or destination.
    """
    vpc = resource_id(vpc_id, "vpc", "VPC")
    if traffic_type not in TRAFFIC_TYPES:
        raise BadInput(f"'{traffic_type}' is not a traffic type; use ALL, ACCEPT or REJECT.")
    checked = flow_log_destination(
        s3_arn=destination.get("LogDestination", ""),
        log_group=destination.get("LogGroupName", ""),
        role_arn=destination.get("DeliverLogsPermissionArn", ""),
    )
    params: dict[str, Any] = {
        "ResourceIds": [vpc],
        "ResourceType": "VPC",
        "TrafficType": traffic_type,
        **checked,
    }
    if client_token:
        params["ClientToken"] = client_token
    return params


def create_flow_logs(
    session: boto3.Session,
    region: str,
    vpc_id: str,
    destination: dict[str, str],
    *,
    traffic_type: str = "ALL",
    client_token: str | None = None,
) -> Change:
    """Turn on flow logs for a VPC (``destination`` from :func:`flow_log_destination`).

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        vpc_id: The VPC.
        destination: The destination parameters.
        traffic_type: ``ALL``, ``ACCEPT`` or ``REJECT``.
        client_token: An idempotency token, so a retried call does not create two.

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed argument. ServiceError: AWS refused, or answered that it
            could not turn flow logs on (``Unsuccessful``).
    """
    region = check_region(session, region)
    params = flow_log_params(
        vpc_id, destination, traffic_type=traffic_type, client_token=client_token
    )
    vpc = params["ResourceIds"][0]
    answer = send_ec2(session, region, "CreateFlowLogs", resource=vpc, **params)
    failed = answer.get("Unsuccessful") or []
    if failed:
        error = failed[0].get("Error", {})
        raise ServiceError(
            f"AWS did not turn on flow logs for {vpc}: {error.get('Code')}: {error.get('Message')}",
            code=str(error.get("Code", "")),
        )
    ids = ", ".join(answer.get("FlowLogIds", []))
    target = params.get("LogDestination") or params.get("LogGroupName")
    return Change(
        action="ec2:CreateFlowLogs",
        resource=ids or vpc,
        message=f"flow logs {ids} record {traffic_type} traffic of {vpc} to {target}",
    )


def delete_flow_logs(session: boto3.Session, region: str, flow_log_id: str) -> Change:
    """Turn off one flow log.

    Args:
        session: The **write** session of an approved plan.
        region: The region.
        flow_log_id: The flow log (``fl-``).

    Returns:
        What was done: the IAM action, the resource, one line for people.

    Raises:
        BadInput: a malformed id. ServiceError: AWS refused, or answered that it could not
            delete it (``Unsuccessful``).
    """
    region = check_region(session, region)
    wanted = resource_id(flow_log_id, "fl", "flow log")
    answer = send_ec2(session, region, "DeleteFlowLogs", resource=wanted, FlowLogIds=[wanted])
    if answer.get("Unsuccessful"):
        error = answer["Unsuccessful"][0].get("Error", {})
        raise ServiceError(
            f"AWS did not delete {wanted}: {error.get('Code')}: {error.get('Message')}",
            code=str(error.get("Code", "")),
        )
    return Change(action="ec2:DeleteFlowLogs", resource=wanted, message=f"deleted {wanted}")


# --------------------------------------------------------------------------- operations


class ListFlowLogsArgs(Regions):
    """Arguments of ``vpc flowlogs``."""

    vpc_id: Annotated[VpcId | None, Positional()] = None
    """Only the flow logs recording this VPC (vpc-...); null for every one."""


def _list(reader: Reader, args: ListFlowLogsArgs) -> list[FlowLog]:
    return read_regions(reader, args.region, lambda s, r: list_flow_logs(s, r, args.vpc_id))


def _list_table(reader: Reader, args: ListFlowLogsArgs, logs: list[FlowLog]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [
        [f.id, f.resource_id, f.traffic_type, f.destination_type, f.destination, f.status]
        for f in logs
    ]
    return listing(
        regions,
        logs,
        what="flow log",
        key="flow_logs",
        columns=["Flow log", "Records", "Traffic", "Type", "Destination", "Status"],
        rows=rows,
        within=args.vpc_id,
        empty="No flow logs: traffic is not recorded.",
    )


LIST_FLOW_LOGS = Read(
    name="vpc.list_flow_logs",
    args=ListFlowLogsArgs,
    summary="VPC flow logs.",
    service="vpc",
    commands=(Command("vpc flowlogs [VPC_ID]", "VPC flow logs."),),
    guide="Each has its id, what it records (a VPC, subnet or interface id), the traffic "
    "(ALL, ACCEPT or REJECT), the destination (S3 bucket ARN or CloudWatch Logs group), the "
    "delivery role and its status. A VPC with no ACTIVE flow log is not recorded: nobody "
    "can tell afterwards what talked to what.",
    actions=("ec2:DescribeFlowLogs",),
    read=_list,
    render=_list_table,
)


def _blank(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def _traffic(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    word = value.strip().upper()
    if word not in TRAFFIC_TYPES:
        raise BadInput(f"'{value}' is not a traffic type; use ALL, ACCEPT or REJECT.")
    return word


Text = Annotated[str | None, AfterValidator(_blank)]


class CreateFlowLogsArgs(InRegion):
    """Arguments of ``vpc flowlogs enable``."""

    vpc_id: Annotated[VpcId, Positional()]
    """The VPC whose traffic to record (vpc-...)."""
    s3_arn: Annotated[Text, Option("--s3")] = None
    """Destination bucket ARN, optionally with a prefix (arn:aws:s3:::my-logs/vpc/); the
    bucket must exist. Null when logging to CloudWatch Logs."""
    log_group: Text = None
    """Destination CloudWatch Logs group name (with role_arn); null when logging to S3."""
    role_arn: Annotated[Text, Option("--role")] = None
    """ARN of a role vpc-flow-logs.amazonaws.com may assume to publish to the log group;
    only with log_group."""
    traffic_type: Annotated[
        Literal["ALL", "ACCEPT", "REJECT"], Option("--traffic"), BeforeValidator(_traffic)
    ] = "ALL"
    """Which traffic to record: ALL, ACCEPT or REJECT."""
    client_token: ClientToken = None
    """Idempotency token, drawn by the preview."""

    @model_validator(mode="after")
    def _one_destination(self) -> Self:
        self.destination()
        return self

    def destination(self) -> dict[str, str]:
        """The CreateFlowLogs destination parameters (see :func:`flow_log_destination`)."""
        return flow_log_destination(
            s3_arn=self.s3_arn or "", log_group=self.log_group or "", role_arn=self.role_arn or ""
        )


def _plan_create(reader: Reader, args: CreateFlowLogsArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc flowlogs enable`")
    session = reader.session()
    destination = args.destination()
    with named():
        network = describe_vpc(session, region, args.vpc_id)
    target = destination.get("LogDestination") or destination.get("LogGroupName", "")
    if destination["LogDestinationType"] == "s3":
        bucket = target.split(":::", 1)[1].split("/", 1)[0]
        if s3.bucket_owner_region(session, bucket) is None:
            raise BadInput(
                f"There is no bucket s3://{bucket}.",
                remedy="`s3 list` shows the account's buckets.",
            )
    if any(
        f.destination == target or log_group_name(f.destination) == target
        for f in list_flow_logs(session, region, network.id)
    ):
        raise BadInput(f"{network.id} already sends flow logs to {target}.")
    role = destination.get("DeliverLogsPermissionArn")
    entry = CREATE_FLOW_LOGS.entry(
        args.model_copy(
            update={"region": region, "vpc_id": network.id, "client_token": uuid.uuid4().hex}
        ),
        f"Record {args.traffic_type} traffic of {network.id} to {target}"
        + (f" (delivered by {role})" if role else ""),
        [network.id],
    )
    return Proposal([entry], what=f"turn on flow logs for {network.id}", region=region)


def _run_create(writers: Writers, args: CreateFlowLogsArgs) -> str:
    return create_flow_logs(
        writers.aws(),
        region_of(args),
        args.vpc_id,
        args.destination(),
        traffic_type=args.traffic_type,
        client_token=args.client_token,
    ).message


#: Who may assume a flow log's delivery role: what ``iam:PassRole`` is limited to.
FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"


def _create_calls(args: CreateFlowLogsArgs) -> list[ApiCall]:
    destination = args.destination()
    role = destination.get("DeliverLogsPermissionArn")
    extra = (
        Grant(
            action="iam:PassRole",
            resources=(role,),
            conditions={"StringEquals": {"iam:PassedToService": [FLOW_LOGS_SERVICE]}},
        )
        if role
        else Grant(action="logs:CreateLogDelivery")  # takes no resource-level permissions
    )
    return [
        ec2_request(
            "CreateFlowLogs",
            flow_log_params(
                args.vpc_id,
                destination,
                traffic_type=args.traffic_type,
                client_token=args.client_token,
            ),
            region=args.region,
            resources=(ec2_arn("vpc-flow-log", "*"),),
            uses=(ec2_arn("vpc", args.vpc_id),),
            extra=(extra,),
        )
    ]


def _target(args: CreateFlowLogsArgs) -> str:
    destination = args.destination()
    return destination.get("LogDestination") or destination.get("LogGroupName", "")


def _made(reader: Reader, args: CreateFlowLogsArgs) -> list[FlowLog]:
    """The VPC's flow logs to the entry's destination (the preview allows only one)."""
    target = _target(args)
    found = list_flow_logs(reader.session(), region_of(args), args.vpc_id)
    return [f for f in found if f.destination == target or log_group_name(f.destination) == target]


def _verify_create(reader: Reader, args: CreateFlowLogsArgs) -> Verification:
    found = _made(reader, args)
    read = ", ".join(
        f"{f.id} records {f.traffic_type} traffic of {f.resource_id} ({f.status or 'no status'})"
        for f in found
    )
    if (
        len(found) == 1
        and found[0].status == "ACTIVE"
        and found[0].traffic_type == (args.traffic_type)
    ):
        return Verified(read)
    return NotAsPlanned(read or f"{args.vpc_id} has no flow log to {_target(args)}")


def _undo_create(reader: Reader, before: object, args: CreateFlowLogsArgs) -> list[PlanEntry]:
    """Stop the flow log the entry turned on (logs already delivered stay)."""
    return [
        DELETE_FLOW_LOGS.entry(
            DeleteFlowLogsArgs(
                region=args.region, flow_log_id=f.id, destination_type=f.destination_type
            ),
            f"Roll back: stop recording {f.resource_id} to {f.destination} (delete {f.id}, "
            "made by the plan; logs already delivered stay)",
            [f.id, f.resource_id],
        )
        for f in only_one(_made(reader, args), "flow log")
    ]


CREATE_FLOW_LOGS = Write(
    name="vpc.create_flow_logs",
    args=CreateFlowLogsArgs,
    summary="Plan to record a VPC's traffic.",
    service="vpc",
    commands=(
        Command(
            "vpc flowlogs enable VPC_ID (--s3 BUCKET_ARN | --log-group NAME --role ROLE_ARN) "
            "[--traffic ALL|ACCEPT|REJECT]",
            "Plan to record a VPC's traffic.",
        ),
    ),
    guide="Give exactly one destination: s3_arn (an existing bucket), or log_group with "
    "role_arn. A second flow log of the VPC to the same destination is refused. For S3 the "
    "bucket policy must already let delivery.logs.amazonaws.com write: the apply may not "
    "change bucket policies, so AWS cannot add that statement itself.",
    reads=("ec2:DescribeVpcs", "ec2:DescribeFlowLogs", "s3:ListBucket"),
    actions=("ec2:CreateFlowLogs", "logs:CreateLogDelivery", "iam:PassRole"),
    arns=(
        "arn:{partition}:ec2:{region}:{account}:vpc/{vpc_id}",
        "arn:{partition}:ec2:{region}:{account}:vpc-flow-log/*",
        "{role_arn}",
    ),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_create,
    examples=(
        {
            "region": "us-east-1",
            "vpc_id": "vpc-0123456789abcdef0",
            "s3_arn": "arn:aws:s3:::acme-flow-logs/vpc/",
            "client_token": "0123456789abcdef0123456789abcdef",
        },
        {
            "region": "us-east-1",
            "vpc_id": "vpc-0123456789abcdef0",
            "log_group": "/vpc/prod",
            "role_arn": "arn:aws:iam::123456789012:role/flow-logs",
            "traffic_type": "REJECT",
            "client_token": "0123456789abcdef0123456789abcdef",
        },
    ),
)


class DeleteFlowLogsArgs(InRegion):
    """Arguments of ``vpc flowlogs delete``."""

    flow_log_id: Annotated[str, Positional(), ec2_id("fl", "flow log")]
    """The flow log to delete (fl-...)."""
    destination_type: Annotated[str, Hidden()] = ""
    """Where it delivers when planned (``s3``, ``cloud-watch-logs``…): deleting one that
    delivers through a log delivery (S3, Firehose) also needs ``logs:DeleteLogDelivery``."""


def _plan_delete(reader: Reader, args: DeleteFlowLogsArgs) -> Proposal:
    region = one_region(reader, args.region, "`vpc flowlogs delete`")
    wanted = args.flow_log_id
    log = next((f for f in list_flow_logs(reader.session(), region) if f.id == wanted), None)
    if log is None:
        raise BadInput(f"There is no flow log {wanted} in {region}.")
    entry = DELETE_FLOW_LOGS.entry(
        args.model_copy(update={"region": region, "destination_type": log.destination_type}),
        f"Stop recording {log.resource_id} to {log.destination} (delete {wanted}; logs "
        "already delivered stay)",
        [wanted, log.resource_id],
    )
    return Proposal([entry], what=f"delete {wanted}", region=region)


def _run_delete(writers: Writers, args: DeleteFlowLogsArgs) -> str:
    return delete_flow_logs(writers.aws(), region_of(args), args.flow_log_id).message


def _delete_calls(args: DeleteFlowLogsArgs) -> list[ApiCall]:
    delivery = args.destination_type != "cloud-watch-logs"
    return [
        ec2_request(
            "DeleteFlowLogs",
            {"FlowLogIds": [args.flow_log_id]},
            region=args.region,
            resources=(ec2_arn("vpc-flow-log", args.flow_log_id),),
            extra=(Grant(action="logs:DeleteLogDelivery"),) if delivery else (),
        )
    ]


def _the_log(reader: Reader, args: DeleteFlowLogsArgs) -> FlowLog | None:
    found = list_flow_logs(reader.session(), region_of(args))
    return next((f for f in found if f.id == args.flow_log_id), None)


def _verify_delete(reader: Reader, args: DeleteFlowLogsArgs) -> Verification:
    log = _the_log(reader, args)
    if log is None:
        return Verified(f"{args.flow_log_id} is gone")
    return NotAsPlanned(f"{log.id} still records {log.resource_id} ({log.status})")


def _before_delete(reader: Reader, args: DeleteFlowLogsArgs) -> dict[str, Any] | None:
    log = _the_log(reader, args)
    return None if log is None else log.model_dump(mode="json")


def _undo_delete(reader: Reader, before: Any, args: DeleteFlowLogsArgs) -> list[PlanEntry]:
    """Record the same VPC to the same destination again (a new flow log, AWS's default
    format; the traffic in between is not recorded).

    Raises:
        BadInput: the flow log recorded a subnet or an interface, or delivered to Firehose:
            ``vpc flowlogs enable`` cannot make that one again.
    """
    if not isinstance(before, dict):
        return []
    log = FlowLog.model_validate(before)
    if not log.resource_id.startswith("vpc-") or log.destination_type not in (
        "s3",
        "cloud-watch-logs",
    ):
        raise BadInput(
            f"{log.id} recorded {log.resource_id} to {log.destination_type}; `vpc flowlogs "
            "enable` makes only VPC flow logs to S3 or CloudWatch Logs: recreate it by hand"
        )
    s3 = log.destination_type == "s3"
    back = CreateFlowLogsArgs(
        region=args.region,
        vpc_id=log.resource_id,
        s3_arn=log.destination if s3 else None,
        log_group=None if s3 else log_group_name(log.destination),
        role_arn=None if s3 else log.role_arn,
        traffic_type=log.traffic_type or "ALL",  # type: ignore[arg-type]
        client_token=uuid.uuid4().hex,
    )
    return [
        CREATE_FLOW_LOGS.entry(
            back,
            f"Roll back: record {log.traffic_type} traffic of {log.resource_id} to "
            f"{log.destination} again (a new flow log; what passed in between is not recorded)",
            [log.resource_id],
        )
    ]


DELETE_FLOW_LOGS = Write(
    name="vpc.delete_flow_logs",
    args=DeleteFlowLogsArgs,
    summary="Plan to stop a flow log.",
    service="vpc",
    commands=(Command("vpc flowlogs delete FLOW_LOG_ID", "Plan to stop a flow log."),),
    guide="Recording stops; logs already delivered stay where they are.",
    reads=("ec2:DescribeFlowLogs",),
    actions=("ec2:DeleteFlowLogs", "logs:DeleteLogDelivery"),
    arns=("arn:{partition}:ec2:{region}:{account}:vpc-flow-log/{flow_log_id}",),
    plan=_plan_delete,
    run=_run_delete,
    calls=_delete_calls,
    verify=_verify_delete,
    before=_before_delete,
    undo=_undo_delete,
    examples=(
        {"region": "us-east-1", "flow_log_id": "fl-0123456789abcdef0", "destination_type": "s3"},
        {
            "region": "us-east-1",
            "flow_log_id": "fl-0123456789abcdef0",
            "destination_type": "cloud-watch-logs",
        },
    ),
)

OPERATIONS = (LIST_FLOW_LOGS, CREATE_FLOW_LOGS, DELETE_FLOW_LOGS)
