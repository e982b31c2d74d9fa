"""The staff chat's own commands: help, cancel, a staff member's profile (the signature under
answers), the list of staff and departments, and a head's changes to them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.contacts import normalize_ru_phone, validate_email
from domain.limits import ROW_ID_MAX, TELEGRAM_ID_MAX, parse_bounded_int
from domain.staff import StaffAction, StaffMember, StaffRole, check_allowed
from handlers.filters import Cmd
from handlers.staff.replies import staff_reply
from notifier.staff_render import NONE


def _role_name(texts: Texts, role: StaffRole) -> str:
    return texts.plain(f"staff-role-{role.value}")


async def cmd_help(message: Message, services: Services, texts: Texts, config: AppConfig) -> None:
    staff_reply(services, config, message, texts.get("staff-help"))


async def cmd_cancel(
    message: Message, state: FSMContext, services: Services, texts: Texts, config: AppConfig
) -> None:
    await state.clear()
    staff_reply(services, config, message, texts.get("staff-cancelled"))


async def cmd_profile(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    assert message.text is not None
    _, _, rest = message.text.partition(" ")
    parts = [part.strip() for part in rest.split(";")]
    if len(parts) < 3 or not parts[0] or not parts[2]:
        staff_reply(services, config, message, texts.get("staff-profile-usage"))
        return
    phone = normalize_ru_phone(parts[2])
    email = validate_email(parts[3]) if len(parts) > 3 and parts[3] else ""
    saved = await services.staff_desk.save_profile(
        staff,
        replace(staff, full_name=parts[0], position=parts[1], phone=phone, email=email),
    )
    staff_reply(
        services,
        config,
        message,
        texts.get(
            "staff-profile-saved",
            name=saved.full_name,
            position=saved.position,
            phone=saved.phone,
            email=saved.email or NONE,
        ),
    )


async def cmd_staff(message: Message, services: Services, texts: Texts, config: AppConfig) -> None:
    desk = services.staff_desk
    members = await desk.members()
    if not members:
        staff_reply(services, config, message, texts.get("staff-list-empty"))
        return
    names = {d.id: d.name for d in await desk.departments()}
    lines = [texts.get("staff-list-title")]
    for member in members:
        lines.append(
            texts.get(
                "staff-list-item",
                user_id=str(member.user_id),
                name=member.display_name,
                role=_role_name(texts, member.role),
                department=names.get(member.department_id, NONE),
            )
        )
    staff_reply(services, config, message, "\n".join(lines))


async def cmd_departments(
    message: Message, services: Services, texts: Texts, config: AppConfig
) -> None:
    departments = await services.staff_desk.departments()
    if not departments:
        staff_reply(services, config, message, texts.get("staff-no-departments"))
        return
    lines = [texts.get("staff-departments-title")]
    lines += [texts.get("staff-department-item", id=d.id or 0, name=d.name) for d in departments]
    staff_reply(services, config, message, "\n".join(lines))


async def cmd_department(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    assert message.text is not None
    _, _, name = message.text.partition(" ")
    department = await services.staff_desk.add_department(staff, name)
    staff_reply(
        services,
        config,
        message,
        texts.get("staff-department-added", id=department.id or 0, name=department.name),
    )


async def cmd_setrole(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    assert message.text is not None
    parts = message.text.split()
    user_id = _user_id(parts[1]) if len(parts) == 3 else None
    if user_id is None or parts[2] not in {r.value for r in StaffRole}:
        staff_reply(services, config, message, texts.get("staff-setrole-usage"))
        return
    await _change_member(
        message, services, texts, config, staff, user_id, role=StaffRole(parts[2])
    )


async def cmd_setdept(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    assert message.text is not None
    parts = message.text.split()
    user_id = _user_id(parts[1]) if len(parts) == 3 else None
    department_id = (
        parse_bounded_int(parts[2], low=1, high=ROW_ID_MAX) if len(parts) == 3 else None
    )
    if user_id is None or department_id is None:
        staff_reply(services, config, message, texts.get("staff-setdept-usage"))
        return
    await _change_member(
        message, services, texts, config, staff, user_id, department_id=department_id
    )


async def cmd_depthead(
    message: Message, services: Services, texts: Texts, config: AppConfig, staff: StaffMember
) -> None:
    """§15.5: `/depthead <department> <user id>` — the head who signs the department's
    answers (admin)."""
    assert message.text is not None
    parts = message.text.split()
    department_id = (
        parse_bounded_int(parts[1], low=1, high=ROW_ID_MAX) if len(parts) == 3 else None
    )
    user_id = _user_id(parts[2]) if len(parts) == 3 else None
    if user_id is None or department_id is None:
        staff_reply(services, config, message, texts.get("staff-depthead-usage"))
        return
    department = await services.staff_desk.set_department_head(staff, department_id, user_id)
    staff_reply(
        services,
        config,
        message,
        texts.get("staff-depthead-set", department=department.name, user_id=str(user_id)),
    )


def _user_id(raw: str) -> int | None:
    return parse_bounded_int(raw, low=1, high=TELEGRAM_ID_MAX)


async def _change_member(
    message: Message,
    services: Services,
    texts: Texts,
    config: AppConfig,
    staff: StaffMember,
    user_id: int,
    **changes: Any,
) -> None:
    desk = services.staff_desk
    check_allowed(staff.role, StaffAction.SETTINGS)
    target = await desk.member(user_id)
    await desk.save_profile(staff, replace(target, **changes))
    staff_reply(services, config, message, texts.get("staff-done"))


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_cancel, Cmd("cancel"))
    router.message.register(cmd_help, Cmd("help", "start"))
    router.message.register(cmd_profile, Cmd("profile"))
    router.message.register(cmd_staff, Cmd("staff"))
    router.message.register(cmd_departments, Cmd("departments"))
    router.message.register(cmd_department, Cmd("department"))
    router.message.register(cmd_setrole, Cmd("setrole"))
    router.message.register(cmd_setdept, Cmd("setdept"))
    router.message.register(cmd_depthead, Cmd("depthead"))
    return router
