"""EC2 key pairs: public parts as typed models; create (private key to a secret), import, delete."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field, SecretStr, model_validator

from devops_agent.aws import (
    AwsModel,
    InRegion,
    Regions,
    aws_errors,
    check_region,
    client,
    one_region,
    regions_for,
    tags_of,
    utc,
)
from devops_agent.aws.listing import listing, read_regions
from devops_agent.aws.workspace_files import read_document
from devops_agent.aws.writes import (
    Change,
    ec2_arn,
    ec2_request,
    roll_back,
    send_ec2,
    tag_list,
)
from devops_agent.errors import BadInput, DevOpsError, Refused, ServiceError
from devops_agent.gh.secrets import check_writable, secret_name, write_secret
from devops_agent.operation import (
    ApiCall,
    Command,
    Hidden,
    Lower,
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
from devops_agent.report import Result, when

if TYPE_CHECKING:
    import boto3

__all__ = [
    "CreateKeyPairArgs",
    "ImportKeyPairArgs",
    "KeyPair",
    "NewKeyPair",
    "create_key_pair",
    "delete_key_pair",
    "find_key_pair",
    "import_key_pair",
    "key_pair_name",
    "key_pair_params",
    "list_key_pairs",
    "public_key",
    "public_key_of",
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


def list_key_pairs(session: boto3.Session, region: str, *, ec2: Any = None) -> list[KeyPair]:
    """EC2 key pairs in one region (DescribeKeyPairs returns them all in one page).

    Args:
        session: credentials to read with.
        region: the region to read.
        ec2: a client to call with (the audit passes its shared, counted one); one is
            made from ``session`` when ``None``.

    Returns:
        The key pairs, sorted by name. Private keys are never included.

    Raises:
        ServiceError: AWS refused (``ec2:DescribeKeyPairs``).
    """
    region = check_region(session, region)
    ec2 = ec2 or client(session, "ec2", region)
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

    Args:
        name: What was typed.

    Returns:
        The name, trimmed.

    Raises:
        BadInput: empty, too long or not printable ASCII.
    """
    cleaned = name.strip()
    if not _KEY_NAME.match(cleaned):
        raise BadInput(f"'{name}' is not a key pair name: 1-255 printable ASCII characters.")
    return cleaned


def find_key_pair(session: boto3.Session, region: str, name: str) -> KeyPair | None:
    """The key pair called ``name``, or ``None`` when the region has none by that name.

    Args:
        session: Credentials to read with (``ec2:DescribeKeyPairs``).
        region: The region.
        name: The key pair's name.

    Returns:
        The key pair, or ``None``.
    """
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


def key_pair_params(
    name: str, key_type: str = "ed25519", tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """The CreateKeyPair parameters: what the executor sends and the plan shows.

    Args:
        name: The key pair's name.
        key_type: ``ed25519`` or ``rsa``.
        tags: Tags for the key pair.

    Returns:
        The call's parameters, without ``DryRun``.

    Raises:
        BadInput: a bad name or key type.
    """
    if key_type not in ("ed25519", "rsa"):
        raise BadInput(f"'{key_type}' is not a key type; use ed25519 or rsa.")
    params: dict[str, Any] = {"KeyName": key_pair_name(name), "KeyType": key_type}
    params["KeyFormat"] = "pem"
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "key-pair", "Tags": tag_list(tags)}]
    return params


