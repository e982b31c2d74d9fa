"""Python side of the end-to-end harness.

* :class:`Emulator` runs the Telegram Bot API emulator (``emulator/server.js``) as a Node
  subprocess on a free loopback port.
* :class:`EmulatorUser` plays a Telegram user against it: sends text, commands, photos and
  button presses, and waits for the bot's messages. With ``chat=GroupChat(...)`` it acts in a
  group (e.g. a staff supergroup): replies to bot messages, topic messages, ``/cmd@bot``.
* :class:`BotProcess` runs the bot under test as a subprocess (start, crash with SIGKILL,
  graceful stop) and captures its output in a log file.

Emulator facts the helpers rely on: the user-side ``/getUpdates`` marks messages read (so each
bot message is received once; an edit makes it unread again, see ``server.js``) and returns
``chat_id`` as a string; all storage is keyed by bot token, so a unique token per test isolates
tests sharing one emulator (the chat, membership and topic settings too, when they are given the
token, as the :class:`EmulatorUser` helpers always do).
"""

from __future__ import annotations

from tests.e2e.client.bot_process import BotProcess
from tests.e2e.client.connection import ChatConnection
from tests.e2e.client.emulator import (
    EMULATOR_DIR,
    NODE_MODULES,
    SERVER_JS,
    Emulator,
    node_executable,
)
from tests.e2e.client.messages import (
    BotMessage,
    EmulatorError,
    GroupChat,
    InlineButton,
    JsonDict,
    MessageRef,
    Predicate,
    WaitTimeoutError,
)
from tests.e2e.client.user import EmulatorUser

__all__ = [
    "EMULATOR_DIR",
    "NODE_MODULES",
    "SERVER_JS",
    "BotMessage",
    "BotProcess",
    "ChatConnection",
    "Emulator",
    "EmulatorError",
    "EmulatorUser",
    "GroupChat",
    "InlineButton",
    "JsonDict",
    "MessageRef",
    "Predicate",
    "WaitTimeoutError",
    "node_executable",
]
