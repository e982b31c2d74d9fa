"""The signature under a final answer (regulation §15.5): the executor's contact details —
name, phone, e-mail (and position) — and the official who signs: the head of the executor's
department, from the head's own profile. Set per department (`/depthead`).

An answer is refused, with what is missing, until both halves are complete; the signature
is written into the answer's history event, so the consumer, the e-mail and the thread show
the same words that staff previewed, whatever profiles change later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from domain.errors import SignatureIncomplete, SignerMissing
from domain.staff import Department, StaffMember, StaffRole, role_at_least

# The executor's profile fields an answer needs, in the order staff are asked for them.
EXECUTOR_FIELDS = ("full_name", "position", "phone", "email")


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    executor_name: str
    executor_position: str
    executor_phone: str
    executor_email: str
    # Empty in answers given before signers were kept (the history shows them as they were).
    signer_name: str = ""
    signer_position: str = ""

    def details(self) -> dict[str, str]:
        """The signature as the answer event's details (domain/appeal_lifecycle.py `apply`)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_details(cls, detail: Callable[[str], str | None]) -> Signature:
        return cls(**{field.name: detail(field.name) or "" for field in fields(cls)})


def missing_fields(executor: StaffMember) -> tuple[str, ...]:
    """The executor's profile fields an answer needs that are still empty, in asking order."""
    return tuple(name for name in EXECUTOR_FIELDS if not getattr(executor, name).strip())


def sign(
    executor: StaffMember, *, department: Department | None, head: StaffMember | None
) -> Signature:
    """The complete signature, or why there is none: SignatureIncomplete names the first
    field the executor's profile lacks; SignerMissing says what keeps the department's head
    from signing."""
    for name in EXECUTOR_FIELDS:
        if not getattr(executor, name).strip():
            raise SignatureIncomplete(name)
    if department is None:
        raise SignerMissing("department")
    if department.head_user_id is None or head is None:
        raise SignerMissing("head", department.name)
    if not role_at_least(head.role, StaffRole.HEAD):
        raise SignerMissing("role", department.name)
    if not head.full_name.strip() or not head.position.strip():
        raise SignerMissing("profile", department.name)
    return Signature(
        executor_name=executor.full_name.strip(),
        executor_position=executor.position.strip(),
        executor_phone=executor.phone.strip(),
        executor_email=executor.email.strip(),
        signer_name=head.full_name.strip(),
        signer_position=head.position.strip(),
    )


def check_signer(head: StaffMember) -> None:
    """Who may be named a department's signing head: a head (or admin) role."""
    if not role_at_least(head.role, StaffRole.HEAD):
        raise SignerMissing("role")
