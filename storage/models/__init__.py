"""Typed SQLAlchemy models. Only repositories see these; they return domain objects.

One module per area; every model is imported here, so `from storage.models import X` works
for each of them and `Base.metadata` (Alembic's target, storage/migrations/env.py) holds
every table."""

from __future__ import annotations

from storage.models.accounts import (
    AccountImportRow,
    AccountLinkRow,
    AccountRow,
    ConsentRow,
    LinkFailureRow,
    MeterRow,
    PersonRow,
    StagedAccountRow,
)
from storage.models.appeals import (
    AppealAttachmentRow,
    AppealEventRow,
    AppealIdentityRow,
    AppealJournalKeyRow,
    AppealRow,
    AppealSequenceRow,
    DeadlineMarkRow,
)
from storage.models.base import (
    NAMING,
    Base,
    UtcDateTime,
)
from storage.models.files import StoredFileLinkRow, StoredFileRow
from storage.models.notices import (
    NoticeDraftRow,
    NoticePreferenceRow,
    NoticeRecipientRow,
    NoticeRow,
    NoticeTargetRow,
    OutageRow,
    SubscriptionRow,
)
from storage.models.office import (
    BookingRow,
    BookingSlotRow,
    ReadingSubmissionRow,
    ReadingValueRow,
)
from storage.models.pdata import ConsentTextRow
from storage.models.questionnaires import (
    QuestionnaireAnswerRow,
    QuestionnaireRow,
    QuestionRow,
)
from storage.models.reports import ReportPostingRow
from storage.models.runtime import (
    DialogStateRow,
    OutboxRow,
    ProcessedUpdateRow,
    SubmittedDraftRow,
)
from storage.models.staff import (
    AppealSurveyRow,
    AppealTaskRow,
    AppealThreadRow,
    AppealTopicRow,
    DepartmentRow,
    StaffAuditRow,
    StaffMemberRow,
    StaffMessageRow,
    WebLoginRow,
    WebSessionRow,
)

__all__ = [
    "NAMING",
    "AccountImportRow",
    "AccountLinkRow",
    "AccountRow",
    "AppealAttachmentRow",
    "AppealEventRow",
    "AppealIdentityRow",
    "AppealJournalKeyRow",
    "AppealRow",
    "AppealSequenceRow",
    "AppealSurveyRow",
    "AppealTaskRow",
    "AppealThreadRow",
    "AppealTopicRow",
    "Base",
    "BookingRow",
    "BookingSlotRow",
    "ConsentRow",
    "ConsentTextRow",
    "DeadlineMarkRow",
    "DepartmentRow",
    "DialogStateRow",
    "LinkFailureRow",
    "MeterRow",
    "NoticeDraftRow",
    "NoticePreferenceRow",
    "NoticeRecipientRow",
    "NoticeRow",
    "NoticeTargetRow",
    "OutageRow",
    "OutboxRow",
    "PersonRow",
    "ProcessedUpdateRow",
    "QuestionRow",
    "QuestionnaireAnswerRow",
    "QuestionnaireRow",
    "ReadingSubmissionRow",
    "ReadingValueRow",
    "ReportPostingRow",
    "StaffAuditRow",
    "StaffMemberRow",
    "StaffMessageRow",
    "StagedAccountRow",
    "StoredFileLinkRow",
    "StoredFileRow",
    "SubmittedDraftRow",
    "SubscriptionRow",
    "UtcDateTime",
    "WebLoginRow",
    "WebSessionRow",
]
