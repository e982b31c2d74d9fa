"""The suite's one checker of Telegram's limits refuses what Telegram refuses, and only that."""

from __future__ import annotations

import json

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from tests.chaos.telegram_limits import check_method, check_request, parse_html


def _rules(method: str, **params: object) -> list[str]:
    wire = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
    return [breach.rule for breach in check_request(method, wire)]


def _keyboard(*rows: list[dict[str, str]]) -> dict[str, object]:
    return {"inline_keyboard": list(rows)}


def test_a_text_of_4096_characters_passes_and_4097_does_not() -> None:
    assert _rules("sendMessage", chat_id="1", text="я" * 4096) == []
    assert _rules("sendMessage", chat_id="1", text="я" * 4097) == ["text-too-long"]


def test_the_length_is_counted_after_html_parsing() -> None:
    text = "<b>" + "я" * 4090 + "</b> &amp;&lt;"
    assert _rules("sendMessage", chat_id="1", text=text, parse_mode="HTML") == []
    assert _rules("sendMessage", chat_id="1", text=text) == ["text-too-long"]


def test_a_blank_or_missing_text_is_refused() -> None:
    assert _rules("sendMessage", chat_id="1", text=" \n ") == ["text-empty"]
    assert _rules("sendMessage", chat_id="1") == ["text-empty"]
    assert _rules("sendMessage", chat_id="1", text="<b> </b>", parse_mode="HTML") == ["text-empty"]


@pytest.mark.parametrize(
    "text",
    ["a < b", "<b>bold", "<b><i>x</b></i>", "</b>", "<script>x</script>", "<br>"],
)
def test_html_that_telegram_cannot_parse_is_refused(text: str) -> None:
    assert _rules("sendMessage", chat_id="1", text=text, parse_mode="HTML") == ["text-html"]


@pytest.mark.parametrize(
    "text",
    ['<a href="https://x.ru/?a=1&b=2">x</a>', "a & b > c", "&unknown; &#128512;", "<b>ж</b>"],
)
def test_html_that_telegram_accepts_passes(text: str) -> None:
    assert _rules("sendMessage", chat_id="1", text=text, parse_mode="HTML") == []


def test_entities_are_decoded() -> None:
    assert parse_html("&lt;b&gt; &amp; &#1046;") == ("<b> & Ж", None)


def test_a_caption_over_1024_characters_is_refused() -> None:
    assert _rules("sendPhoto", chat_id="1", photo="id", caption="я" * 1024) == []
    assert _rules("sendPhoto", chat_id="1", photo="id", caption="я" * 1025) == ["caption-too-long"]


def test_callback_data_is_1_to_64_bytes_of_utf8() -> None:
    fits = _keyboard([{"text": "ok", "callback_data": "ж" * 32}])
    too_long = _keyboard([{"text": "ok", "callback_data": "ж" * 33}])
    assert _rules("sendMessage", chat_id="1", text="x", reply_markup=fits) == []
    assert _rules("sendMessage", chat_id="1", text="x", reply_markup=too_long) == [
        "callback-data-size"
    ]


def test_keyboards_keep_to_100_buttons_8_a_row_with_a_text_and_one_action() -> None:
    button = {"text": "a", "callback_data": "b"}
    wide = _keyboard([button] * 9)
    many = _keyboard(*([[button] * 5] * 21))
    blank = _keyboard([{"text": " ", "callback_data": "b"}])
    two_actions = _keyboard([{"text": "a", "callback_data": "b", "url": "https://x.ru"}])
    assert _rules("sendMessage", chat_id="1", text="x", reply_markup=wide) == ["row-too-long"]
    assert _rules("sendMessage", chat_id="1", text="x", reply_markup=many) == ["too-many-buttons"]
    assert _rules("sendMessage", chat_id="1", text="x", reply_markup=blank) == [
        "button-text-empty"
    ]
    assert _rules("sendMessage", chat_id="1", text="x", reply_markup=two_actions) == [
        "button-action"
    ]


def test_callback_answers_topic_names_and_commands_have_their_limits() -> None:
    assert _rules("answerCallbackQuery", callback_query_id="1", text="я" * 201) == [
        "callback-answer-too-long"
    ]
    assert _rules("createForumTopic", chat_id="-100", name="я" * 129) == ["topic-name-length"]
    assert _rules("createForumTopic", chat_id="-100", name="ВЭ-2026-000001") == []
    commands = [{"command": "Start", "description": "x"}, {"command": "ok", "description": ""}]
    assert _rules("setMyCommands", commands=commands) == [
        "command-name",
        "command-description",
    ]


def test_an_aiogram_method_is_judged_as_it_goes_over_the_wire() -> None:
    bot = Bot("42:TEST", default=DefaultBotProperties(parse_mode="HTML"))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="ok", callback_data="x" * 65)]]
    )
    call = SendMessage(chat_id=1, text="a < b", reply_markup=markup)
    assert [b.rule for b in check_method(bot, call)] == ["text-html", "callback-data-size"]