def public_key_of(session: boto3.Session, region: str, name: str) -> str | None:
    """The public key of a key pair (DescribeKeyPairs with ``IncludePublicKey``), or
    ``None`` when there is no such key pair or AWS does not return it.

    Args:
        session: Credentials to read with (``ec2:DescribeKeyPairs``).
        region: The region.
        name: The key pair's name.

    Returns:
        The public key line, or ``None``.
    """
    region = check_region(session, region)
    wanted = key_pair_name(name)
    ec2 = client(session, "ec2", region)
    try:
        with aws_errors("ec2:DescribeKeyPairs", resource=wanted, region=region):
            found = ec2.describe_key_pairs(KeyNames=[wanted], IncludePublicKey=True)["KeyPairs"]
    except ServiceError as exc:
        if (exc.code or "").endswith("NotFound"):
            return None
        raise
    key = str(found[0].get("PublicKey") or "").strip() if found else ""
    return key or None


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

    Args:
        session: The write role's session.
        region: The region.
        name: The key pair's name.
        key_type: ``ed25519`` (default) or ``rsa``.
        tags: Tags for the key pair.

    Returns:
        What was done, the fingerprint and the private key (hidden from ``repr``).
    """
    region = check_region(session, region)
    params = key_pair_params(name, key_type, tags)
    wanted = params["KeyName"]
    answer = send_ec2(session, region, "CreateKeyPair", resource=wanted, **params)
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

    Args:
        material: What was given: a public key line (or, refused, a private key).

    Returns:
        The key's type, body and comment, one space apart.

    Raises:
        BadInput: a private key (never echoed), or not an OpenSSH public key.
    """
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
    """Import an existing public key as a key pair (AWS never sees a private key).

    Args:
        session: The write role's session.
        region: The region.
        name: The key pair's name.
        material: The OpenSSH public key line.
        tags: Tags for the key pair.

    Returns:
        What was done, with the key's fingerprint.
    """
    region = check_region(session, region)
    wanted = key_pair_name(name)
    params: dict[str, Any] = {"KeyName": wanted, "PublicKeyMaterial": public_key(material).encode()}
    if tags:
        params["TagSpecifications"] = [{"ResourceType": "key-pair", "Tags": tag_list(tags)}]
    answer = send_ec2(session, region, "ImportKeyPair", resource=wanted, **params)
    return Change(
        action="ec2:ImportKeyPair",
        resource=answer.get("KeyPairId") or wanted,
        message=f"imported key pair {wanted} (fingerprint {answer.get('KeyFingerprint', '?')})",
    )


def delete_key_pair(session: boto3.Session, region: str, name: str) -> Change:
    """Delete a key pair (instances launched with it keep their authorized key).

    Args:
        session: The write role's session.
        region: The region.
        name: The key pair's name.

    Returns:
        What was done.
    """
    region = check_region(session, region)
    wanted = key_pair_name(name)
    send_ec2(session, region, "DeleteKeyPair", resource=wanted, KeyName=wanted)
    return Change(action="ec2:DeleteKeyPair", resource=wanted, message=f"deleted key pair {wanted}")


# --------------------------------------------------------------------------- operations

KeyName = Annotated[str, AfterValidator(key_pair_name)]
"""A key pair name: 1-255 printable ASCII characters."""


class ListKeyPairsArgs(Regions):
    """Arguments of ``ec2 keypairs``."""


def _list(reader: Reader, args: ListKeyPairsArgs) -> list[KeyPair]:
    return read_regions(reader, args.region, list_key_pairs)


def _list_table(reader: Reader, args: ListKeyPairsArgs, pairs: list[KeyPair]) -> Result:
    regions = regions_for(reader, args.region)
    rows = [[k.name, k.id or "", k.type or "", k.region, when(k.created)] for k in pairs]
    columns = ["Key pair", "ID", "Type", "Region", "Created"]
    return listing(regions, pairs, what="key pair", key="key_pairs", columns=columns, rows=rows)


LIST = Read(
    name="ec2.list_key_pairs",
    args=ListKeyPairsArgs,
    summary="EC2 key pairs.",
    service="ec2",
    commands=(Command("ec2 keypairs", "EC2 key pairs."),),
    guide="Name, id, type, fingerprint, creation time and tags of each key pair. Never "
    "private keys: AWS does not return them after creation.",
    actions=("ec2:DescribeKeyPairs",),
    read=_list,
    render=_list_table,
)


class CreateKeyPairArgs(InRegion):
    """Arguments of ``ec2 keypairs create``."""

    name: Annotated[KeyName, Positional()]
    """The new key pair's name."""
    secret: Annotated[str, AfterValidator(secret_name)]
    """The repository Actions secret that will hold the private key (e.g. DEPLOY_SSH_KEY);
    the key is never shown anywhere else."""
    key_type: Annotated[Literal["ed25519", "rsa"], Lower, Option("--type")] = "ed25519"
    """ed25519 or rsa."""
    repository: Annotated[str, Hidden()] = ""
    """The repository whose Actions secret holds the private key (this run's)."""


