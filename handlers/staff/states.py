"""What a staff member is asked to type or choose next in the staff chat."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class StaffInput(StatesGroup):
    question = State()
    answer = State()
    confirm_answer = State()
    extend = State()
    forward = State()
    repeat_number = State()
    choose = State()
    choose_file = State()


class StaffProfile(StatesGroup):
    """The profile dialog (handlers/staff/profile.py): the signature's fields, one a step."""

    full_name = State()
    position = State()
    phone = State()
    email = State()


# A card button or a command that asks for a text: the state that waits for it, the prompt.
PROMPTS: dict[str, tuple[State, str]] = {
    "ask": (StaffInput.question, "staff-prompt-ask"),
    "answer": (StaffInput.answer, "staff-prompt-answer"),
    "extend": (StaffInput.extend, "staff-prompt-extend"),
    "forward": (StaffInput.forward, "staff-prompt-forward"),
}
