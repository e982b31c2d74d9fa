"""One checker of what Telegram refuses in a single Bot API request, for the whole chaos
suite: the in-process hostile run (`TelegramMethod` objects), the kill trials (the
emulator's call log) and the fault injection (the form fields the fake Bot API received).

    breaches = check_request("sendMessage", {"chat_id": "1", "text": "", "parse_mode": "HTML"})
    # [Breach(method="sendMessage", rule="text-empty", detail="...")]

It works on the request as it goes over the wire: a mapping of field name to value, nested
objects (reply_markup) either as JSON strings (form data, as aiogram sends them) or already
decoded; `wire_params` turns an aiogram method into that form, resolving the bot's defaults
(`parse_mode=HTML`) exactly as aiogram's session does.

The rules (https://core.telegram.org/bots/api, and what the server answers 400 to):
- a message text is 1–4096 characters after entity parsing, and not blank ("message text is
  empty"); a caption at most 1024 (`TEXT_MAX`, `CAPTION_MAX`). Characters are Unicode code
  points, as tdlib counts them ("characters after entities parsing");
- with `parse_mode=HTML` the markup must parse the way tdlib's parser does: only Telegram's
  tags (b, strong, i, em, u, ins, s, strike, del, span class="tg-spoiler", tg-spoiler, a,
  tg-emoji, code, pre, blockquote), properly nested and closed; a `<` that does not open or
  close one of them is an error ("Unsupported start tag", "Can't find end tag"). A bare `&`
  or `>` is kept as text by tdlib, so it is not counted;
- an inline keyboard has at most 100 buttons and at most 8 in a row; every button has a
  non-blank text and exactly one action; `callback_data` is 1–64 bytes of UTF-8; a reply
  keyboard's buttons have a non-blank text;
- answerCallbackQuery: a text of at most 200 characters;
- createForumTopic / editForumTopic: a name of 1–128 characters (editForumTopic: 0–128);
- setMyCommands: at most 100 commands, each 1–32 characters of [a-z0-9_], with a description
  of 1–256 characters;
- every method that targets a chat names it (`chat_id`).
Rate limits (1 a second per chat, 20 a minute per group, 30 a second overall) are about
time, not one request: tests/notifier/limits.py and the fake Bot APIs judge them.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX_BYTES = 64
INLINE_BUTTONS_MAX = 100
INLINE_ROW_MAX = 8
CALLBACK_ANSWER_MAX = 200
TOPIC_NAME_MAX = 128
COMMANDS_MAX = 100
COMMAND_DESCRIPTION_MAX = 256

_TEXT_METHODS = frozenset({"sendMessage", "editMessageText"})
_CAPTION_METHODS = frozenset(
    {
        "sendPhoto",
        "sendDocument",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "copyMessage",
        "editMessageCaption",
    }
)
_CHAT_METHODS = (
    _TEXT_METHODS
    | _CAPTION_METHODS
    | {
        "sendChatAction",
        "createForumTopic",
        "editForumTopic",
        "closeForumTopic",
        "reopenForumTopic",
        "deleteForumTopic",
        "deleteMessage",
        "editMessageReplyMarkup",
        "getChat",
        "getChatMember",
    }
)
_INLINE_MESSAGE_METHODS = frozenset(
    {"editMessageText", "editMessageCaption", "editMessageReplyMarkup"}
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
# Telegram's HTML tags (https://core.telegram.org/bots/api#html-style).
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_TAG_NAME_RE = re.compile(r"[A-Za-z0-9-]*")


@dataclass(frozen=True, slots=True)
class Breach:
    """One thing Telegram would refuse: `rule` names it (`text-too-long` ...)."""

    method: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.method}: {self.rule} ({self.detail})"


def wire_params(bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any]:
    """The request's fields as aiogram's HTTP session sends them: defaults resolved, nested
    objects as JSON strings, empty values left out (`AiohttpSession.build_form_data`)."""
    files: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for key, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files)
        if prepared:
            params[key] = prepared
    return params


def check_method(bot: Bot, method: TelegramMethod[Any]) -> list[Breach]:
    """`check_request` for an aiogram method object."""
    return check_request(method.__api_method__, wire_params(bot, method))


def check_request(method: str, params: Mapping[str, Any]) -> list[Breach]:
    """Everything in one request that Telegram would refuse (empty when it is fine)."""
    breaches: list[Breach] = []

    def breach(rule: str, detail: str) -> None:
        breaches.append(Breach(method, rule, detail))

    inline = method in _INLINE_MESSAGE_METHODS and params.get("inline_message_id")
    if method in _CHAT_METHODS and _absent(params.get("chat_id")) and not inline:
        breach("chat-id-missing", "no chat_id")
    # A default resolved by aiogram is the ParseMode enum; on the wire it is its value.
    mode = params.get("parse_mode") or ""
    parse_mode = str(getattr(mode, "value", mode))
    if method in _TEXT_METHODS:
        _check_text(breach, "text", params.get("text"), parse_mode, minimum=1, maximum=TEXT_MAX)
    if method in _CAPTION_METHODS and not _absent(params.get("caption")):
        _check_text(
            breach, "caption", params.get("caption"), parse_mode, minimum=0, maximum=CAPTION_MAX
        )
    markup = _decoded(params.get("reply_markup"))
    if markup is not None:
        _check_markup(breach, markup)
    if method == "answerCallbackQuery":
        text = str(params.get("text") or "")
        if len(text) > CALLBACK_ANSWER_MAX:
            breach("callback-answer-too-long", f"{len(text)} > {CALLBACK_ANSWER_MAX}")
    if method in {"createForumTopic", "editForumTopic"}:
        name = params.get("name")
        length = 0 if name is None else len(str(name))
        minimum = 1 if method == "createForumTopic" else 0
        if not minimum <= length <= TOPIC_NAME_MAX:
            breach("topic-name-length", f"{length} not in {minimum}..{TOPIC_NAME_MAX}")
    if method == "setMyCommands":
        _check_commands(breach, _decoded(params.get("commands")))
    return breaches


# -- text ------------------------------------------------------------------------------------


def _absent(value: Any) -> bool:
    return value is None or value == ""


def _decoded(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _check_text(
    breach: Any, field: str, value: Any, parse_mode: str, *, minimum: int, maximum: int
) -> None:
    raw = "" if value is None else str(value)
    if parse_mode.upper() == "HTML":
        plain, error = parse_html(raw)
        if error is not None:
            breach(f"{field}-html", error)
            return
    else:
        plain = raw
    length = len(plain)
    if length > maximum:
        breach(f"{field}-too-long", f"{length} characters > {maximum}")
    if minimum and not plain.strip():
        breach(f"{field}-empty", "blank after entity parsing")


def parse_html(text: str) -> tuple[str, str | None]:
    """The text as Telegram shows it, and None; or the parse error Telegram would answer.
    Follows tdlib's `parse_html`: tags are checked and balanced, entities decoded (an
    unknown `&...;` stays as it is)."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if char == "&":
            end = text.find(";", i + 1, i + 12)
            if end != -1:
                decoded = html.unescape(text[i : end + 1])
                if decoded != text[i : end + 1]:
                    out.append(decoded)
                    i = end + 1
                    continue
            out.append(char)
            i += 1
            continue
        if char != "<":
            out.append(char)
            i += 1
            continue
        closing = text.startswith("</", i)
        start = i + (2 if closing else 1)
        name_match = _TAG_NAME_RE.match(text, start)
        name = (name_match.group(0) if name_match else "").lower()
        end = text.find(">", start)
        if end == -1:
            return "", f"unclosed tag at character {i}"
        if closing:
            if not stack:
                return "", f"unexpected end tag </{name}> at character {i}"
            if stack[-1] != name:
                return "", f"end tag </{name}> does not close <{stack[-1]}> at character {i}"
            stack.pop()
        else:
            if name not in _HTML_TAGS:
                return "", f"unsupported start tag <{name or text[start : start + 5]}>"
            if not text[start + len(name) : end].strip().endswith("/"):
                stack.append(name)
        i = end + 1
    if stack:
        return "", f"can't find end tag for <{stack[-1]}>"
    return "".join(out), None


