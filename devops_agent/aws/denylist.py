"""Calls that read secret material: refused at the client layer, whatever asks.

devops-agent reads and changes infrastructure; it never reads secrets. This is
enforced here, in code, not in a prompt: :func:`install` hooks every client that
:func:`devops_agent.aws.client` builds (botocore's ``before-parameter-build``
event, which fires before anything is signed or sent), and a call listed in
:data:`DENIED` raises :class:`~devops_agent.errors.Refused` instead of reaching
AWS. A command, a plan executor or the agent's tools all build their clients
there, so none of them can read a secret value, even by mistake.

Calls that *create* a secret (``iam:CreateAccessKey``, ``ec2:CreateKeyPair``)
are not here: their executors hand the new secret straight to a repository
Actions secret (:mod:`devops_agent.gh.secrets`) and never return it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from devops_agent.errors import Refused

__all__ = ["CONDITIONAL", "DENIED", "check", "install"]

#: ``(service, operation)`` → why the call is never made.
DENIED: Mapping[tuple[str, str], str] = {
    ("secretsmanager", "GetSecretValue"): "it returns a secret's value",
    ("secretsmanager", "BatchGetSecretValue"): "it returns secret values",
    ("secretsmanager", "GetRandomPassword"): "it returns a generated password",
    ("kms", "Decrypt"): "it returns decrypted plaintext",
    ("kms", "GenerateDataKey"): "it returns a plaintext data key",
    ("kms", "GenerateDataKeyPair"): "it returns a plaintext private key",
    ("kms", "DeriveSharedSecret"): "it returns a shared secret",
    ("ec2", "GetPasswordData"): "it returns an instance's administrator password",
    ("ecr", "GetAuthorizationToken"): "it returns a registry password",
    ("ecr-public", "GetAuthorizationToken"): "it returns a registry password",
    ("codeartifact", "GetAuthorizationToken"): "it returns a repository token",
    ("sts", "GetSessionToken"): "it returns new credentials",
    ("sts", "GetFederationToken"): "it returns new credentials",
    ("lightsail", "GetInstanceAccessDetails"): "it returns an instance's private key",
    ("lightsail", "DownloadDefaultKeyPair"): "it returns a private key",
}


def _decrypting(params: Mapping[str, Any]) -> bool:
    return bool(params.get("WithDecryption"))


def _user_data(params: Mapping[str, Any]) -> bool:
    return str(params.get("Attribute", "")) == "userData"


#: Calls refused only with some parameters: ``(service, operation)`` → (test, why).
CONDITIONAL: Mapping[tuple[str, str], tuple[Callable[[Mapping[str, Any]], bool], str]] = {
    ("ssm", "GetParameter"): (_decrypting, "with WithDecryption it returns a secret's value"),
    ("ssm", "GetParameters"): (_decrypting, "with WithDecryption it returns secret values"),
    ("ssm", "GetParametersByPath"): (_decrypting, "with WithDecryption it returns secret values"),
    ("ssm", "GetParameterHistory"): (_decrypting, "with WithDecryption it returns secret values"),
    ("ec2", "DescribeInstanceAttribute"): (_user_data, "user data often carries credentials"),
}


def check(service: str, operation: str, params: Mapping[str, Any]) -> None:
    """Refuse a call that would read secret material.

    Args:
        service: botocore's service name, e.g. ``"secretsmanager"``.
        operation: the API operation, e.g. ``"GetSecretValue"``.
        params: the call's parameters as the caller gave them.

    Raises:
        Refused: the call is on the deny-list (with these parameters).
    """
    why = DENIED.get((service, operation))
    if why is None and (service, operation) in CONDITIONAL:
        test, reason = CONDITIONAL[(service, operation)]
        why = reason if test(params) else None
    if why is not None:
        raise Refused(
            f"devops-agent never calls {service}:{operation}: {why}, and reading secret "
            "material is outside what it may do.",
            remedy="Read secrets in your workflow with the service's own action, never "
            "through devops-agent.",
        )


def _before_parameter_build(params: Mapping[str, Any], model: Any, **_: Any) -> None:
    check(model.service_model.service_name, model.name, params)


def install(aws_client: Any) -> Any:
    """Hook the deny-list into one botocore client; returns the client.

    Args:
        aws_client: A boto3 client.

    Returns:
        The same client, which now refuses the denied operations before any request.
    """
    aws_client.meta.events.register("before-parameter-build", _before_parameter_build)
    return aws_client
