"""Public disks: ``ec2 snapshot private SNAPSHOT_ID`` and ``ec2 ami private AMI_ID``.

A snapshot any account may restore, or an AMI any account may launch, is a copy of the
disk for anyone: both previews read the permission first (only the ``all`` group is
taken away; accounts it is shared with by id keep their access) and answer "already
private" otherwise. Both would be undone by sharing with ``all`` again, which
devops-agent never plans: so each is marked irreversible before approval, and a person
who needs the disk public again shares it in AWS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator

from devops_agent.aws import InRegion, aws_errors, check_region, client, named, one_region
from devops_agent.aws.ec2.images import describe_image
from devops_agent.aws.writes import Change, ec2_arn, ec2_request, resource_id, send_ec2
from devops_agent.operation import (
    ApiCall,
    Command,
    NotAsPlanned,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "UNSHARE_IMAGE",
    "UNSHARE_SNAPSHOT",
    "ImageArgs",
    "SnapshotArgs",
    "image_is_public",
    "image_params",
    "snapshot_is_public",
    "snapshot_params",
    "unshare_image",
    "unshare_snapshot",
]


def _snapshot_id(value: str) -> str:
    return resource_id(value, "snap", "snapshot")


def _image_id(value: str) -> str:
    return resource_id(value, "ami", "AMI")


def snapshot_is_public(session: boto3.Session, region: str, snapshot_id: str) -> bool:
    """Whether any AWS account may create a volume from the snapshot.

    Args:
        session: Credentials to read with.
        region: The snapshot's region.
        snapshot_id: The snapshot (``snap-…``).

    Returns:
        True when its create-volume permission names the ``all`` group.

    Raises:
        ServiceError: no such snapshot, or AWS refused (``ec2:DescribeSnapshotAttribute``).
    """
    ec2 = client(session, "ec2", check_region(session, region))
    with aws_errors("ec2:DescribeSnapshotAttribute", resource=snapshot_id, region=region):
        found = ec2.describe_snapshot_attribute(
            SnapshotId=snapshot_id, Attribute="createVolumePermission"
        )
    return any(p.get("Group") == "all" for p in found.get("CreateVolumePermissions", []))


def image_is_public(session: boto3.Session, region: str, image_id: str) -> bool:
    """Whether any AWS account may launch the AMI.

    Args:
        session: Credentials to read with.
        region: The AMI's region.
        image_id: The AMI (``ami-…``).

    Returns:
        True when the AMI is public.

    Raises:
        ServiceError: no such AMI, or AWS refused (``ec2:DescribeImages``).
    """
    return describe_image(session, region, image_id).public


def snapshot_params(snapshot_id: str) -> dict[str, Any]:
    """The ``ModifySnapshotAttribute`` parameters that take the ``all`` group out: what
    the executor sends and the plan shows.

    Args:
        snapshot_id: The snapshot (``snap-…``).

    Returns:
        The call's parameters, without ``DryRun``.
    """
    return {
        "SnapshotId": snapshot_id,
        "Attribute": "createVolumePermission",
        "OperationType": "remove",
        "GroupNames": ["all"],
    }


def image_params(image_id: str) -> dict[str, Any]:
    """The ``ModifyImageAttribute`` parameters that take the ``all`` group out: what the
    executor sends and the plan shows.

    Args:
        image_id: The AMI (``ami-…``).

    Returns:
        The call's parameters, without ``DryRun``.
    """
    return {"ImageId": image_id, "LaunchPermission": {"Remove": [{"Group": "all"}]}}


def unshare_snapshot(session: boto3.Session, region: str, snapshot_id: str) -> Change:
    """Take the ``all`` group out of a snapshot's create-volume permission.

    Args:
        session: The write role's session.
        region: The snapshot's region.
        snapshot_id: The snapshot (``snap-…``).

    Returns:
        What was done.

    Raises:
        ServiceError: AWS refused (``ec2:ModifySnapshotAttribute``).
    """
    region = check_region(session, region)
    send_ec2(
        session,
        region,
        "ModifySnapshotAttribute",
        resource=snapshot_id,
        **snapshot_params(snapshot_id),
    )
    return Change(
        action="ec2:ModifySnapshotAttribute",
        resource=snapshot_id,
        message=f"{snapshot_id} can no longer be restored by any account",
    )


def unshare_image(session: boto3.Session, region: str, image_id: str) -> Change:
    """Take the ``all`` group out of an AMI's launch permission.

    Args:
        session: The write role's session.
        region: The AMI's region.
        image_id: The AMI (``ami-…``).

    Returns:
        What was done.

    Raises:
        ServiceError: AWS refused (``ec2:ModifyImageAttribute``).
    """
    region = check_region(session, region)
    send_ec2(session, region, "ModifyImageAttribute", resource=image_id, **image_params(image_id))
    return Change(
        action="ec2:ModifyImageAttribute",
        resource=image_id,
        message=f"{image_id} can no longer be launched by any account",
    )


class SnapshotArgs(InRegion):
    """Arguments of ``ec2 snapshot private``."""

    snapshot_id: Annotated[str, Positional(), AfterValidator(_snapshot_id)]
    """The snapshot (snap-...)."""


class ImageArgs(InRegion):
    """Arguments of ``ec2 ami private``."""

    image_id: Annotated[str, Positional(), AfterValidator(_image_id)]
    """The AMI (ami-...)."""


def _plan_snapshot(reader: Reader, args: SnapshotArgs) -> Proposal | Unchanged:
    region = one_region(reader, args.region, "`ec2 snapshot private`")
    with named():
        public = snapshot_is_public(reader.session(), region, args.snapshot_id)
    if not public:
        return Unchanged(f"{args.snapshot_id} is not public", {"snapshot": args.snapshot_id})
    entry = UNSHARE_SNAPSHOT.entry(
        args.model_copy(update={"region": region}),
        f"Stop any AWS account from restoring snapshot {args.snapshot_id} in {region} "
        "(accounts it is shared with by id keep access)",
        [args.snapshot_id],
    )
    return Proposal([entry], what=f"make {args.snapshot_id} private", region=region)


def _plan_image(reader: Reader, args: ImageArgs) -> Proposal | Unchanged:
    region = one_region(reader, args.region, "`ec2 ami private`")
    with named():
        image = describe_image(reader.session(), region, args.image_id)
    if not image.public:
        return Unchanged(f"{image.id} is not public", {"image": image.id})
    entry = UNSHARE_IMAGE.entry(
        args.model_copy(update={"region": region}),
        f"Stop any AWS account from launching AMI {image.name or image.id} ({image.id}) in "
        f"{region} (accounts it is shared with by id keep access)",
        [image.id],
    )
    return Proposal([entry], what=f"make {image.id} private", region=region)


def _run_snapshot(writers: Writers, args: SnapshotArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return unshare_snapshot(writers.aws(), args.region, args.snapshot_id).message


def _run_image(writers: Writers, args: ImageArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return unshare_image(writers.aws(), args.region, args.image_id).message


def _snapshot_calls(args: SnapshotArgs) -> list[ApiCall]:
    return [
        ec2_request(
            "ModifySnapshotAttribute",
            snapshot_params(args.snapshot_id),
            region=args.region,
            resources=(ec2_arn("snapshot", args.snapshot_id, account=False),),
        )
    ]


def _image_calls(args: ImageArgs) -> list[ApiCall]:
    return [
        ec2_request(
            "ModifyImageAttribute",
            image_params(args.image_id),
            region=args.region,
            resources=(ec2_arn("image", args.image_id, account=False),),
        )
    ]


def _verify_snapshot(reader: Reader, args: SnapshotArgs) -> Verification:
    assert args.region is not None  # the preview fixed it
    if snapshot_is_public(reader.session(), args.region, args.snapshot_id):
        return NotAsPlanned(f"{args.snapshot_id} can still be restored by any account")
    return Verified(f"{args.snapshot_id} is not public")


def _verify_image(reader: Reader, args: ImageArgs) -> Verification:
    assert args.region is not None  # the preview fixed it
    if image_is_public(reader.session(), args.region, args.image_id):
        return NotAsPlanned(f"{args.image_id} can still be launched by any account")
    return Verified(f"{args.image_id} is not public")


def _never_public_again(what: str, verb: str) -> str:
    return (
        f"devops-agent never makes {what} public, so no plan can share it with every AWS "
        f"account again: anyone who {verb} it through public sharing loses that until a "
        "person shares it again in AWS"
    )


_GUIDE = (
    "Only public sharing (the all group) is removed; accounts it is shared with by id keep "
    "access. Already private comes back as unchanged."
)

UNSHARE_SNAPSHOT = Write(
    name="ec2.unshare_snapshot",
    args=SnapshotArgs,
    summary="Plan to stop any AWS account from restoring a snapshot.",
    service="ec2",
    commands=(
        Command(
            "ec2 snapshot private SNAPSHOT_ID",
            "Plan to stop any AWS account from restoring a snapshot.",
        ),
    ),
    guide=_GUIDE,
    reads=("ec2:DescribeSnapshotAttribute",),
    actions=("ec2:ModifySnapshotAttribute",),
    arns=("arn:{partition}:ec2:{region}::snapshot/{snapshot_id}",),
    plan=_plan_snapshot,
    run=_run_snapshot,
    calls=_snapshot_calls,
    verify=_verify_snapshot,
    irreversible=_never_public_again("a snapshot", "restores"),
    examples=({"region": "us-east-1", "snapshot_id": "snap-0123456789abcdef0"},),
)

UNSHARE_IMAGE = Write(
    name="ec2.unshare_image",
    args=ImageArgs,
    summary="Plan to stop any AWS account from launching an AMI.",
    service="ec2",
    commands=(
        Command("ec2 ami private AMI_ID", "Plan to stop any AWS account from launching an AMI."),
    ),
    guide=_GUIDE,
    reads=("ec2:DescribeImages",),
    actions=("ec2:ModifyImageAttribute",),
    arns=("arn:{partition}:ec2:{region}::image/{image_id}",),
    plan=_plan_image,
    run=_run_image,
    calls=_image_calls,
    verify=_verify_image,
    irreversible=_never_public_again("an AMI", "launches"),
    examples=({"region": "us-east-1", "image_id": "ami-0123456789abcdef0"},),
)

OPERATIONS: tuple[Any, ...] = (UNSHARE_SNAPSHOT, UNSHARE_IMAGE)