def _existing(reader: Reader, region: str, name: str) -> KeyPair | None:
    return find_key_pair(reader.session(), region, name)


def _plan_create(reader: Reader, args: CreateKeyPairArgs) -> Proposal:
    region = one_region(reader, args.region, "`ec2 keypairs create`")
    if not reader.repository:
        raise BadInput("Creating a key pair needs a repository to keep its private key in.")
    if _existing(reader, region, args.name) is not None:
        raise BadInput(f"{region} already has a key pair called '{args.name}'.")
    entry = CREATE.entry(
        args.model_copy(update={"region": region, "repository": reader.repository}),
        f"Create key pair '{args.name}' ({args.key_type}) in {region}; its private key is "
        f"stored only in the Actions secret {args.secret} of {reader.repository}",
        [args.name],
    )
    return Proposal([entry], what=f"create key pair {args.name}", region=region)


def _run_create(writers: Writers, args: CreateKeyPairArgs) -> str:
    assert args.region is not None  # the preview fixed it
    check_writable(writers.github, args.repository)
    new = create_key_pair(writers.aws(), args.region, args.name, key_type=args.key_type)
    try:
        write_secret(
            writers.github, args.repository, args.secret, new.private_key.get_secret_value()
        )
    except DevOpsError as exc:
        roll_back(lambda: delete_key_pair(writers.aws(), str(args.region), args.name), exc)
        raise
    return (
        f"{new.change.message}; its private key is stored only in the Actions secret "
        f"{args.secret} of {args.repository}"
    )


def _key_arn(args: CreateKeyPairArgs | ImportKeyPairArgs | DeleteKeyPairArgs) -> str:
    return ec2_arn("key-pair", args.name)


def _delete_call(args: CreateKeyPairArgs | DeleteKeyPairArgs, when: str = "") -> ApiCall:
    return ec2_request(
        "DeleteKeyPair",
        {"KeyName": args.name},
        region=args.region,
        resources=(_key_arn(args),),
        when=when,
    )


def _create_calls(args: CreateKeyPairArgs) -> list[ApiCall]:
    return [
        ec2_request(
            "CreateKeyPair",
            key_pair_params(args.name, args.key_type),
            region=args.region,
            resources=(_key_arn(args),),
        ),
        ApiCall(
            service="github",
            operation=f"PUT /repos/{args.repository}/actions/secrets/{args.secret}",
            params={"encrypted_value": "<the private key, sealed for the repository>"},
        ),
        _delete_call(args, when="only if the private key cannot be stored in the secret"),
    ]


def _exists(reader: Reader, region: str | None, name: str) -> Verification:
    assert region is not None  # the preview fixed it
    pair = find_key_pair(reader.session(), region, name)
    if pair is None:
        return NotAsPlanned(f"{region} has no key pair called '{name}'")
    return Verified(f"key pair '{name}' exists ({pair.id or 'no id'})")


def _verify_create(reader: Reader, args: CreateKeyPairArgs) -> Verification:
    found = _exists(reader, args.region, args.name)
    if isinstance(found, Verified):
        return Verified(
            f"{found.what}; its private key went to the secret {args.secret} (GitHub never "
            "returns a secret's value, so that part cannot be read back)"
        )
    return found


def _undo_new_pair(
    reader: Reader, before: object, args: CreateKeyPairArgs | ImportKeyPairArgs
) -> list[PlanEntry]:
    back = DeleteKeyPairArgs(region=args.region, name=args.name)
    what = f"Roll back: delete key pair '{args.name}' in {args.region}"
    return [DELETE.entry(back, what, [args.name])]


