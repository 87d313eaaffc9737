"""Untrusted text in, secrets out.

Two jobs, kept together because every exit point needs both:

* :func:`clean_untrusted` strips what people or AWS can hide in text (HTML
  comments, zero-width and bidi control characters) before a model or a table
  shows it.
* :class:`Redactor` replaces credential-shaped strings, and every exact secret the
  run was given, before anything leaves the process: comments, check runs, the job
  summary, outputs, logs, traces.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter

REDACTED = "[REDACTED]"

# Credential shapes. Each is specific enough not to eat ids, SHAs or ARNs.
_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        # PEM / OpenSSH private keys, whole block (also when newlines were escaped)
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
        # AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes)
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{16}\b",
        # AWS session tokens (base64, start with IQoJ / FwoG / FQoG and are long)
        r"\b(?:IQoJ|FwoG|FQoG)[A-Za-z0-9/+=]{80,}",
        # KEY=value lines that name a secret
        r"(?i)\b[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY)[A-Z0-9_]*\s*[=:]\s*"
        r"[\"']?[^\s\"']{8,}",
        # GitHub tokens
        r"\bgh[pousr]_[A-Za-z0-9]{30,255}\b",
        r"\bgithub_pat_[A-Za-z0-9_]{40,255}\b",
        # OpenAI and similar "sk-" keys
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
        # Slack tokens
        r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
        # JSON Web Tokens (OIDC ID tokens among them)
        r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
        # passwords in connection URLs: keep scheme, user and host
        r"(?<=://)[^\s:/@]+:[^\s/@]{3,}(?=@)",
    )
)

# A bare AWS secret access key: 40 base64 characters. It may stand inside a longer
# run (an S3 key "backups/<secret>"), so runs are searched for 40-character windows on
# "/" boundaries that look random: mixed case, digits, few slashes, high entropy.
# Hex SHAs, ids, ARNs and ordinary paths do not qualify.
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40,}(?![A-Za-z0-9+=])")
_SECRET_LEN = 40

_HTML_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|$)")
_OWN_MARKER = re.compile(r"devops-agent\s*:", re.IGNORECASE)
# Zero-width, bidi overrides and other invisible format characters (Unicode "Cf"),
# except the ordinary joiners emoji need.
_KEEP_FORMAT = {"\u200d"}


def _looks_like_aws_secret(candidate: str) -> bool:
    if candidate.count("/") > 3 or not (
        any(c.islower() for c in candidate)
        and any(c.isupper() for c in candidate)
        and any(c.isdigit() for c in candidate)
    ):
        return False
    counts = Counter(candidate)
    entropy = -sum(n / len(candidate) * math.log2(n / len(candidate)) for n in counts.values())
    return entropy >= 4.6


def _redact_aws_secrets(run: str) -> str:
    """Redact every 40-character window of ``run`` that starts and ends on a boundary."""
    if len(run) <= _SECRET_LEN:
        return REDACTED if len(run) == _SECRET_LEN and _looks_like_aws_secret(run) else run
    starts = [0] + [i + 1 for i, c in enumerate(run) if c == "/"]
    ends = {len(run)} | {i for i, c in enumerate(run) if c == "/"}
    for start in starts:
        end = start + _SECRET_LEN
        if end in ends and _looks_like_aws_secret(run[start:end]):
            return run[:start] + REDACTED + _redact_aws_secrets(run[end:])
    return run


class Redactor:
    """Redacts known secrets and credential shapes; thread-safe, shared per run."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        """Remember an exact secret (and each of its lines) so it is always redacted."""
        if not secret:
            return
        with self._lock:
            for piece in [secret, *secret.splitlines()]:
                piece = piece.strip()
                if len(piece) >= 6:
                    self._secrets.add(piece)

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        """Return ``text`` with every known secret and credential shape replaced."""
        if not text:
            return text
        with self._lock:
            known = sorted(self._secrets, key=len, reverse=True)
        for secret in known:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(REDACTED, text)
        return _BASE64_RUN.sub(lambda m: _redact_aws_secrets(m.group(0)), text)


def clean_untrusted(text: str, *, limit: int | None = None) -> str:
    """Strip HTML comments and invisible characters that can hide instructions.

    Args:
        text: text a person, GitHub or AWS wrote.
        limit: cut to this many characters (after cleaning), if given.
    """
    text = "".join(c for c in text if c in _KEEP_FORMAT or unicodedata.category(c) != "Cf").replace(
        "\r\n", "\n"
    )
    text = strip_markers(text)
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def strip_markers(text: str) -> str:
    """Remove HTML comments until none is left, and defuse the action's own markers.

    One pass is not enough: ``<!<!-- x -->-- …`` re-forms a comment once the inner
    one is removed. Whatever survives that still names ``devops-agent:`` is broken
    up, so text from a person, AWS or a model can never pose as an answer marker or
    a plan block inside a comment the action writes.
    """
    while True:
        cleaned = _HTML_COMMENT.sub("", text)
        if cleaned == text:
            break
        text = cleaned
    return _OWN_MARKER.sub("devops\u2011agent:", text.replace("<!--", "&lt;!--"))


def table_cell(value: object) -> str:
    """Make any value safe for one Markdown table cell (no pipes, newlines, HTML)."""
    text = clean_untrusted("" if value is None else str(value))
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")
