"""EC2 AMIs: the one model of an image, read one at a time (``ec2 create`` checks the AMI it
launches from) or all the account owns (the audit's ``ec2.images`` part).

Both reads parse the raw DescribeImages item with :func:`image_from`, so an AMI reads the
same wherever it is read.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from devops_agent.aws import AwsModel, aws_errors, check_region, client, utc
from devops_agent.aws.describe import Describe
from devops_agent.aws.writes import resource_id
from devops_agent.errors import ServiceError

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client

__all__ = ["Image", "describe_image", "image_from", "list_images"]


class Image(AwsModel):
    """One AMI, as DescribeImages reports it."""

    id: str
    """AMI id, ``ami-...``."""
    name: str = ""
    """AMI name."""
    state: str = ""
    """``available``, ``pending``, ``deregistered``..."""
    architecture: str = ""
    """``x86_64`` or ``arm64``."""
    owner_id: str = ""
    """Account that owns the AMI."""
    region: str
    """Region the AMI lives in."""
    public: bool = False
    """True when any AWS account may launch it (its launch permission includes ``all``)."""
    created: datetime | None = None
    """When it was registered (UTC)."""


def image_from(raw: Any, region: str) -> Image:
    """The model of one raw DescribeImages item, read in ``region``.

    Args:
        raw: One item as boto3 returns it.
        region: The region it was read in.

    Returns:
        The AMI's model.
    """
    return Image(
        id=raw["ImageId"],
        name=raw.get("Name", ""),
        state=raw.get("State", ""),
        architecture=raw.get("Architecture", ""),
        owner_id=raw.get("OwnerId", ""),
        region=region,
        public=bool(raw.get("Public")),
        created=_created(raw.get("CreationDate")),
    )


_IMAGES = Describe("ec2:DescribeImages", image_from, order=lambda i: (i.region, i.name, i.id))
"""How a region's own AMIs are read: the call, the parser, the order."""


def _created(value: Any) -> datetime | None:
    """DescribeImages reports ``CreationDate`` as ISO text, not as a datetime."""
    if isinstance(value, datetime):
        return utc(value)
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def describe_image(session: boto3.Session, region: str, image_id: str) -> Image:
    """One AMI.

    Args:
        session: Credentials to read with (``ec2:DescribeImages``).
        region: The region.
        image_id: The AMI (``ami-…``).

    Returns:
        The AMI.

    Raises:
        BadInput: malformed id. ServiceError: no such AMI in the region, or AWS refused.
    """
    region = check_region(session, region)
    wanted = resource_id(image_id, "ami", "AMI")
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeImages", resource=wanted, region=region):
        found = ec2.describe_images(ImageIds=[wanted]).get("Images", [])
    if not found:
        raise ServiceError(
            f"Not found in {region}: {wanted} (no such AMI, or it is not shared with "
            "this account).",
            code="InvalidAMIID.NotFound",
            remedy="Check the AMI id and the region (--region).",
        )
    return image_from(found[0], region)


def list_images(
    session: boto3.Session,
    region: str,
    *,
    page_size: int | None = None,
    ec2: EC2Client | None = None,
) -> list[Image]:
    """The AMIs this account owns in one region (never the public catalogue).

    Args:
        session: credentials to read with (``ec2:DescribeImages``).
        region: the region to read.
        page_size: images per request (up to 1000); the service default when ``None``.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The images, sorted by name then id. Empty when the account owns none there.

    Raises:
        UnknownRegion: unknown region. ServiceError: AWS refused.
    """
    return _IMAGES.read(session, region, ec2=ec2, page_size=page_size, Owners=["self"])
