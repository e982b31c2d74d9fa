"""A dialog as a declared table of steps over typed state.

Each multi-step flow declares its steps once: the FSM state (its name is persisted with the
person's place, so it never changes), the question it asks, and the order of the steps, which
may depend on what was entered (the ПП 55 fields only for a quality complaint). What was
entered is a pydantic model stored as the FSM data (JSON with the same keys as the earlier
hand-kept dicts, so a dialog stored before a deploy goes on after it). Input handlers stay
ordinary aiogram handlers: they validate, change the model, then `advance`, `back` or `ask`.

Guaranteed: a step's question is asked only after its state and data are set (the dialog's
place is stored with the update's other effects, storage/fsm.py); `ask_current` asks the
current step's question again, whichever step it is (handlers/resume.py after a restart).
Not added: any query. Loading and saving the model read and write the FSM data the step
already touched; the database write is still the one at the update's commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Self, TypeVar

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from pydantic import BaseModel, ConfigDict

from app.services import Services
from core.config import AppConfig
from core.texts import Texts
from domain.drafts import new_draft_token
from handlers.keyboards import main_menu


class DialogState(BaseModel):
    """What a dialog has been told so far. Keys unknown to the model (from an older version)
    are dropped; every field has a default, so an empty FSM data is a fresh dialog."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    async def load(cls, fsm: FSMContext) -> Self:
        return cls.model_validate(await fsm.get_data())

    async def save(self, fsm: FSMContext) -> None:
        await fsm.set_data(self.model_dump(mode="json"))


class DraftState(DialogState):
    """The state of a dialog that ends with a final button carrying the draft's token
    (domain/drafts.py): a press after the record was stored finds it."""

    token: str | None = None

    async def draft_token(self, fsm: FSMContext) -> str:
        """The draft's token, made (and stored) when the final step is first shown."""
        if not self.token:
            self.token = new_draft_token()
            await self.save(fsm)
        return self.token


class SummaryState(DraftState):
    """The state of a dialog whose summary lets each field be edited: `editing` while one is."""

    editing: bool = False


S = TypeVar("S", bound=DialogState)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None


@dataclass(slots=True)
class Turn:
    """One update's view of a dialog: where to answer and what to answer with."""

    message: Message
    fsm: FSMContext
    services: Services
    texts: Texts
    config: AppConfig

    async def say(self, text: str, markup: Markup = None) -> None:
        await self.message.answer(text, reply_markup=markup)

    async def leave(self) -> None:
        """Out of the dialog, nothing kept: «Отменено», the main menu."""
        await self.fsm.clear()
        await self.say(self.texts.get("cancel-done"), main_menu(self.texts))


Asker = Callable[[Turn, S], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Step(Generic[S]):
    """One step: its state, the question (which may also save the model, e.g. a draft token),
    and — for a step an edit from the summary can open — whether it still needs an answer."""

    state: State
    ask: Asker[S]
    unanswered: Callable[[S], bool] | None = None


class StepTable(Generic[S]):
    """The steps of one dialog and how to move between them.

    `order(data)` lists the steps a person goes through with what they entered so far.
    `previous` (default: the step before in `order`) may be given for a dialog whose way back
    is not the way forward (readings go back zone by zone). With `summary`, a SummaryState
    that is `editing` returns to the summary after the edited step, unless the next step is one
    the edit opened (`Step.unanswered`). `resume_as` maps a step whose question cannot be
    repeated to the one to ask again. `recover` handles the errors in `recoverable` raised
    while asking (an account unlinked mid-dialog)."""

    def __init__(
        self,
        *,
        model: type[S],
        steps: Sequence[Step[S]],
        order: Callable[[S], Sequence[State]],
        summary: State | None = None,
        previous: Callable[[State, S], State | None] | None = None,
        resume_as: Mapping[State, State] | None = None,
        recoverable: tuple[type[Exception], ...] = (),
        recover: Callable[[Turn, Exception], Awaitable[None]] | None = None,
    ) -> None:
        self.model = model
        self.steps = {step.state: step for step in steps}
        self._by_name = {step.state.state: step.state for step in steps}
        self.order = order
        self.summary = summary
        self._previous = previous
        self._resume_as = dict(resume_as or {})
        self._recoverable = recoverable
        self._recover = recover

    @property
    def states(self) -> tuple[State, ...]:
        return tuple(self.steps)

    def state_of(self, name: str | None) -> State | None:
        return self._by_name.get(name) if name is not None else None

    async def load(self, fsm: FSMContext) -> S:
        return await self.model.load(fsm)

    async def ask(self, turn: Turn, step: State, data: S) -> None:
        """Move to `step` with `data` and ask its question."""
        await turn.fsm.set_state(step)
        await data.save(turn.fsm)
        await self.steps[step].ask(turn, data)

    async def guarded(self, turn: Turn, action: Awaitable[None]) -> None:
        """Run a move, handing the dialog's recoverable errors to its `recover`."""
        try:
            await action
        except self._recoverable as error:
            assert self._recover is not None
            await self._recover(turn, error)

    async def ask_current(self, turn: Turn) -> None:
        """Ask the current step's question again (the entry point handlers/resume.py uses)."""
        current = self.state_of(await turn.fsm.get_state())
        data = await self.load(turn.fsm)
        step = self._resume_as.get(current, current) if current is not None else None
        await self.guarded(turn, self.ask(turn, step or self.order(data)[0], data))

    def following(self, current: State, data: S) -> State:
        order = list(self.order(data))
        if current in order and order.index(current) + 1 < len(order):
            return order[order.index(current) + 1]
        return self.summary or order[-1]

    def preceding(self, current: State, data: S) -> State | None:
        if self._previous is not None:
            return self._previous(current, data)
        order = list(self.order(data))
        position = order.index(current) if current in order else 0
        return order[position - 1] if position > 0 else None

    async def advance(self, turn: Turn, current: State, data: S) -> None:
        """`current` is answered (its value in `data`): ask the next step."""
        following = self.following(current, data)
        editing = isinstance(data, SummaryState) and data.editing
        if self.summary is not None and editing and current != self.order(data)[0]:
            step = self.steps.get(following)
            opened = step is not None and step.unanswered is not None and step.unanswered(data)
            if not opened:
                # Editing from the summary: one field, then back to the summary.
                _stop_editing(data)
                following = self.summary
        await self.guarded(turn, self.ask(turn, following, data))

    async def back(self, turn: Turn) -> None:
        """«⬅️ Назад»: the step before, or out of the dialog from the first."""
        current = self.state_of(await turn.fsm.get_state())
        data = await self.load(turn.fsm)
        previous = self.preceding(current, data) if current is not None else None
        if previous is None:
            await turn.leave()
            return
        _stop_editing(data)
        await self.guarded(turn, self.ask(turn, previous, data))


def _stop_editing(data: DialogState) -> None:
    if isinstance(data, SummaryState):
        data.editing = False
