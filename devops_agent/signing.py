"""HMAC signatures that tie a plan, and every change of its state, to this installation.

Every workflow in a repository comments as ``github-actions[bot]``, so authorship cannot
tell this action's plan from one that another workflow (pushed on any branch by anyone
with write access) posted or edited. A signature can: it is an HMAC-SHA256 under the
``plan-signing-key`` secret, which the docs keep in a protected environment that only
the default branch's workflows may use, so a branch's workflow can neither read the key
nor sign.

Each signed message is a list of length-prefixed parts that starts with
:data:`DOMAIN` and the purpose (``plan-state``, ``ledger``), then the plan's full
SHA-256 digest: a signature made for one purpose, plan, thread or repository (the last
two are inside the canonical plan) never verifies for another.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["DOMAIN", "MIN_KEY_CHARS", "SETUP", "SigningKey", "digest", "same"]

#: Names the scheme and its version in every signed message.
DOMAIN = "devops-agent/v1"
#: Shortest key accepted: 32 characters (``openssl rand -hex 32`` gives 64).
MIN_KEY_CHARS = 32
#: How to set the key up, for refusals and errors.
SETUP = (
    "Create a protected environment (Settings → Environments → New environment, e.g. "
    "`devops-agent`) whose deployment branches are only the default branch, add the secret "
    "`DEVOPS_AGENT_PLAN_KEY` to it (`openssl rand -hex 32 | gh secret set "
    "DEVOPS_AGENT_PLAN_KEY --env devops-agent`), give the job `environment: devops-agent` "
    "and pass `plan-signing-key: ${{ secrets.DEVOPS_AGENT_PLAN_KEY }}`. Then ask for the "
    "change again: plans posted without the key can never be applied."
)


def digest(canonical: str) -> str:
    """SHA-256 of a plan's canonical JSON, hex: what every signature names.

    Args:
        canonical: The plan's canonical JSON.

    Returns:
        64 hex characters.
    """
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class SigningKey:
    """The installation's plan-signing key; never shown in a ``repr`` or a log."""

    __slots__ = ("_key", "key_id")

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_KEY_CHARS:
            raise ValueError(f"a plan-signing key has at least {MIN_KEY_CHARS} characters")
        self._key = secret.encode("utf-8")
        #: 8 hex characters that name the key (not the key): says "another key" on rotation.
        self.key_id = self._mac(["key-id"])[:8]

    def __repr__(self) -> str:
        return f"SigningKey(id={self.key_id})"

    def _mac(self, parts: list[str]) -> str:
        message = "".join(f"{len(p)}:{p}\n" for p in [DOMAIN, *parts])
        return hmac.new(self._key, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def sign(self, purpose: str, plan_digest: str, *parts: str) -> str:
        """The signature (64 hex characters) of ``purpose`` for one plan and its details.

        Args:
            purpose: What the signature is for (``plan-state``, ``ledger``), so one kind can
                never pass for another.
            plan_digest: The plan's digest.
            parts: The details signed with it (state, run...).

        Returns:
            HMAC-SHA256, hex.
        """
        return self._mac([purpose, plan_digest, *parts])

    def verify(self, signature: str, purpose: str, plan_digest: str, *parts: str) -> bool:
        """Whether ``signature`` is this key's for exactly these parts (constant time).

        ``signature`` may be anything anyone wrote (a commit status's text): it is
        compared with :func:`same`, never with ``hmac.compare_digest`` on text, which
        raises on a string that is not ASCII.

        Args:
            signature: The signature found (untrusted).
            purpose: What it must be for.
            plan_digest: The plan's digest.
            parts: The details it must cover.

        Returns:
            True when it matches.
        """
        return same(self.sign(purpose, plan_digest, *parts), signature.strip().lower())


def same(expected: str, found: str) -> bool:
    """Whether an untrusted signature ``found`` is ``expected``, in constant time.

    Compared as UTF-8 bytes: ``hmac.compare_digest`` refuses (``TypeError``) a ``str``
    that is not ASCII, and a status, comment or marker anyone wrote may hold any text.

    Args:
        expected: The signature this key makes.
        found: The text found where a signature should be (untrusted).

    Returns:
        True when they are equal.
    """
    return hmac.compare_digest(expected.encode("utf-8"), found.encode("utf-8"))
