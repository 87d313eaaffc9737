"""Launch templates: each template's default version, as the audit judges it (FSBP EC2.25).

No command lists these yet; the audit reads them with one paginated
``DescribeLaunchTemplateVersions`` for ``$Default`` across every template (no call per
template), and a future read can declare an operation over :func:`list_launch_templates`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devops_agent.aws import AwsModel
from devops_agent.aws.describe import Describe

if TYPE_CHECKING:
    import boto3

__all__ = ["LaunchTemplate", "launch_template_from", "list_launch_templates"]


class LaunchTemplate(AwsModel):
    """One launch template, by what its default version launches."""

    id: str
    """Template id, ``lt-...``."""
    name: str
    """Template name."""
    region: str
    """Region it lives in."""
    version: int
    """Its default version number."""
    assigns_public_ip: bool = False
    """True when a network interface of the default version asks for a public IPv4 address."""
    imds_v2_required: bool | None = None
    """True when it requires IMDSv2; ``None`` when the template leaves it to the AMI."""


def launch_template_from(raw: Any, region: str) -> LaunchTemplate:
    """The model of one raw DescribeLaunchTemplateVersions item, read in ``region``.

    Args:
        raw: One DescribeLaunchTemplateVersions item as boto3 returns it.
        region: The region it was read in.

    Returns:
        The template's model.
    """
    data = raw.get("LaunchTemplateData") or {}
    tokens = (data.get("MetadataOptions") or {}).get("HttpTokens")
    return LaunchTemplate(
        id=raw["LaunchTemplateId"],
        name=raw.get("LaunchTemplateName", ""),
        region=region,
        version=int(raw.get("VersionNumber") or 0),
        assigns_public_ip=any(
            bool(n.get("AssociatePublicIpAddress")) for n in data.get("NetworkInterfaces") or []
        ),
        imds_v2_required=None if tokens is None else tokens == "required",
    )


_LAUNCH_TEMPLATE_VERSIONS = Describe(
    "ec2:DescribeLaunchTemplateVersions", launch_template_from, order=lambda t: (t.name, t.id)
)
"""How a region's launch templates (default versions) are read: call, parser, order."""


def list_launch_templates(
    session: boto3.Session, region: str, *, page_size: int | None = None, ec2: Any = None
) -> list[LaunchTemplate]:
    """Every launch template of one region, by its default version.

    Args:
        session: Credentials to read with.
        region: The region to read.
        page_size: Items per page (``None``: the service's default).
        ec2: A client to call with (the audit passes its shared, counted one); one is made from
            ``session`` when ``None``.

    Returns:
        The templates, sorted by name and id.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeLaunchTemplateVersions``).
    """
    return _LAUNCH_TEMPLATE_VERSIONS.read(
        session, region, ec2=ec2, page_size=page_size, Versions=["$Default"]
    )
