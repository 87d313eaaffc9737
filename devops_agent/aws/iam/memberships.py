"""A principal's place in a container, and the steps that take it out and put it back.

Two IAM relations work alike: a user in a group (``iam user delete`` takes it out,
its rollback puts it back) and a role in an instance profile (``iam role delete`` and
its rollback). For both, the read-back asks which containers hold the principal now
(a principal that is gone is in none), ``before`` records whether it was in the
container, and the way back is the other step, planned only when it changes something.

:class:`Membership` says this once; each relation gives its own reader and its own
words, so every message stays the relation's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devops_agent.aws.iam.calls import not_yet
from devops_agent.errors import ServiceError
from devops_agent.operation import (
    Args,
    NotAsPlanned,
    PlanEntry,
    Reader,
    Verification,
    Verified,
    Write,
)

if TYPE_CHECKING:
    import boto3

__all__ = ["Membership"]


@dataclass(frozen=True)
class Membership:
    """One kind of membership: who is held (``member``), by what (``container``), and
    how to say it.

    The phrases are format strings over ``{member}`` and ``{container}``, e.g. for a
    user in a group ``is_in="{member} is in group {container}"``.
    """

    member: str
    """The argument field naming the principal held (``user``, ``role``)."""
    container: str
    """The argument field naming what holds it (``group``, ``profile``)."""
    holders: Callable[[boto3.Session, str], list[str]]
    """Reads the containers that hold a member now; raises ``NoSuchEntity`` when the
    member does not exist."""
    is_in: str
    """The read-back when the member is in the container."""
    not_in: str
    """The read-back when the member is not in the container."""
    still_in: str
    """The read-back when the member is still in the container after taking it out."""
    member_gone: str
    """The read-back after taking it out when the member no longer exists."""
    no_member: str
    """The read-back after putting it in when the member does not exist."""
    place: str
    """The container in a rollback line: ``group {container}``."""

    def _say(self, phrase: str, args: Args) -> str:
        return phrase.format(member=getattr(args, self.member), container=self._holder(args))

    def _holder(self, args: Args) -> str:
        return str(getattr(args, self.container))

    def _held_by(self, reader: Reader, args: Args) -> list[str] | None:
        try:
            return self.holders(reader.session(), getattr(args, self.member))
        except ServiceError as exc:
            if exc.code == "NoSuchEntity":
                return None
            raise

    def before(self, reader: Reader, args: Args) -> dict[str, bool]:
        """Whether the member is in the container, read right before a step runs.

        Args:
            reader: The read side of the run.
            args: The step's arguments (a member and a container).

        Returns:
            ``{"member": True}`` when it is (``False`` too when the member is gone).
        """
        return {"member": self._holder(args) in (self._held_by(reader, args) or [])}

    def verify_out(self, reader: Reader, args: Args) -> Verification:
        """The read-back of taking the member out: the container no longer holds it.

        Args:
            reader: The read side of the run.
            args: The step's arguments.

        Returns:
            Verified when the container does not hold it (or the member is gone); not
            yet when it still does.
        """
        held = self._held_by(reader, args)
        if held is None:
            return Verified(self._say(self.member_gone, args))
        if self._holder(args) in held:
            return not_yet(self._say(self.still_in, args))
        return Verified(self._say(self.not_in, args))

    def verify_in(self, reader: Reader, args: Args) -> Verification:
        """The read-back of putting the member in: the container holds it.

        Args:
            reader: The read side of the run.
            args: The step's arguments.

        Returns:
            Verified when the container holds it; not as planned when the member does
            not exist; not yet when the container does not hold it.
        """
        held = self._held_by(reader, args)
        if held is None:
            return NotAsPlanned(self._say(self.no_member, args))
        if self._holder(args) not in held:
            return not_yet(self._say(self.not_in, args))
        return Verified(self._say(self.is_in, args))

    def undo_out(self, put_back: Write[Any]) -> Callable[[Reader, Any, Any], list[PlanEntry]]:
        """The way back of taking the member out: put it back where it was.

        Args:
            put_back: The step that puts a member into a container.

        Returns:
            An ``undo``: one entry when the container held the member before and does
            not now; none once the member is gone.
        """

        def undo(reader: Reader, before: Any, args: Any) -> list[PlanEntry]:
            if not (isinstance(before, dict) and before.get("member")):
                return []
            held = self._held_by(reader, args)
            if held is None or self._holder(args) in held:
                return []
            line = f"Roll back: put {getattr(args, self.member)} back into {self._place(args)}"
            return [put_back.entry(args, line, [self._holder(args)])]

        return undo

    def undo_in(
        self, take_out: Callable[[], Write[Any]]
    ) -> Callable[[Reader, Any, Any], list[PlanEntry]]:
        """The way back of putting the member in: take it out again, unless it was in
        before.

        Args:
            take_out: Gives the step that takes a member out (declared after the step
                that puts it in, so it is looked up when the rollback is planned).

        Returns:
            An ``undo``: one entry when the container did not hold the member before and
            holds it now.
        """

        def undo(reader: Reader, before: Any, args: Any) -> list[PlanEntry]:
            if not isinstance(before, dict) or before.get("member") is not False:
                return []
            if self._holder(args) not in (self._held_by(reader, args) or []):
                return []
            line = f"Roll back: take {getattr(args, self.member)} out of {self._place(args)} again"
            return [take_out().entry(args, line, [self._holder(args)])]

        return undo

    def _place(self, args: Args) -> str:
        return self.place.format(container=self._holder(args))
