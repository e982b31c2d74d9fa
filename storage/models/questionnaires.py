"""Periodic questionnaires (regulation §19.17–19.18): the questionnaire, its questions, and
one answer per person per question (unique: a second press of a button changes nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.questionnaires import FREE_TEXT_MAX, QUESTION_MAX, TITLE_MAX
from storage.models.base import Base, UtcDateTime


class QuestionnaireRow(Base):
    __tablename__ = "questionnaires"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    # draft -> sent -> closed; or a draft cancelled (domain/questionnaires.py)
    status: Mapped[str] = mapped_column(String(16), index=True)
    topic: Mapped[str | None] = mapped_column(String(32))  # chosen before it is sent
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class QuestionRow(Base):
    __tablename__ = "questionnaire_questions"

    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))  # scale | yes_no | choice | free_text
    text: Mapped[str] = mapped_column(String(QUESTION_MAX))
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)


class QuestionnaireAnswerRow(Base):
    """One person's answer to one question: a button's value, or a free text."""

    __tablename__ = "questionnaire_answers"
    __table_args__ = (UniqueConstraint("questionnaire_id", "position", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(String(FREE_TEXT_MAX))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime())