CREATE = Write(
    name="ec2.create_key_pair",
    args=CreateKeyPairArgs,
    summary="Plan to create a key pair; its private key goes only to a repository secret.",
    service="ec2",
    commands=(
        Command(
            "ec2 keypairs create NAME --secret SECRET_NAME [--type ed25519|rsa]",
            "Plan to create a key pair; its private key goes only to a repository secret.",
        ),
    ),
    guide="On apply the private key is sealed into the repository Actions secret named by "
    "`secret` and never shown; applying needs a GitHub token that may write Actions "
    "secrets. Refused when the region already has a key pair of that name.",
    github=("secrets: write",),
    reads=("ec2:DescribeKeyPairs",),
    actions=("ec2:CreateKeyPair", "ec2:DeleteKeyPair"),
    arns=("arn:{partition}:ec2:{region}:{account}:key-pair/{name}",),
    plan=_plan_create,
    run=_run_create,
    calls=_create_calls,
    verify=_verify_create,
    undo=_undo_new_pair,
    examples=(
        {
            "region": "us-east-1",
            "name": "deploy",
            "secret": "DEPLOY_SSH_KEY",
            "key_type": "ed25519",
            "repository": "acme/platform",
        },
    ),
)


def _public_key_hex(value: str) -> str:
    if not value:
        return value
    try:
        text = bytes.fromhex(value).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise BadInput("The planned public key is not hex-encoded UTF-8 text.") from None
    return public_key(text).encode("utf-8").hex()


class ImportKeyPairArgs(InRegion):
    """Arguments of ``ec2 keypairs import``."""

    name: Annotated[KeyName, Positional()]
    """The new key pair's name."""
    public_key: Annotated[str, Positional(rest=True)] = ""
    """The OpenSSH public key itself ('ssh-ed25519 AAAA... comment'), or the path of a
    workspace file holding it (keys/dev.pub). Never a private key."""
    public_key_hex: Annotated[str, Hidden(), AfterValidator(_public_key_hex)] = ""
    """The checked public key, hex-encoded (the preview reads it; the plan carries it)."""

    @model_validator(mode="after")
    def _some_key(self) -> ImportKeyPairArgs:
        if not self.public_key.strip() and not self.public_key_hex:
            raise BadInput("Give the public key as one file path, or quote the key itself.")
        return self


def _plan_import(reader: Reader, args: ImportKeyPairArgs) -> Proposal:
    region = one_region(reader, args.region, "`ec2 keypairs import`")
    given = args.public_key.strip()  # a public_key_hex given here is ignored: it is ours
    if not given:
        raise BadInput("Give the public key as one file path, or quote the key itself.")
    if " " in given:  # the key itself, quoted or not
        material, source = given, "the command"
    else:
        material, source = read_document(reader.workspace, given, limit=16 * 1024), given
    key = public_key(material)
    if _existing(reader, region, args.name) is not None:
        raise BadInput(f"{region} already has a key pair called '{args.name}'.")
    parts = key.split()
    comment = parts[2] if len(parts) > 2 else ""
    entry = IMPORT.entry(
        args.model_copy(
            update={
                "region": region,
                "public_key": "",
                "public_key_hex": key.encode("utf-8").hex(),
            }
        ),
        f"Import key pair '{args.name}' in {region} from the {parts[0]} public key in "
        f"{source}" + (f" ({comment})" if comment else ""),
        [args.name],
    )
    return Proposal([entry], what=f"import key pair {args.name}", region=region)


def _run_import(writers: Writers, args: ImportKeyPairArgs) -> str:
    assert args.region is not None  # the preview fixed it
    if not args.public_key_hex:  # a plan entry the preview did not write
        raise Refused(
            "The plan carries no checked public key; it is not applied.",
            remedy="Ask for the import again to get a fresh plan.",
        )
    material = bytes.fromhex(args.public_key_hex).decode("utf-8")
    return import_key_pair(writers.aws(), args.region, args.name, material).message


def _import_calls(args: ImportKeyPairArgs) -> list[ApiCall]:
    material = bytes.fromhex(args.public_key_hex).decode("utf-8") if args.public_key_hex else ""
    return [
        ec2_request(
            "ImportKeyPair",
            {"KeyName": args.name, "PublicKeyMaterial": material},
            region=args.region,
            resources=(_key_arn(args),),
        )
    ]


def _verify_import(reader: Reader, args: ImportKeyPairArgs) -> Verification:
    return _exists(reader, args.region, args.name)


