"""Regulation §15.5 in the domain: the signature is whole or refused with what is missing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.errors import SignatureIncomplete, SignerMissing
from domain.signature import Signature, sign
from domain.staff import Department, StaffMember, StaffRole

EXECUTOR = StaffMember(
    user_id=1,
    full_name="Петрова Анна Сергеевна",
    position="ведущий специалист",
    phone="+78310000001",
    email="petrova@vyksa.ru",
    department_id=7,
)
HEAD = StaffMember(
    user_id=2, role=StaffRole.HEAD, full_name="Смирнов Олег Иванович", position="начальник"
)
DEPARTMENT = Department(id=7, name="Служба учёта", head_user_id=2)


def test_reg_15_5_signature_names_executor_contacts_and_the_signing_head() -> None:
    signed = sign(EXECUTOR, department=DEPARTMENT, head=HEAD)
    assert signed == Signature(
        executor_name="Петрова Анна Сергеевна",
        executor_position="ведущий специалист",
        executor_phone="+78310000001",
        executor_email="petrova@vyksa.ru",
        signer_name="Смирнов Олег Иванович",
        signer_position="начальник",
    )
    assert Signature.from_details(signed.details().get) == signed


@pytest.mark.parametrize("field", ["full_name", "position", "phone", "email"])
def test_reg_15_5_executor_profile_field_missing_is_named(field: str) -> None:
    blank: dict[str, str] = {field: " "}
    with pytest.raises(SignatureIncomplete) as refused:
        sign(replace(EXECUTOR, **blank), department=DEPARTMENT, head=HEAD)  # type: ignore[arg-type]
    assert refused.value.text_args == {"field": field}


def test_reg_15_5_no_department_no_head_no_head_role_no_head_position_are_refused() -> None:
    cases = [
        (None, HEAD, "department"),
        (replace(DEPARTMENT, head_user_id=None), None, "head"),
        (DEPARTMENT, replace(HEAD, role=StaffRole.SPECIALIST), "role"),
        (DEPARTMENT, replace(HEAD, position=""), "profile"),
    ]
    for department, head, reason in cases:
        with pytest.raises(SignerMissing) as refused:
            sign(EXECUTOR, department=department, head=head)
        assert refused.value.reason == reason


def test_reg_15_5_an_answer_kept_before_signers_shows_no_signer() -> None:
    old = {"executor_name": "Петрова", "executor_phone": "+78310000001"}
    signed = Signature.from_details(old.get)
    assert signed.signer_name == "" and signed.executor_email == ""
