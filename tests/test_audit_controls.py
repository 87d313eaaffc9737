"""The coverage table: every control is covered by a check that names it, or says why not."""

from __future__ import annotations

from collections import Counter

import pytest

from devops_agent.audit.controls import CIS, FSBP, OTHER_SECURITY_HUB, coverage
from devops_agent.audit.docs import render_checks_doc
from devops_agent.audit.registry import discover_checks

CHECKS = discover_checks()
CIS_COVERED, FSBP_COVERED = coverage([(c.meta.id, c.meta.cis, c.meta.fsbp) for c in CHECKS])


def test_ids_are_unique_and_every_check_names_known_controls() -> None:
    assert not [i for i, n in Counter(c.v3 for c in CIS if c.v3).items() if n > 1]
    assert not [i for i, n in Counter(c.v4 for c in CIS if c.v4).items() if n > 1]
    assert not [i for i, n in Counter(c.id for c in FSBP).items() if n > 1]
    assert not {c.id for c in FSBP} & OTHER_SECURITY_HUB


@pytest.mark.parametrize("control", [*CIS, *FSBP], ids=lambda c: getattr(c, "v4", "") or c.id)
def test_every_control_is_covered_or_says_why(control) -> None:
    found = (CIS_COVERED if control in CIS_COVERED else FSBP_COVERED)[control]
    if found:
        assert not control.why, "a covered control needs no reason"
    else:
        assert len(control.why) > 30, "say why no check covers it"


def test_a_check_naming_an_unknown_control_is_refused() -> None:
    with pytest.raises(ValueError, match=r"CIS v3\.0\.0 9\.9"):
        coverage([("x", ("9.9",), ())])
    with pytest.raises(ValueError, match=r"Security Hub EC2\.999"):
        coverage([("x", (), ("EC2.999",))])


def test_most_controls_are_covered_and_the_doc_shows_the_table() -> None:
    assert sum(bool(v) for v in CIS_COVERED.values()) >= 30
    assert sum(bool(v) for v in FSBP_COVERED.values()) >= 45
    text = render_checks_doc(CHECKS)
    for control in CIS:
        assert f"| {control.v3 or '–'} | {control.v4 or '–'} |" in text
    for control in FSBP:
        assert f"| {control.id} |" in text
    assert "Stricter than Prowler" in text and "--scan-unused-services" in text
    assert "`console_password_max_unused_days` | 45 days" in text
