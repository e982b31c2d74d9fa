"""Reports: which monthly reports were posted to the staff chat (posted once per month)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class ReportPostingRow(Base):
    """A monthly report queued to the staff chat: the month (`2026-11`) is the key, so a
    second run of the job on the same day, or on another worker, posts nothing."""

    __tablename__ = "report_postings"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())
