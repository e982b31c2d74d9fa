"""Who may do what (domain/staff.py): mass notices need the role the company chose (head
unless set), and a notice's draft is decided by its author or a head."""

from __future__ import annotations

import pytest

from domain.errors import DraftOfAnother, RoleRequired
from domain.staff import (
    MASS_NOTICE_ACTIONS,
    StaffAction,
    StaffMember,
    StaffRole,
    check_allowed,
    check_draft_decision,
    needed_role,
)


@pytest.mark.parametrize("action", sorted(MASS_NOTICE_ACTIONS))
def test_mass_notices_need_a_head_unless_the_setting_says_otherwise(action: StaffAction) -> None:
    assert needed_role(action) is StaffRole.HEAD
    with pytest.raises(RoleRequired) as refused:
        check_allowed(StaffRole.SPECIALIST, action)
    assert refused.value.role == "head"
    check_allowed(StaffRole.HEAD, action)
    check_allowed(StaffRole.ADMIN, action)
    check_allowed(StaffRole.SPECIALIST, action, notice_role=StaffRole.SPECIALIST)
    with pytest.raises(RoleRequired):
        check_allowed(StaffRole.HEAD, action, notice_role=StaffRole.ADMIN)


def test_the_notice_setting_changes_nothing_else() -> None:
    assert needed_role(StaffAction.TAKE, notice_role=StaffRole.ADMIN) is StaffRole.SPECIALIST
    assert needed_role(StaffAction.EXTEND, notice_role=StaffRole.SPECIALIST) is StaffRole.HEAD
    # Dropping a draft is no mass notice: its author may, whatever the setting.
    assert StaffAction.NOTICE_CANCEL not in MASS_NOTICE_ACTIONS


def test_a_draft_is_decided_by_its_author_or_a_head() -> None:
    author = StaffMember(user_id=1)
    check_draft_decision(author, 1)
    check_draft_decision(StaffMember(user_id=2, role=StaffRole.HEAD), 1)
    check_draft_decision(StaffMember(user_id=3, role=StaffRole.ADMIN), 1)
    with pytest.raises(DraftOfAnother):
        check_draft_decision(StaffMember(user_id=4), 1)
