"""The text of a notice sent outside Telegram — a letter, a call, an e-mail (59-ФЗ ст. 8
ч. 3, ст. 11, ст. 12 ч. 2; §17.6): the same words the chat would get, in plain text, with a
greeting; where the chat's words speak of its buttons (a clarifying question, "see «Мои
обращения»"), words of their own. The task in the thread holds this text in full, and the
bot e-mails exactly it."""

from __future__ import annotations

import html
import re

from core.texts import Texts
from domain.appeals import Appeal, AppealAction, AppealEvent, RejectionGround
from domain.delivery import ConsumerMessage
from domain.surveys import SurveyMode
from notifier.staff_render import signature

_TAG = re.compile(r"<[^>]+>")


def plain_of(chat_text: str) -> str:
    """A chat text (HTML parse mode, every value escaped by Texts.get) as plain text."""
    return html.unescape(_TAG.sub("", chat_text))


def letter_for(
    appeal: Appeal, event: AppealEvent, chat_text: str, texts: Texts, *, survey: SurveyMode
) -> str:
    """The full text to send for the notice `event` made (`chat_text`: what the chat gets)."""
    name = appeal.full_name
    if event.action is AppealAction.ANSWER:
        body = texts.plain(
            "email-answer-body",
            name=name,
            number=appeal.number,
            answer=appeal.answer_text or "",
            signature=signature(event, texts, plain=True),
        )
        if survey is SurveyMode.EMAIL:
            body += "\n\n" + texts.plain("letter-survey-email", number=appeal.number)
        elif survey is SurveyMode.NEXT_CONTACT:
            body += "\n\n" + texts.plain("letter-survey-call")
        return body
    if event.action is AppealAction.REQUEST_CLARIFICATION:
        text = texts.plain(
            "letter-clarification",
            number=appeal.number,
            question=event.reason,
            channel=appeal.answer_channel.value,
        )
    elif (
        event.action is AppealAction.REJECT
        and appeal.rejection_ground is RejectionGround.REPEAT_WITHOUT_NEW_ARGUMENTS
    ):
        text = texts.plain("letter-rejected-repeat", number=appeal.number)
    else:
        text = plain_of(chat_text)
    return texts.plain("letter-greeting", name=name, text=text)


def is_consumer_message(kind: str) -> ConsumerMessage | None:
    try:
        return ConsumerMessage(kind)
    except ValueError:
        return None
