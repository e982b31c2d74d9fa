"""Personal data's own records: the text of every consent version people were asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UtcDateTime


class ConsentTextRow(Base):
    """The text a consent version had when people were first asked it (152-ФЗ ст. 9 ч. 3:
    the operator proves what was consented to). Never changed: a new text is a new version."""

    __tablename__ = "consent_texts"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the body, hex
    archived_at: Mapped[datetime] = mapped_column(UtcDateTime())