IMPORT = Write(
    name="ec2.import_key_pair",
    args=ImportKeyPairArgs,
    summary="Plan to import a public key as a key pair.",
    service="ec2",
    commands=(
        Command(
            "ec2 keypairs import NAME PUBLIC_KEY_FILE|'ssh-ed25519 AAAA...'",
            "Plan to import a public key as a key pair.",
        ),
    ),
    guide="Takes an OpenSSH public key (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp*), given "
    "inline or as a workspace file; a private key is refused and never repeated.",
    reads=("ec2:DescribeKeyPairs",),
    actions=("ec2:ImportKeyPair",),
    arns=("arn:{partition}:ec2:{region}:{account}:key-pair/{name}",),
    plan=_plan_import,
    run=_run_import,
    calls=_import_calls,
    verify=_verify_import,
    undo=_undo_new_pair,
    examples=(
        {
            "region": "us-east-1",
            "name": "laptop",
            "public_key": "",
            "public_key_hex": (
                b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG8wLT/kDrFTe4HsUF1FffS6zY6AUCzGr1PlYxH1oc/C"
            ).hex(),
        },
    ),
)


class DeleteKeyPairArgs(InRegion):
    """Arguments of ``ec2 keypairs delete``."""

    name: Annotated[KeyName, Positional()]
    """The key pair's name."""


def _plan_delete(reader: Reader, args: DeleteKeyPairArgs) -> Proposal:
    region = one_region(reader, args.region, "`ec2 keypairs delete`")
    pair = _existing(reader, region, args.name)
    if pair is None:
        raise BadInput(f"There is no key pair '{args.name}' in {region}; see `ec2 keypairs`.")
    entry = DELETE.entry(
        args.model_copy(update={"region": region}),
        f"Delete key pair '{args.name}' in {region} (instances launched with it keep their key)",
        [pair.id or args.name],
    )
    return Proposal([entry], what=f"delete key pair {args.name}", region=region)


def _run_delete(writers: Writers, args: DeleteKeyPairArgs) -> str:
    assert args.region is not None  # the preview fixed it
    return delete_key_pair(writers.aws(), args.region, args.name).message


def _delete_calls(args: DeleteKeyPairArgs) -> list[ApiCall]:
    return [_delete_call(args)]


def _verify_delete(reader: Reader, args: DeleteKeyPairArgs) -> Verification:
    found = _exists(reader, args.region, args.name)
    if isinstance(found, Verified):
        return NotAsPlanned(found.what)
    return Verified(f"key pair '{args.name}' is gone")


def _public_key_before(reader: Reader, args: DeleteKeyPairArgs) -> dict[str, str]:
    assert args.region is not None  # the preview fixed it
    return {"public_key": public_key_of(reader.session(), args.region, args.name) or ""}


def _undo_delete(reader: Reader, before: object, args: DeleteKeyPairArgs) -> list[PlanEntry]:
    """Import the same public key again (instances keep theirs; the key pair id is new)."""
    key = before.get("public_key", "") if isinstance(before, dict) else ""
    try:
        checked = public_key(key) if key else ""
    except BadInput:
        checked = ""
    if not checked:
        return []
    back = ImportKeyPairArgs(
        region=args.region, name=args.name, public_key_hex=checked.encode("utf-8").hex()
    )
    return [
        IMPORT.entry(
            back,
            f"Roll back: import key pair '{args.name}' in {args.region} again from the "
            f"{checked.split()[0]} public key it had",
            [args.name],
        )
    ]


DELETE = Write(
    name="ec2.delete_key_pair",
    args=DeleteKeyPairArgs,
    summary="Plan to delete a key pair.",
    service="ec2",
    commands=(Command("ec2 keypairs delete NAME", "Plan to delete a key pair."),),
    guide="Instances launched with the key keep it in their authorized_keys.",
    reads=("ec2:DescribeKeyPairs",),
    actions=("ec2:DeleteKeyPair",),
    arns=("arn:{partition}:ec2:{region}:{account}:key-pair/{name}",),
    plan=_plan_delete,
    run=_run_delete,
    calls=_delete_calls,
    verify=_verify_delete,
    before=_public_key_before,
    undo=_undo_delete,
    examples=({"region": "us-east-1", "name": "laptop"},),
)

OPERATIONS = (LIST, CREATE, IMPORT, DELETE)
