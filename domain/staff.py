"""Staff of the reception (SPEC §3, §8; regulation §6.4, §15.3, §15.5): who may do what with
an appeal or a notice, and what an answer must carry about its executor.

Who is staff at all (a member of the staff chat, or a listed admin) is decided outside the
domain; here a member has a role, and a role allows a set of actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import DraftOfAnother, RoleRequired
from domain.limits import Field, check_length


class StaffRole(StrEnum):
    SPECIALIST = "specialist"
    HEAD = "head"  # §15.3: the head assigns appeals; 59-ФЗ ст. 12 ч. 2: extends the term
    ADMIN = "admin"  # settings: departments, profiles, roles


_RANK = {StaffRole.SPECIALIST: 0, StaffRole.HEAD: 1, StaffRole.ADMIN: 2}


class StaffAction(StrEnum):
    """Every staff action on an appeal or on the settings, as written to the audit log."""

    TAKE = "take"
    ASSIGN = "assign"
    ASK = "ask"  # request a clarification
    ANSWER = "answer"
    EXTEND = "extend"
    FORWARD = "forward"
    REJECT = "reject"
    CLOSE = "close"
    NOTE = "note"  # internal, never relayed
    RELAY = "relay"  # a file from the thread sent to the consumer
    TASK_DONE = "task_done"
    RATE = "rate"  # a rating the appellant gave by phone, letter or e-mail, entered
    MARK_ILLEGIBLE = "mark_illegible"  # the text cannot be read (59-ФЗ ст. 11 ч. 4)
    REGISTER = "register"  # an appeal received by phone, post or in person
    PROFILE = "profile"  # one's own profile
    SETTINGS = "settings"  # departments, other people's profiles and roles
    VIEW = "view"  # the card, the digest
    IDENTITY = "identity"  # a ПП 55 complainant's passport and birth data opened
    # Notices (SPEC §8), from the staff chat:
    NOTICE_IMPORT = "notice_import"  # a source file (debts, outages, ...): dry run, draft
    NOTICE_COMPOSE = "notice_compose"  # /notify: a one-off notice's draft
    NOTICE_CONFIRM = "notice_confirm"  # a draft scheduled or sent
    NOTICE_CANCEL = "notice_cancel"  # a draft dropped
    NOTICE_STOP = "notice_stop"  # a notice under way stopped
    OUTAGE_CLOSE = "outage_close"  # "power restored" to everyone the outage reached
    # Questionnaires (regulation §19.17-19.18):
    QUESTIONNAIRE_COMPOSE = "questionnaire_compose"  # a draft started or a question added
    QUESTIONNAIRE_SEND = "questionnaire_send"  # sent to a topic's subscribers
    QUESTIONNAIRE_CLOSE = "questionnaire_close"  # no more answers (or a draft dropped)
    REPORT = "report"  # the Order 186 report: the whole registry's figures (SPEC §9)
    MEASURES = "measures"  # register 4.9: measures taken or planned, the contract outcome
    # The web desk (docs/web.md): a session opened with a one-time link, and closed.
    WEB_LOGIN = "web_login"
    WEB_LOGOUT = "web_logout"
    CONTACTS = "contacts"  # the appellant's name and contact shown on the web desk on request


# The least role each action needs; everything else a specialist may do.
_NEEDS: dict[StaffAction, StaffRole] = {
    StaffAction.ASSIGN: StaffRole.HEAD,
    StaffAction.EXTEND: StaffRole.HEAD,
    # §5.2: documents leave the company only with the management's consent.
    StaffAction.FORWARD: StaffRole.HEAD,
    StaffAction.SETTINGS: StaffRole.ADMIN,
    # The registry's figures are the management's (§19.23: reviewed by the head).
    StaffAction.REPORT: StaffRole.HEAD,
}

# Mass notices reach every subscriber of a topic, everyone at an address or with a debt: the
# least role for them is the company's choice (the setting MASS_NOTICE_ROLE, head unless
# set), passed in as `notice_role`.
MASS_NOTICE_ACTIONS = frozenset(
    {
        StaffAction.NOTICE_IMPORT,
        StaffAction.NOTICE_COMPOSE,
        StaffAction.NOTICE_CONFIRM,
        StaffAction.NOTICE_STOP,
        StaffAction.OUTAGE_CLOSE,
        StaffAction.QUESTIONNAIRE_COMPOSE,
        StaffAction.QUESTIONNAIRE_SEND,
        StaffAction.QUESTIONNAIRE_CLOSE,
    }
)
DEFAULT_NOTICE_ROLE = StaffRole.HEAD


def role_at_least(role: StaffRole, needed: StaffRole) -> bool:
    return _RANK[role] >= _RANK[needed]


def needed_role(action: StaffAction, *, notice_role: StaffRole = DEFAULT_NOTICE_ROLE) -> StaffRole:
    if action in MASS_NOTICE_ACTIONS:
        return notice_role
    return _NEEDS.get(action, StaffRole.SPECIALIST)


def check_allowed(
    role: StaffRole, action: StaffAction, *, notice_role: StaffRole = DEFAULT_NOTICE_ROLE
) -> None:
    needed = needed_role(action, notice_role=notice_role)
    if not role_at_least(role, needed):
        raise RoleRequired(needed.value)


def check_identity_access(member: StaffMember, assignee_id: int | None) -> None:
    """152-ФЗ ст. 19 (access only for those who need it): the identity data of a ПП 55
    complaint is opened by the specialist the appeal is assigned to, who checks the consumer,
    and by a head or an admin; another specialist is refused."""
    if member.user_id != assignee_id and not role_at_least(member.role, StaffRole.HEAD):
        raise RoleRequired(StaffRole.HEAD.value)


def check_draft_decision(member: StaffMember, author_id: int) -> None:
    """A notice's draft is confirmed or cancelled by its author or by a head: nobody sends
    out what a colleague prepared without the colleague or a head deciding it."""
    if member.user_id != author_id and not role_at_least(member.role, StaffRole.HEAD):
        raise DraftOfAnother()


@dataclass(frozen=True, slots=True)
class Department:
    id: int | None
    name: str
    # §15.5: the official who signs the department's answers (domain/signature.py).
    head_user_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffMember:
    """A staff profile. `full_name`, `position`, `phone` and `email` sign every final answer
    (§15.5, domain/signature.py)."""

    user_id: int
    role: StaffRole = StaffRole.SPECIALIST
    full_name: str = ""
    position: str = ""
    phone: str = ""
    email: str = ""
    department_id: int | None = None

    def may(self, action: StaffAction) -> bool:
        return role_at_least(self.role, needed_role(action))

    @property
    def display_name(self) -> str:
        return self.full_name or f"id {self.user_id}"


def check_profile(member: StaffMember) -> None:
    """What a profile keeps fits the registry (domain/limits.py): TooLong names the field.
    The phone and the e-mail are checked for their form where they are typed."""
    check_length(Field.FULL_NAME, member.full_name)
    check_length(Field.POSITION, member.position)
    check_length(Field.PHONE, member.phone)
    check_length(Field.EMAIL, member.email)


def department_name(raw: str) -> str:
    """A department's name as staff typed it; TooLong over the limit."""
    return check_length(Field.DEPARTMENT, raw.strip())
