"""EC2 key pairs: public parts as typed models; create (private key to a secret), import, delete."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field, SecretStr

from devops_agent.aws import (
    AwsModel,
    aws_errors,
    check_region,
    client,
    tags_of,
    utc,
)
from devops_agent.aws.writes import Change
from devops_agent.errors import BadInput

if TYPE_CHECKING:
    import boto3

__all__ = [
    "KeyPair",
    "NewKeyPair",
    "create_key_pair",
    "delete_key_pair",
    "find_key_pair",
    "import_key_pair",
    "key_pair_name",
    "list_key_pairs",
    "public_key",
]


_KEY_NAME = re.compile(r"^[\x20-\x7e]{1,255}$")
_PUBLIC_KEY_TYPES = (
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)


class KeyPair(AwsModel):
    """One EC2 key pair (public part only; AWS never returns the private key again)."""

    name: str
    """Key pair name."""
    id: str | None = None
    """Key pair id, ``key-...``."""
    fingerprint: str | None = None
    """Fingerprint of the key."""
    type: str | None = None
    """``rsa`` or ``ed25519``."""
    created: datetime | None = None
    """When it was created or imported (UTC)."""
    region: str
    """Region the key pair lives in."""
    tags: dict[str, str] = Field(default_factory=dict)
    """All tags, key to value."""


def list_key_pairs(session: boto3.Session, region: str) -> list[KeyPair]:
    """EC2 key pairs in one region (DescribeKeyPairs returns them all in one page).

    Returns:
        The key pairs, sorted by name. Private keys are never included.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeKeyPairs``).
    """
    region = check_region(session, region)
    ec2 = client(session, "ec2", region)
    with aws_errors("ec2:DescribeKeyPairs", region=region):
        raw_pairs = ec2.describe_key_pairs().get("KeyPairs", [])
    pairs = [
        KeyPair(
            name=raw.get("KeyName", ""),
            id=raw.get("KeyPairId"),
            fingerprint=raw.get("KeyFingerprint"),
            type=raw.get("KeyType"),
            created=utc(raw.get("CreateTime")),
            region=region,
            tags=tags_of(dict(raw)),
        )
        for raw in raw_pairs
    ]
    return sorted(pairs, key=lambda k: (k.region, k.name))


def key_pair_name(name: str) -> str:
    """A key pair name: 1-255 printable ASCII characters.

    Raises:
        BadInput: empty, too long or not printable ASCII.
    """
    cleaned = name.strip()
    if not _KEY_NAME.match(cleaned):
        raise BadInput(f"'{name}' is not a key pair name: 1-255 printable ASCII characters.")
    return cleaned


def find_key_pair(session: boto3.Session, region: str, name: str) -> KeyPair | None:
    """The key pair called ``name``, or ``None`` when the region has none by that name."""
    wanted = key_pair_name(name)
    return next((k for k in list_key_pairs(session, region) if k.name == wanted), None)


class NewKeyPair(AwsModel):
    """A key pair just created: its private key exists only here, once."""

    change: Change
    """What was done."""
    fingerprint: str = ""
    """Fingerprint of the key (safe to show)."""
    private_key: SecretStr
    """The private key (PEM or OpenSSH); hidden from ``repr`` and dumps."""


def create_key_pair(
    session: boto3.Session,
    region: str,
    name: str,
    *,
    key_type: str = "ed25519",
    tags: dict[str, str] | None = None,
) -> NewKeyPair:
    """Create a key pair; the private key is returned once, as a :class:`SecretStr`.

    The caller must put it where it belongs (a repository secret) and nowhere else.
    """
    from devops_agent.aws.writes import ec2_call, tag_list

    region = check_region(session, region)
    wanted = key_pair_name(name)
    if key_type not in ("ed25519", "rsa"):
        raise BadInput(f"'{key_type}' is not a key type; use ed25519 or rsa.")
    params: dict[str, Any] = {"KeyName": wanted, "KeyType": key_type, "KeyFormat": "pem"}
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "key-pair", "Tags": tag_list(tags)}]
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2, "create_key_pair", "ec2:CreateKeyPair", resource=wanted, region=region, **params
    )
    return NewKeyPair(
        change=Change(
            action="ec2:CreateKeyPair",
            resource=answer.get("KeyPairId") or wanted,
            message=f"created key pair {wanted} ({key_type})",
        ),
        fingerprint=answer.get("KeyFingerprint", ""),
        private_key=SecretStr(answer["KeyMaterial"]),
    )


def public_key(material: str) -> str:
    """An OpenSSH public key line, checked: known type, base64 body naming that type.

    Raises:
        BadInput: a private key (never echoed), or not an OpenSSH public key.
    """
    import base64
    import binascii

    text = material.strip()
    if "PRIVATE KEY" in text:
        raise BadInput(
            "That is a private key. Import the public key (the .pub file) only; never paste "
            "a private key anywhere."
        )
    parts = text.split()
    if len(parts) < 2 or parts[0] not in _PUBLIC_KEY_TYPES:
        raise BadInput(
            "Not an OpenSSH public key: it should look like 'ssh-ed25519 AAAA... comment' "
            f"with a type of {', '.join(_PUBLIC_KEY_TYPES)}."
        )
    try:
        body = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise BadInput("The public key's body is not valid base64.") from None
    embedded = body[4 : 4 + int.from_bytes(body[:4], "big")] if len(body) > 4 else b""
    if embedded != parts[0].encode():
        raise BadInput(f"The public key's body does not hold a {parts[0]} key.")
    return " ".join(parts[:3])


def import_key_pair(
    session: boto3.Session,
    region: str,
    name: str,
    material: str,
    tags: dict[str, str] | None = None,
) -> Change:
    """Import an existing public key as a key pair (AWS never sees a private key)."""
    from devops_agent.aws.writes import ec2_call, tag_list

    region = check_region(session, region)
    wanted = key_pair_name(name)
    params: dict[str, Any] = {"KeyName": wanted, "PublicKeyMaterial": public_key(material).encode()}
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "key-pair", "Tags": tag_list(tags)}]
    ec2 = client(session, "ec2", region)
    answer = ec2_call(
        ec2, "import_key_pair", "ec2:ImportKeyPair", resource=wanted, region=region, **params
    )
    return Change(
        action="ec2:ImportKeyPair",
        resource=answer.get("KeyPairId") or wanted,
        message=f"imported key pair {wanted} (fingerprint {answer.get('KeyFingerprint', '?')})",
    )


def delete_key_pair(session: boto3.Session, region: str, name: str) -> Change:
    """Delete a key pair (instances launched with it keep their authorized key)."""
    from devops_agent.aws.writes import ec2_call

    region = check_region(session, region)
    wanted = key_pair_name(name)
    ec2 = client(session, "ec2", region)
    ec2_call(
        ec2, "delete_key_pair", "ec2:DeleteKeyPair", resource=wanted, region=region, KeyName=wanted
    )
    return Change(action="ec2:DeleteKeyPair", resource=wanted, message=f"deleted key pair {wanted}")


OPERATIONS: tuple = ()
