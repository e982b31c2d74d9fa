"""A local SMTP server for tests of e-mails the bot sends (aiosmtpd): what arrived, or a
refusal of every recipient."""

from __future__ import annotations

import email
import email.message
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self) -> None:
        # (sender, recipients, "Subject\nbody") of every e-mail accepted.
        self.messages: list[tuple[str, list[str], str]] = []
        self.refuse = False  # answer every recipient with 550

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        body = parsed.get_body()
        assert body is not None
        text = f"{parsed['Subject']}\n{body.get_content()}"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), text))
        return "250 OK"


@contextmanager
def mail_server() -> Iterator[tuple[Inbox, int]]:
    """A running SMTP server on a free loopback port: its inbox and the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield inbox, port
    finally:
        server.stop()
