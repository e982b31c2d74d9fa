"""A department whose head signs the answers (regulation §15.5), for tests that answer."""

from __future__ import annotations

from dataclasses import replace

from bot.factory import App
from domain.staff import Department, StaffMember, StaffRole
from storage.staff import SqlStaffDirectory
from storage.uow import UnitOfWork

HEAD_ID = 8_000_900
HEAD_NAME = "Смирнов Олег Иванович"
HEAD_POSITION = "начальник службы по работе с потребителями"


async def signing_department(
    app: App,
    executor_id: int,
    *,
    head_id: int = HEAD_ID,
    name: str = "Служба по работе с потребителями",
) -> Department:
    """`executor_id` is put in a department whose head (a profile with a name and a
    position, role head) signs its answers."""
    now = app.clock.now()
    uow = UnitOfWork(app.sessionmaker, clock=app.clock)
    staff = SqlStaffDirectory(uow)
    department = await staff.add_department(name)
    assert department.id is not None
    head = await staff.member(head_id) or StaffMember(
        user_id=head_id, role=StaffRole.HEAD, full_name=HEAD_NAME, position=HEAD_POSITION
    )
    await staff.save_member(head, at=now)
    signed = await staff.set_department_head(department.id, head_id)
    executor = await staff.member(executor_id) or StaffMember(user_id=executor_id)
    await staff.save_member(replace(executor, department_id=department.id), at=now)
    await uow.commit()
    return signed
