"""What the last audit left behind: its open findings, compact enough to keep in an issue.

The living issue says what is new and what was resolved since the last audit, and its
counts must be exact at any estate size. That needs every open finding of the last
audit, not as many as happen to fit: 10,000 findings are 200,000 characters of full
fingerprints, three times GitHub's 65,536-character body limit. So the state is kept
compact and, when it is still too large for the issue body, split over hidden comments
on the same issue:

* each finding is the first :data:`MARK_BYTES` bytes of its fingerprint (48 bits: the
  chance that two of 100,000 findings share one is about 2 in 100,000), eight base64
  characters, grouped under its check id so a finding whose check could not run this
  time is known to be "not re-checked" rather than resolved;
* ``"resource region"`` labels go in for as many findings as the room allows (most
  severe first), so resolved findings are named, and otherwise counted by check;
* the state is JSON inside an HTML comment, with every ``--`` written as ``-\\u002d`` so
  no resource name can end the comment early.

:func:`encode_state` makes the markers, :func:`decode_state` reads them back; the issue's
I/O (which comments, whose) is :mod:`devops_agent.publish`'s. Hand-written because the
format is ours: no library keeps a set of findings inside a GitHub issue.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from devops_agent.audit.models import AuditReport, Finding

__all__ = [
    "MARK_BYTES",
    "STATE_MARKER",
    "STATE_PART_MARKER",
    "Previous",
    "decode_state",
    "encode_state",
    "mark_of",
]

#: Bytes of a fingerprint kept per finding (the fingerprint is 10 bytes of hex).
MARK_BYTES = 6
_MARK_HEX = MARK_BYTES * 2
#: Most characters of labels the body keeps when the marks themselves are in parts.
LABELS_WHEN_SPLIT = 6_000
#: Name of the HTML comment that carries the state (or says where its parts are).
STATE_MARKER = "devops-agent:audit-fingerprints"
#: Name of the HTML comment that carries one part of a state too large for the body.
STATE_PART_MARKER = "devops-agent:audit-state-part"
_BLOCK = re.compile(
    r"<!--\s*("
    + re.escape(STATE_MARKER)
    + "|"
    + re.escape(STATE_PART_MARKER)
    + r")\s+(\{.*?\})\s*-->",
    re.DOTALL,
)
_HEX = re.compile(r"[0-9a-f]{8,64}")


def mark_of(fingerprint: str) -> str:
    """The short form of a finding's fingerprint that the state keeps.

    Args:
        fingerprint: A finding's fingerprint (hex); a mark already is its own mark.

    Returns:
        Its first 2 × :data:`MARK_BYTES` hex characters (12).
    """
    return fingerprint[:_MARK_HEX]


@dataclass(frozen=True)
class Previous:
    """The open findings of the last audit, by mark (see :func:`mark_of`).

    ``checks`` knows every one of them (exact counts); ``labels`` names as many as fitted.
    """

    checks: dict[str, str] = field(default_factory=dict)
    """Check id of each open finding, by mark (empty string when an old state had none)."""
    labels: dict[str, str] = field(default_factory=dict)
    """``"resource region"`` of the findings that could be named, by mark."""

    def __len__(self) -> int:
        return len(self.checks)

    def __contains__(self, fingerprint: object) -> bool:
        return isinstance(fingerprint, str) and mark_of(fingerprint) in self.checks

    @classmethod
    def of(cls, value: Previous | Collection[str] | Mapping[str, str]) -> Previous:
        """Any accepted form of "the last audit": this, fingerprints, or fingerprint → label.

        A mapping's labels are ``"check_id resource region"`` (what version 1 of the state
        kept), so the check is their first word.

        Args:
            value: A :class:`Previous` (returned as is), fingerprints, or fingerprints
                with their labels.

        Returns:
            The last audit's open findings by mark; with bare fingerprints, neither
            their checks nor labels are known (empty).
        """
        if isinstance(value, Previous):
            return value
        checks: dict[str, str] = {}
        labels: dict[str, str] = {}
        for fingerprint in value:
            mark = mark_of(str(fingerprint))
            label = str(value[fingerprint]) if isinstance(value, Mapping) else ""
            check, _, rest = label.partition(" ")
            checks[mark] = check
            if rest:
                labels[mark] = rest
        return cls(checks=checks, labels=labels)


def _pack(marks: Iterable[str]) -> str:
    return base64.b64encode(b"".join(bytes.fromhex(m) for m in sorted(marks))).decode()


def _unpack(text: str) -> list[str]:
    raw = base64.b64decode(text.encode(), validate=True)
    return [raw[i : i + MARK_BYTES].hex() for i in range(0, len(raw) - MARK_BYTES + 1, MARK_BYTES)]


def _comment(name: str, data: dict[str, Any]) -> str:
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=True)
    return f"<!-- {name} {payload.replace('--', '-' + chr(92) + 'u002d')} -->"


def _open(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.suppressed]


def encode_state(
    report: AuditReport, *, inline_limit: int, part_limit: int, token: str = ""
) -> tuple[str, list[str]]:
    """The state of ``report``'s open findings: one marker for the body, and parts if needed.

    Args:
        report: the audit report (its findings are ranked most severe first).
        inline_limit: most characters the body's marker may take.
        part_limit: most characters of each part (a hidden comment) when it does not fit.
        token: ties the parts to the body's marker (any string unique to this run), so
            parts left by an earlier run are never mistaken for this one's.

    Returns:
        ``(marker, parts)``: with no parts the marker holds the whole state; otherwise
        it says how many parts there are and each part holds some checks' marks (the
        labels stay in the body, as many as fit).
    """
    open_now = _open(report.findings)
    by_check: dict[str, list[str]] = {}
    for finding in open_now:
        by_check.setdefault(finding.check_id, []).append(mark_of(finding.fingerprint))
    checks = {check: _pack(marks) for check, marks in by_check.items()}
    whole = {"v": 2, "c": checks}
    marker = _comment(STATE_MARKER, whole)
    parts: list[str] = []
    if len(marker) > inline_limit:
        parts = _split(checks, part_limit, token)
        whole = {"v": 2, "parts": len(parts), "token": token}
        marker = _comment(STATE_MARKER, whole)
    # Spilled or not, the body keeps the labels it has room for; when spilled, less room:
    # a body shows a few dozen resolved findings by name, and counts the rest by check.
    label_room = inline_limit if not parts else min(inline_limit, LABELS_WHEN_SPLIT)
    return _with_labels(whole, open_now, label_room), parts


def _split(checks: dict[str, str], part_limit: int, token: str) -> list[str]:
    """The marks spread over parts of at most ``part_limit`` characters each."""
    overhead = len(_comment(STATE_PART_MARKER, {"v": 2, "part": 9999, "token": token, "c": {}}))
    room = max(64, part_limit - overhead)
    chunks: list[dict[str, str]] = [{}]
    used = 0
    for check, packed in sorted(checks.items()):
        marks = _unpack(packed)
        while marks:
            cost = len(check) + 8  # "check":"...",
            free = (room - used - cost) // (MARK_BYTES * 4 // 3)
            if free <= 0:
                chunks.append({})
                used = 0
                continue
            take, marks = marks[:free], marks[free:]
            chunk = chunks[-1]
            chunk[check] = _pack([*_unpack(chunk.get(check, "")), *take])
            used += cost + len(take) * (MARK_BYTES * 4 // 3)
    return [
        _comment(STATE_PART_MARKER, {"v": 2, "part": n, "token": token, "c": chunk})
        for n, chunk in enumerate(chunks, start=1)
    ]


def _with_labels(data: dict[str, Any], findings: list[Finding], limit: int) -> str:
    """``data``'s marker with as many findings' labels as fit in ``limit`` characters."""
    bare = _comment(STATE_MARKER, data)
    room = limit - len(bare) - len(',"l":{}')
    labels: dict[str, str] = {}
    for finding in findings:
        mark, label = mark_of(finding.fingerprint), f"{finding.resource_id} {finding.region}"
        entry = json.dumps({mark: label}, separators=(",", ":"), ensure_ascii=True)
        cost = len(entry) - 1 + entry.count("--") * 5  # less the braces, plus a comma
        if cost > room:
            break
        labels[mark] = label
        room -= cost
    text = _comment(STATE_MARKER, {**data, "l": labels}) if labels else bare
    while len(text) > limit and labels:  # the estimate was short: drop the least severe
        labels = dict(list(labels.items())[: len(labels) * 9 // 10])
        text = _comment(STATE_MARKER, {**data, "l": labels}) if labels else bare
    return text


def _blocks(text: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for match in _BLOCK.finditer(text or ""):
        try:
            data = json.loads(match.group(2))
        except ValueError:
            continue
        if isinstance(data, dict):
            found.append((match.group(1), data))
    return found


def _labels(data: dict[str, Any]) -> dict[str, str]:
    raw = data.get("l")
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items() if _HEX.fullmatch(str(k))}


def _checks(data: dict[str, Any]) -> dict[str, str]:
    raw = data.get("c")
    if not isinstance(raw, dict):
        raise ValueError("no checks")
    marks: dict[str, str] = {}
    for check, packed in raw.items():
        for mark in _unpack(str(packed)):
            marks[mark] = str(check)
    return marks


def decode_state(body: str, parts: Iterable[str] = ()) -> Previous | None:
    """The last audit's open findings from an issue ``body`` (and its state ``parts``).

    Args:
        body: the issue body, holding a :func:`encode_state` marker (or a version 1 one).
        parts: bodies of the hidden comments that may hold parts of the state.

    Returns:
        The state; ``None`` when the body has none, or when a part it needs is missing or
        belongs to another run (then nothing can be said exactly about what changed).
    """
    head = next((data for name, data in _blocks(body) if name == STATE_MARKER), None)
    if head is None:
        return None
    if "v" not in head:  # version 1: {fingerprint: "check resource region"}
        return Previous.of({k: str(v) for k, v in head.items() if _HEX.fullmatch(str(k))})
    labels = _labels(head)
    try:
        if not head.get("parts"):
            return Previous(checks=_checks(head), labels=labels)
        wanted, token = int(head["parts"]), str(head.get("token", ""))
        found: dict[int, dict[str, str]] = {}
        for text in parts:
            for name, data in _blocks(text):
                if name == STATE_PART_MARKER and str(data.get("token", "")) == token:
                    found[int(data.get("part", 0))] = _checks(data)
        if set(found) != set(range(1, wanted + 1)):
            return None
    except (ValueError, TypeError, KeyError):
        return None
    checks: dict[str, str] = {}
    for number in sorted(found):
        checks.update(found[number])
    return Previous(checks=checks, labels=labels)
