"""The numbers checks judge by, each declared once with the source of its default.

A check lists the thresholds it uses in ``META.thresholds`` and reads their values from
the ``limits`` it is called with; the repo config may set any of them::

    audit:
      thresholds:
        console_password_max_unused_days: 90   # FSBP IAM.8's value instead of CIS 1.12's 45
        authorized_public_ports: [80, 443, 8443]

Every default is the **stricter** of the values the benchmarks the check cites publish
(CIS AWS Foundations v3.0.0 / v4.0.1, AWS FSBP), so a finding never follows a weaker rule
than the control it names; ``source`` says which value won and what the others say. A
default no benchmark publishes says so.
"""

from __future__ import annotations

from devops_agent.audit.models import Threshold

__all__ = [
    "ACCESS_KEY_MAX_AGE_DAYS",
    "ACCESS_KEY_MAX_UNUSED_DAYS",
    "AUTHORIZED_PUBLIC_PORTS",
    "CONSOLE_PASSWORD_MAX_UNUSED_DAYS",
    "INSTANCE_MAX_STOPPED_DAYS",
    "PASSWORD_MIN_LENGTH",
    "PASSWORD_REUSE_PREVENTION",
    "ROOT_QUIET_DAYS",
    "SNAPSHOT_MAX_AGE_DAYS",
]

CONSOLE_PASSWORD_MAX_UNUSED_DAYS = Threshold(
    name="console_password_max_unused_days",
    default=45,
    unit="days",
    meaning="Days a console password may go unused before it should be removed.",
    source="CIS AWS Foundations v3.0.0 and v4.0.1 1.12 (45 days); FSBP IAM.8 allows 90, "
    "Security Hub IAM.22 (CIS) 45.",
)

ACCESS_KEY_MAX_UNUSED_DAYS = Threshold(
    name="access_key_max_unused_days",
    default=45,
    unit="days",
    meaning="Days an active access key may go unused before it should be deactivated.",
    source="CIS AWS Foundations v3.0.0 and v4.0.1 1.12 (45 days); FSBP IAM.8 allows 90, "
    "Security Hub IAM.22 (CIS) 45.",
)

ACCESS_KEY_MAX_AGE_DAYS = Threshold(
    name="access_key_max_age_days",
    default=90,
    unit="days",
    meaning="Days an access key may live before it should be rotated.",
    source="CIS AWS Foundations v3.0.0 and v4.0.1 1.14 and FSBP IAM.3 (90 days; the two agree).",
)

PASSWORD_MIN_LENGTH = Threshold(
    name="password_min_length",
    default=14,
    unit="characters",
    meaning="Shortest password the account password policy may allow.",
    source="CIS AWS Foundations v3.0.0 and v4.0.1 1.8 (14); FSBP IAM.7 asks for 8.",
    stricter="higher",
)

PASSWORD_REUSE_PREVENTION = Threshold(
    name="password_reuse_prevention",
    default=24,
    unit="passwords",
    meaning="Previous passwords a new one must differ from.",
    source="CIS AWS Foundations v3.0.0 and v4.0.1 1.9 (24; Security Hub IAM.16); PCI DSS "
    "(Security Hub IAM.10) asks for 4.",
    stricter="higher",
)

INSTANCE_MAX_STOPPED_DAYS = Threshold(
    name="instance_max_stopped_days",
    default=30,
    unit="days",
    meaning="Days an instance may stay stopped before it counts as forgotten.",
    source="FSBP EC2.4 (AllowedDays default 30); CIS has no such control.",
)

SNAPSHOT_MAX_AGE_DAYS = Threshold(
    name="snapshot_max_age_days",
    default=365,
    unit="days",
    meaning="Age past which a snapshot counts as forgotten.",
    source="devops-agent's own default: neither CIS nor FSBP publishes one.",
)

AUTHORIZED_PUBLIC_PORTS = Threshold(
    name="authorized_public_ports",
    default=(80, 443),
    unit="ports",
    meaning="TCP ports a security group may open to the whole internet.",
    source="FSBP EC2.18 (authorizedTcpPorts default 80, 443); CIS has no such control.",
    stricter="fewer",
)

ROOT_QUIET_DAYS = Threshold(
    name="root_quiet_days",
    default=90,
    unit="days",
    meaning="Days before the audit in which the root user must not have been used.",
    source="devops-agent's own default: CIS AWS Foundations v3.0.0 and v4.0.1 1.7 say to "
    "eliminate root use and publish no number.",
    stricter="higher",
)