# -- keyboards and commands ---------------------------------------------------------------------


def _check_markup(breach: Any, markup: Any) -> None:
    if not isinstance(markup, dict):
        breach("markup-invalid", f"reply_markup is {type(markup).__name__}")
        return
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list):
            breach("markup-invalid", "inline_keyboard is not a list")
            return
        count = sum(len(row) for row in rows if isinstance(row, list))
        if count > INLINE_BUTTONS_MAX:
            breach("too-many-buttons", f"{count} > {INLINE_BUTTONS_MAX}")
        for row in rows:
            if not isinstance(row, list):
                breach("markup-invalid", "a row is not a list")
                continue
            if len(row) > INLINE_ROW_MAX:
                breach("row-too-long", f"{len(row)} buttons > {INLINE_ROW_MAX}")
            for button in row:
                _check_inline_button(breach, button)
    if "keyboard" in markup:
        rows = markup["keyboard"]
        for row in rows if isinstance(rows, list) else []:
            for button in row if isinstance(row, list) else []:
                text = button.get("text") if isinstance(button, dict) else button
                if not str(text or "").strip():
                    breach("button-text-empty", "a reply keyboard button without text")


def _check_inline_button(breach: Any, button: Any) -> None:
    if not isinstance(button, dict):
        breach("markup-invalid", "a button is not an object")
        return
    if not str(button.get("text") or "").strip():
        breach("button-text-empty", "an inline button without text")
    actions = [key for key in _BUTTON_ACTIONS if key in button]
    if len(actions) != 1:
        breach("button-action", f"{len(actions)} actions: {sorted(actions)}")
    if "callback_data" in button:
        size = len(str(button["callback_data"]).encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            breach("callback-data-size", f"{size} bytes not in 1..{CALLBACK_DATA_MAX_BYTES}")


def _check_commands(breach: Any, commands: Any) -> None:
    if not isinstance(commands, list):
        breach("commands-invalid", "commands is not a list")
        return
    if len(commands) > COMMANDS_MAX:
        breach("too-many-commands", f"{len(commands)} > {COMMANDS_MAX}")
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        description = str(command.get("description", "")) if isinstance(command, dict) else ""
        if not _COMMAND_RE.match(name):
            breach("command-name", repr(name))
        if not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
            breach("command-description", f"{len(description)} characters")
