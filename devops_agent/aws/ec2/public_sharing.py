"""Public disks: ``ec2 snapshot private SNAPSHOT_ID`` and ``ec2 ami private AMI_ID``.

A snapshot any account may restore, or an AMI any account may launch, is a copy of the
disk for anyone: both previews read the permission first (only the ``all`` group is
taken away; accounts it is shared with by id keep their access) and answer "already
private" otherwise. Both are undone by sharing with ``all`` again, which devops-agent
never plans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator

from devops_agent.aws import InRegion, aws_errors, check_region, client, named, one_region
from devops_agent.aws.ec2.images import describe_image
from devops_agent.aws.writes import Change, ec2_call, resource_id
from devops_agent.operation import (
    Command,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Write,
    Writers,
)

if TYPE_CHECKING:
    import boto3

__all__ = [
    "UNSHARE_IMAGE",
    "UNSHARE_SNAPSHOT",
    "image_is_public",
    "snapshot_is_public",
    "unshare_image",
    "unshare_snapshot",
]


def _snapshot_id(value: str) -> str:
    return resource_id(value, "snap", "snapshot")


def _image_id(value: str) -> str:
    return resource_id(value, "ami", "AMI")


def snapshot_is_public(session: boto3.Session, region: str, snapshot_id: str) -> bool:
    """Whether any AWS account may create a volume from the snapshot.

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

    Raises:
        ServiceError: no such AMI, or AWS refused (``ec2:DescribeImages``).
    """
    return describe_image(session, region, image_id).public


def unshare_snapshot(session: boto3.Session, region: str, snapshot_id: str) -> Change:
    """Take the ``all`` group out of a snapshot's create-volume permission."""
    region = check_region(session, region)
    ec2_call(
        client(session, "ec2", region),
        "modify_snapshot_attribute",
        "ec2:ModifySnapshotAttribute",
        resource=snapshot_id,
        region=region,
        SnapshotId=snapshot_id,
        Attribute="createVolumePermission",
        OperationType="remove",
        GroupNames=["all"],
    )
    return Change(
        action="ec2:ModifySnapshotAttribute",
        resource=snapshot_id,
        message=f"{snapshot_id} can no longer be restored by any account",
    )


def unshare_image(session: boto3.Session, region: str, image_id: str) -> Change:
    """Take the ``all`` group out of an AMI's launch permission."""
    region = check_region(session, region)
    ec2_call(
        client(session, "ec2", region),
        "modify_image_attribute",
        "ec2:ModifyImageAttribute",
        resource=image_id,
        region=region,
        ImageId=image_id,
        LaunchPermission={"Remove": [{"Group": "all"}]},
    )
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
)

OPERATIONS: tuple[Any, ...] = (UNSHARE_SNAPSHOT, UNSHARE_IMAGE)
