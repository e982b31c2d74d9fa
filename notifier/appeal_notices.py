"""`AppealNotices` over the outbox: every message about an appeal — the staff card and thread,
the consumer's answer, question, extension — is queued in the transaction that changed the
appeal. Staff-chat posts use the outbox method `staff` (notifier/staff_channel.py), which
finds the appeal's topic or card at send time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from core.texts import Texts
from domain.appeals import AnswerChannel, Appeal, AppealAction, AppealEvent
from domain.clock import Clock
from domain.delivery import MESSAGE_OF, UNDELIVERED_TASK, ConsumerMessage, Undelivery
from domain.staff import StaffMember
from domain.surveys import SurveyMode, survey_mode
from notifier.appellant_letters import is_consumer_message, letter_for, plain_of
from notifier.staff_render import (
    NONE,
    StaffCb,
    consumer_message,
    event_line,
    survey_markup,
)
from services.ports import AppealTask, Attachment, MessageRef
from storage.outbox import enqueue, register_method
from storage.staff import SqlAppealTasks
from storage.surveys import SqlSurveys
from storage.uow import UnitOfWork

STAFF_METHOD = "staff"
# A post's "text" is split by the outbox like a message's (the card and edits carry none).
register_method(STAFF_METHOD, text_key="text")
# E-mail answers (notifier/email.py). The outbox paces by chat id; e-mails share this one.
EMAIL_METHOD = "email"
EMAIL_QUEUE = 0
register_method(EMAIL_METHOD)


class OutboxAppealNotices:
    def __init__(
        self,
        uow: UnitOfWork,
        *,
        texts: Texts,
        zone: ZoneInfo,
        clock: Clock,
        staff_chat_id: int | None,
        wake: Callable[[], None] | None = None,
        email: bool = False,
    ) -> None:
        self._email = email
        self._uow = uow
        self._texts = texts
        self._zone = zone
        self._clock = clock
        self._chat = staff_chat_id
        self._wake = wake
        self._wake_armed = False
        # Set for an update from the staff chat (handlers/staff/gate.py): whatever it posts
        # there (a card edited after a press, a line in the thread) is a reply a staff
        # member waits for, sent at once within the group's budget (domain/rate_limit.py).
        self.staff_waiting = False

    def _queue(
        self,
        chat_id: int,
        method: str,
        payload: dict[str, Any],
        *,
        urgent: bool = False,
        appeal_id: int | None = None,
        purpose: str | None = None,
    ) -> None:
        enqueue(
            self._uow,
            chat_id=chat_id,
            method=method,
            payload=payload,
            now=self._clock.now(),
            urgent=urgent,
            appeal_id=appeal_id,
            purpose=purpose,
        )
        if self._wake is not None and not self._wake_armed:
            self._uow.after_commit(self._wake)
            self._wake_armed = True

    def staff(self, appeal_id: int, op: str, *, urgent: bool | None = None, **values: Any) -> None:
        """A post about the appeal in its staff-chat thread (nothing if no staff chat is set).
        `urgent` unset: urgent when a staff member waits for it (`staff_waiting`)."""
        if self._chat is None:
            return
        self._queue(
            self._chat,
            STAFF_METHOD,
            {"op": op, "appeal_id": appeal_id, **values},
            urgent=self.staff_waiting if urgent is None else urgent,
        )

    def consumer(
        self,
        user_id: int,
        text: str,
        markup: Any = None,
        *,
        appeal_id: int | None = None,
        message: ConsumerMessage | None = None,
    ) -> None:
        """A message to the consumer; one the appeal stands on names it (`message`), so that
        staff are told if it cannot be delivered (StaffDesk.report_undelivered)."""
        payload: dict[str, Any] = {"text": text}
        if markup is not None:
            payload["reply_markup"] = markup.model_dump(exclude_none=True)
        # A staff answer goes before bulk notices (issue 6) waiting for the same person.
        self._queue(
            user_id,
            "send_message",
            payload,
            urgent=True,
            appeal_id=appeal_id if message is not None else None,
            purpose=message.value if message is not None else None,
        )

    async def publish(
        self,
        appeal: Appeal,
        event: AppealEvent,
        *,
        attachments: Sequence[Attachment] = (),
        copies: Sequence[MessageRef] = (),
    ) -> None:
        assert appeal.id is not None
        if event.action is AppealAction.REGISTER:
            # A new card is bulk even when staff register the appeal (/register): their
            # confirmation goes first, the card and its files after it.
            self.staff(appeal.id, "card", urgent=False)
            for attachment in attachments:
                self.staff(
                    appeal.id,
                    "file",
                    urgent=False,
                    kind=attachment.kind,
                    file_id=attachment.file_id,
                    caption=self._texts.get("staff-attachment-caption", number=appeal.number),
                )
        else:
            line = event_line(appeal, event, self._texts, self._zone)
            # A file with no words (a further part of an album) needs neither a card edit nor
            # a line: its copy says it all, and the staff group's 20 messages a minute are
            # better spent on the files themselves.
            quiet = event.action is AppealAction.ADD_INFORMATION and not event.reason and copies
            if not quiet:
                self.staff(appeal.id, "edit")
                if line is not None:
                    self.staff(appeal.id, "post", text=line)
        for ref in copies:
            self.staff(appeal.id, "copy", from_chat_id=ref.chat_id, message_id=ref.message_id)
        if event.action is AppealAction.REGISTER:
            return
        via = event.detail("via")
        if event.action is AppealAction.RATE and via:
            # A rating given by phone, letter or e-mail, entered by staff (domain/surveys.py).
            surveys = SqlSurveys(self._uow)
            mode = await surveys.mode(appeal.id) or survey_mode(
                appeal.answer_channel, has_chat=appeal.user_id is not None
            )
            at = appeal.answered_at or self._clock.now()
            await surveys.rated_by_staff(appeal.id, via, mode=mode, at=at)
        message = consumer_message(appeal, event, self._texts, self._zone)
        if message is None:
            return
        text, markup = message
        kind = MESSAGE_OF.get(event.action)
        survey = SurveyMode.NONE
        if event.action is AppealAction.ANSWER:
            survey = survey_mode(appeal.answer_channel, has_chat=appeal.user_id is not None)
            await SqlSurveys(self._uow).offered(appeal.id, survey, at=self._clock.now())
        await self.to_appellant(
            appeal,
            kind.value if kind is not None else event.action.value,
            text,
            markup,
            letter=letter_for(appeal, event, text, self._texts, survey=survey),
        )

    async def to_appellant(
        self,
        appeal: Appeal,
        kind: str,
        text: str,
        markup: Any = None,
        *,
        letter: str | None = None,
    ) -> AppealTask | None:
        """The one way every notice reaches the appellant (an answer, a clarifying question,
        an extension, a forwarding, a refusal, any later kind): `kind` names it, `text` is
        the chat's words (HTML). Someone who writes to the bot gets it in the chat (an
        answer: if they chose the chat, else a note there). Anyone else — registered with
        `/register`, imported from a journal — gets it as a task in the appeal's thread by
        the channel they chose (59-ФЗ ст. 8 ч. 3, ст. 11, ст. 12 ч. 2; §17.6): `letter`,
        the full text to send (by default the chat's words in plain text with a greeting),
        and the contact. The bot sends e-mail tasks when SMTP is set; staff mark the rest
        done. Returns the task, if one was made."""
        assert appeal.id is not None
        answer = kind == ConsumerMessage.ANSWER.value
        if appeal.user_id is not None and (
            not answer or appeal.answer_channel is AnswerChannel.CHAT
        ):
            self.consumer(
                appeal.user_id,
                text,
                markup,
                appeal_id=appeal.id,
                message=is_consumer_message(kind),
            )
            if answer:
                self._survey_in_chat(appeal)
            return None
        channel = appeal.answer_channel
        if channel is AnswerChannel.CHAT:  # no chat and no channel: a letter to the address
            channel = AnswerChannel.POST
        contact = appeal.contact or appeal.address
        if letter is None:
            letter = self._texts.plain(
                "letter-greeting", name=appeal.full_name, text=plain_of(text)
            )
        task = await SqlAppealTasks(self._uow).add(
            appeal.id, channel.value, at=self._clock.now(), kind=kind, text=letter, contact=contact
        )
        await self.task_created(appeal, task)
        if answer and appeal.user_id is not None:
            # Sent by post, e-mail or phone; the chat gets a note.
            self.consumer(
                appeal.user_id,
                self._texts.get(
                    "consumer-answer-elsewhere",
                    number=appeal.number,
                    channel=self._texts.get(f"appeal-channel-{channel.value}").lower(),
                ),
            )
        return task

    def _survey_in_chat(self, appeal: Appeal) -> None:
        assert appeal.id is not None
        assert appeal.user_id is not None
        self.consumer(
            appeal.user_id,
            self._texts.get("survey-ask-rating", number=appeal.number),
            survey_markup(appeal.id, self._texts),
        )

    async def relay_to_consumer(self, appeal: Appeal, ref: MessageRef) -> None:
        if appeal.user_id is None:
            return
        self._queue(
            appeal.user_id,
            "copy_message",
            {
                "from_chat_id": ref.chat_id,
                "message_id": ref.message_id,
                "caption": self._texts.get("consumer-file", number=appeal.number),
            },
            urgent=True,
            appeal_id=appeal.id,
            purpose=ConsumerMessage.FILE.value,
        )

    async def survey_updated(self, appeal: Appeal) -> None:
        assert appeal.id is not None
        self.staff(appeal.id, "edit")
        self.staff(
            appeal.id,
            "post",
            text=self._texts.get(
                "staff-survey",
                number=appeal.number,
                rating=appeal.rating or 0,
                resolved="unknown"
                if appeal.resolved is None
                else ("yes" if appeal.resolved else "no"),
                comment=appeal.survey_comment or NONE,
            ),
        )

    async def task_created(self, appeal: Appeal, task: AppealTask) -> None:
        """The task in the thread: what to send, where, and the «Выполнено» button; an
        e-mail is queued for the bot to send when SMTP is set. The card, edited for the
        event that made the task, renders at send time and lists it."""
        assert appeal.id is not None
        auto = self._email and task.channel == AnswerChannel.EMAIL.value
        if auto:
            self._queue(
                EMAIL_QUEUE,
                EMAIL_METHOD,
                {
                    "to": task.contact,
                    "subject": self._texts.plain(
                        "email-notice-subject", number=appeal.number, kind=task.kind or ""
                    ),
                    "body": task.text,
                    "appeal_id": appeal.id,
                    "task_id": task.id,
                },
                urgent=True,
            )
        self.staff(
            appeal.id,
            "post",
            text=self._texts.get(
                "staff-notice-task",
                number=appeal.number,
                what=self._texts.plain("notice-kind", kind=task.kind or ""),
                channel="email-auto" if auto else task.channel,
                contact=task.contact or NONE,
                name=appeal.full_name,
                text=task.text,
            ),
            reply_markup=_done_button(self._texts, appeal.id, task.id),
        )

    async def task_done(self, appeal: Appeal, task: AppealTask, by: StaffMember) -> None:
        assert appeal.id is not None
        if task.channel == UNDELIVERED_TASK:
            self.staff(
                appeal.id,
                "post",
                text=self._texts.get(
                    "staff-task-undelivered-done", number=appeal.number, who=by.display_name
                ),
            )
            self.staff(appeal.id, "edit")  # the card's mark goes with the last such task
            return
        self.staff(
            appeal.id,
            "post",
            text=self._texts.get(
                "staff-task-done",
                number=appeal.number,
                what=self._texts.plain("notice-kind", kind=task.kind or ""),
                who=by.display_name,
                channel=self._texts.get(f"appeal-channel-{task.channel}").lower(),
            ),
        )
        self.staff(appeal.id, "edit")  # the card shows the task done
        if task.kind == ConsumerMessage.ANSWER.value and appeal.user_id is not None:
            # The answer went by post, e-mail or phone to someone who writes to the bot:
            # the survey now that it is on its way.
            self._survey_in_chat(appeal)

    async def email_failed(self, appeal: Appeal, task: AppealTask, *, final: bool) -> None:
        """An e-mail the bot could not send: the card shows the tries; when the bot gives
        up, the thread says so and the task waits for staff, with its button."""
        assert appeal.id is not None
        self.staff(appeal.id, "edit")
        if final:
            self.staff(
                appeal.id,
                "post",
                urgent=True,
                text=self._texts.get(
                    "staff-email-failed",
                    number=appeal.number,
                    contact=task.contact or NONE,
                    reason=task.error or "",
                ),
                reply_markup=_done_button(self._texts, appeal.id, task.id),
            )

    async def undelivered(
        self, appeal: Appeal, task: AppealTask, *, message: ConsumerMessage, why: Undelivery
    ) -> None:
        assert appeal.id is not None
        contact = "" if appeal.answer_channel is AnswerChannel.CHAT else appeal.contact
        self.staff(
            appeal.id,
            "post",
            urgent=True,
            text=self._texts.get(
                "staff-undelivered",
                number=appeal.number,
                action=message.value,
                reason=why.value,
                name=appeal.full_name,
                address=appeal.address or NONE,
                account=appeal.account_number or NONE,
                contact=contact or NONE,
            ),
            reply_markup=_done_button(self._texts, appeal.id, task.id),
        )
        self.staff(appeal.id, "edit", urgent=True)


def _done_button(texts: Texts, appeal_id: int, task_id: int) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [
                {
                    "text": texts.plain("staff-button-task-done"),
                    "callback_data": StaffCb(
                        action="task", appeal=appeal_id, value=task_id
                    ).pack(),
                }
            ]
        ]
    }
