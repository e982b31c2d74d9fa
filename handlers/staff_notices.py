"""Notices from the staff chat (SPEC §8): source files, one-off messages, reports, stops and
"power restored".

- a CSV document captioned `/import debts|outages|tariffs|restrictions` is checked with a dry
  run (who would be told, which rows are refused) and kept as a draft; nothing is scheduled
  until a staff member presses «Запланировать»;
- `/notify TOPIC` with the text: a preview exactly as subscribers will see it and how many
  will get it; sent on «Отправить»;
- `/notices`, `/notice ID` (with «Обновить» and «Остановить рассылку»), `/outages` (with a
  «Свет дали» button per outage) and `/outage_close ID`.

Only staff may do any of it: the same chat filter and membership gate as handlers/staff.py.
Mass notices — a file's draft, a `/notify` draft, confirming one, stopping a notice, closing
an outage — need the role MASS_NOTICE_ROLE (head unless set; domain/staff.py); a draft is
confirmed or cancelled by its author or a head. Every one of these actions, done or refused
with the reason, is written to the staff audit log by the staff desk, as the staff chat's
appeal actions are (services/staff_desk.py `permit`, `done`, `refused`). A draft is decided
once (storage/notice_drafts.py `decide_draft`): a second press of a button does nothing.
Replies go through the outbox like every staff-chat message; the edits of the message whose
button was pressed are sent directly.

The handlers parse, call the notice use case (services/notices.py) in the update's unit of
work, and render: drafts in handlers/notice_drafts.py, the buttons in
handlers/notice_buttons.py, reports and outages in handlers/notice_reports.py. A new notice's
recipients are queued after the update's commit by the notice desk's job, which then posts
its report (notifier/notices.py `report_after_commit`).
"""

from __future__ import annotations

from aiogram import Router

from handlers.filters import Cmd
from handlers.notice_buttons import on_notice_button
from handlers.notice_drafts import cmd_import, cmd_notify
from handlers.notice_replies import NoticeButton as NoticeButton
from handlers.notice_replies import NoticeCb
from handlers.notice_reports import cmd_notice, cmd_notices, cmd_outage_close, cmd_outages

# The router ----------------------------------------------------------------------------------

# The staff chat's command menu gets these too (handlers/staff.py STAFF_COMMANDS).
NOTICE_COMMANDS = ("import", "notify", "notices", "notice", "outages", "outage_close")


def build_router() -> Router:
    """Staff-chat only, behind the staff gate: a child of the staff chat's parent router
    (handlers/staff/__init__.py), included before the appeal desk, whose catch-all thread
    handlers would otherwise take these commands and documents."""
    router = Router(name="staff_notices")

    router.message.register(cmd_import, Cmd("import"))
    router.message.register(cmd_notify, Cmd("notify"))
    router.message.register(cmd_notices, Cmd("notices"))
    router.message.register(cmd_notice, Cmd("notice"))
    router.message.register(cmd_outages, Cmd("outages"))
    router.message.register(cmd_outage_close, Cmd("outage_close"))
    router.callback_query.register(on_notice_button, NoticeCb.filter())
    return router
