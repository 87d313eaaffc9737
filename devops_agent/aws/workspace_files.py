"""Files in the workspace (``GITHUB_WORKSPACE``): the only place S3 transfers touch.

A path people type is relative to the workspace and must stay inside it: no
absolute paths, no ``..``, and no symlink that leads out (the path is resolved,
then checked against the resolved workspace). Transfers are capped at
:data:`MAX_TRANSFER_BYTES` each way. A download never overwrites a file unless
asked to, and lands through a temporary file renamed into place, so a half
written file is never left under the name asked for.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from pydantic import BaseModel, ConfigDict

from devops_agent.errors import BadInput

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MAX_TRANSFER_BYTES",
    "PROTECTED_DIRS",
    "LocalFile",
    "check_size",
    "inside",
    "open_verified",
    "protected",
    "read_document",
    "stat_file",
    "target_path",
    "write_stream",
]

#: Largest file an upload or a download moves (100 MiB).
MAX_TRANSFER_BYTES = 100 * 1024 * 1024
#: Largest policy or configuration document read from the workspace (1 MiB).
MAX_DOCUMENT_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024


class Readable(Protocol):
    """Anything with ``read(n) -> bytes`` (a file, botocore's streaming body)."""

    def read(self, amt: int = ..., /) -> bytes: ...


class LocalFile(BaseModel):
    """A regular file in the workspace, as checked."""

    model_config = ConfigDict(frozen=True)

    path: str
    """Path relative to the workspace, with ``/`` separators."""
    size: int
    """Size in bytes."""
    sha256: str
    """SHA-256 of the content, hex."""


def inside(workspace: Path, path: str) -> Path:
    """The resolved location of ``path`` under ``workspace``, refusing every way out.

    Args:
        workspace: the run's workspace (``GITHUB_WORKSPACE``).
        path: what was typed: a relative path such as ``dist/app.zip``.

    Returns:
        The absolute, symlink-free path; it may not exist yet.

    Raises:
        BadInput: empty, absolute, with ``..``, or resolving outside the workspace.
    """
    text = path.strip()
    if not text or "\x00" in text:
        raise BadInput("Give a file path relative to the workspace, e.g. dist/app.zip.")
    pure = PurePosixPath(text.replace("\\", "/"))
    if pure.is_absolute() or text.startswith("~") or (len(text) > 1 and text[1] == ":"):
        raise BadInput(
            f"'{path}' is an absolute path; give a path relative to the workspace "
            "(GITHUB_WORKSPACE), e.g. dist/app.zip."
        )
    if ".." in pure.parts:
        raise BadInput(f"'{path}' uses '..'; paths must stay inside the workspace.")
    root = workspace.resolve()
    resolved = (root / Path(*pure.parts)).resolve()
    if resolved != root and not resolved.is_relative_to(root):
        raise BadInput(
            f"'{path}' leads outside the workspace (through a symbolic link); it is refused."
        )
    if resolved == root:
        raise BadInput(f"'{path}' is the workspace itself; name a file in it.")
    return resolved


def _relative(workspace: Path, resolved: Path) -> str:
    return resolved.relative_to(workspace.resolve()).as_posix()


def stat_file(workspace: Path, path: str, *, limit: int | None = None) -> LocalFile:
    """Check a workspace file that will be uploaded: exists, regular, within ``limit``.

    Raises:
        BadInput: missing, not a regular file, or larger than ``limit``.

    Args:
        workspace: The run's workspace (the checkout).
        path: The file, relative to the workspace.
        limit: The most bytes allowed; ``None`` means :data:`MAX_TRANSFER_BYTES`.

    Returns:
        Its path, size and SHA-256, for the plan.
    """
    resolved = inside(workspace, path)
    if not resolved.exists():
        raise BadInput(f"There is no file '{path}' in the workspace.")
    if not resolved.is_file():
        raise BadInput(f"'{path}' is not a regular file.")
    size = resolved.stat().st_size
    check_size(path, size, limit)
    digest = hashlib.sha256()
    with resolved.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return LocalFile(path=_relative(workspace, resolved), size=size, sha256=digest.hexdigest())


def open_verified(workspace: Path, expected: LocalFile) -> BinaryIO:
    """Open a planned file again, refusing it if it changed since it was planned.

    Returns:
        The file, open for binary reading at its start. The caller closes it.

    Raises:
        BadInput: the file is gone, outside the workspace, or its size or hash changed.

    Args:
        workspace: The run's workspace (the checkout).
        expected: The file as it was planned (path, size, SHA-256).
    """
    resolved = inside(workspace, expected.path)
    if not resolved.is_file():
        raise BadInput(f"'{expected.path}' is not in this run's workspace any more.")
    handle = resolved.open("rb")
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: handle.read(_CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    if size != expected.size or digest.hexdigest() != expected.sha256:
        handle.close()
        raise BadInput(
            f"'{expected.path}' changed since it was planned ({size:,} bytes now, "
            f"{expected.size:,} planned); ask for the upload again."
        )
    handle.seek(0)
    return handle


def read_document(workspace: Path, path: str, *, limit: int = MAX_DOCUMENT_BYTES) -> str:
    """The text of a small workspace file (a policy, a lifecycle configuration).

    Raises:
        BadInput: missing, too large or not UTF-8.

    Args:
        workspace: The run's workspace (the checkout).
        path: The file, relative to the workspace.
        limit: The most bytes read.

    Returns:
        The file's text.
    """
    resolved = inside(workspace, path)
    if not resolved.is_file():
        raise BadInput(f"There is no file '{path}' in the workspace.")
    check_size(path, resolved.stat().st_size, limit)
    try:
        return resolved.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"'{path}' is not UTF-8 text.") from None


#: Folders a download may never write into, in any case: git's config and hooks run
#: later (``core.fsmonitor``), workflows and actions run later, and the action's own
#: report and trace live there.
PROTECTED_DIRS = frozenset({".git", ".github", ".devops-agent"})


def _protected_part(parts: tuple[str, ...]) -> str | None:
    for part in parts:
        # Windows drops trailing dots and spaces: ".git." is ".git" on a Windows runner.
        if part.rstrip(". ").lower() in PROTECTED_DIRS:
            return part
    return None


def protected(path: str) -> str | None:
    """The component of ``path`` (relative to the workspace) that is a protected folder,
    or ``None``: for anything else that writes into the workspace (a clone).

    Args:
        path: A path relative to the workspace, as typed.

    Returns:
        ``.git``, ``.github`` or ``.devops-agent`` when the path is under one, else ``None``.
    """
    return _protected_part(PurePosixPath(path.strip().replace("\\", "/")).parts)


def target_path(workspace: Path, path: str, *, overwrite: bool) -> Path:
    """Where a download may be written: inside the workspace, not over a file unless asked,
    and never under ``.git``, ``.github`` or ``.devops-agent`` (see :data:`PROTECTED_DIRS`).

    Both the path as typed and where it resolves (through symbolic links) are checked.

    Raises:
        BadInput: outside the workspace, under a protected folder, a directory, or an
            existing file without ``overwrite``.

    Args:
        workspace: The run's workspace (the checkout).
        path: Where to write, relative to the workspace.
        overwrite: Whether an existing file may be replaced.

    Returns:
        The resolved path to write.
    """
    resolved = inside(workspace, path)
    typed = PurePosixPath(path.strip().replace("\\", "/")).parts
    part = _protected_part(typed) or _protected_part(
        resolved.relative_to(workspace.resolve()).parts
    )
    if part is not None:
        raise BadInput(
            f"'{path}' is inside '{part}': downloads never write into .git, .github or "
            ".devops-agent, where files are run or trusted later.",
            remedy="Download into another folder of the workspace, e.g. downloads/.",
        )
    if resolved.is_dir():
        raise BadInput(f"'{path}' is a directory; name the file to write.")
    if resolved.exists() and not overwrite:
        raise BadInput(f"'{path}' already exists in the workspace; add --force to overwrite it.")
    return resolved


def write_stream(
    workspace: Path, target: Path, stream: Readable, *, limit: int | None = None
) -> int:
    """Copy ``stream`` into ``target`` (from :func:`target_path`) through a temporary file.

    Returns:
        Bytes written.

    Raises:
        BadInput: the stream is longer than ``limit`` (nothing is left behind).

    Args:
        workspace: The run's workspace (the checkout).
        target: The path :func:`target_path` gave.
        stream: Something with ``read(n)`` (an S3 body).
        limit: The most bytes allowed; ``None`` means :data:`MAX_TRANSFER_BYTES`.
    """
    root = workspace.resolve()
    if not target.resolve().is_relative_to(root) or _protected_part(
        target.resolve().relative_to(root).parts
    ):
        raise BadInput(f"'{target.name}' would be written outside the allowed folders; refused.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(root):
        raise BadInput(f"'{target.name}' would be written outside the workspace; refused.")
    fd, temp = tempfile.mkstemp(prefix=".devops-agent-", dir=target.parent)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                written += len(chunk)
                check_size(target.name, written, limit)
                out.write(chunk)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return written


def check_size(path: str, size: int, limit: int | None = None) -> None:
    """Refuse a transfer larger than ``limit`` (:data:`MAX_TRANSFER_BYTES` by default).

    Raises:
        BadInput: ``size`` is over ``limit``; the message gives both in MiB.

    Args:
        path: The file, for the message.
        size: Its size in bytes.
        limit: The most bytes allowed; ``None`` means :data:`MAX_TRANSFER_BYTES`.
    """
    limit = MAX_TRANSFER_BYTES if limit is None else limit
    if size > limit:
        raise BadInput(
            f"'{path}' is {size / 1024 / 1024:,.1f} MiB; devops-agent moves at most "
            f"{limit / 1024 / 1024:,.0f} MiB per file."
        )
