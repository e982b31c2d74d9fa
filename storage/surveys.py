"""How the satisfaction survey was offered after each answer (domain/surveys.py), and the
satisfaction figures split by it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from domain.appeals import AppealId
from domain.surveys import SurveyFigure, SurveyMode
from storage.models import AppealRow, AppealSurveyRow
from storage.uow import UnitOfWork
from storage.upsert import upsert


class SqlSurveys:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def offered(self, appeal_id: AppealId, mode: SurveyMode, *, at: datetime) -> None:
        """The survey after the appeal's answer went this way (a later answer, after a
        reopening, replaces it)."""
        await self._uow.session.execute(
            upsert(
                self._uow.session.bind.dialect.name,
                AppealSurveyRow,
                ("appeal_id",),
                ("mode", "at"),
            ),
            {"appeal_id": appeal_id, "mode": mode.value, "at": at},
        )
        self._uow.mark_written()

    async def rated_by_staff(
        self, appeal_id: AppealId, via: str, *, mode: SurveyMode, at: datetime
    ) -> None:
        """A rating given by phone, letter or e-mail and entered by staff came by `via`
        (`mode` and `at` only for an answer whose survey was not recorded)."""
        await self._uow.session.execute(
            upsert(
                self._uow.session.bind.dialect.name,
                AppealSurveyRow,
                ("appeal_id",),
                ("rated_via",),
            ),
            {"appeal_id": appeal_id, "mode": mode.value, "at": at, "rated_via": via},
        )
        self._uow.mark_written()

    async def mode(self, appeal_id: AppealId) -> SurveyMode | None:
        found = await self._uow.session.scalar(
            select(AppealSurveyRow.mode).where(AppealSurveyRow.appeal_id == appeal_id)
        )
        return SurveyMode(found) if found is not None else None

    async def figures(self, since: datetime, until: datetime) -> list[SurveyFigure]:
        """Answers given in [since, until) by how their survey went: how many, how many
        rated, the mean rating, how many said the question is resolved. Every mode is
        listed, with zeros when nothing went that way."""
        rated = AppealRow.rating.is_not(None)
        rows = await self._uow.session.execute(
            select(
                AppealSurveyRow.mode,
                func.count(),
                func.sum(case((rated, 1), else_=0)),
                func.avg(AppealRow.rating),
                func.sum(case((AppealRow.resolved.is_(True), 1), else_=0)),
                func.sum(case((AppealSurveyRow.rated_via.is_not(None), 1), else_=0)),
            )
            .join(AppealRow, AppealRow.id == AppealSurveyRow.appeal_id)
            .where(AppealSurveyRow.at >= since, AppealSurveyRow.at < until)
            .group_by(AppealSurveyRow.mode)
        )
        by_mode = {str(row[0]): row for row in rows}
        figures = []
        for mode in SurveyMode:
            row = by_mode.get(mode.value)
            if row is None:
                figures.append(SurveyFigure(mode, 0, 0, None, 0, 0))
                continue
            mean = float(row[3]) if row[3] is not None else None
            figures.append(
                SurveyFigure(
                    mode, int(row[1]), int(row[2] or 0), mean, int(row[4] or 0), int(row[5] or 0)
                )
            )
        return figures
