"""Telegram's sending limits as a pure schedule: when may the next message to a chat go.

Telegram asks bots to stay under about 30 messages a second overall, one a second per chat
and 20 a minute per group (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this);
we keep a margin (25/s overall, 19 a minute per group by default).

A group's minute is a budget, not an even spacing (issue 15): in any window of
`group_window` (60 s) at most `group_per_minute` messages go to a group. Two kinds of
message share it:
- interactive ones (a reply to a staff member's press or message: a prompt, a preview, an
  answer; the outbox's urgent rows) go at once while the window has room;
- bulk ones (new appeal cards in a surge, digests, alerts: everything else the outbox
  sends to a group) only take what is left after `group_reserve` slots are kept for
  interactive ones, and are spread evenly over the window (one every
  window / (per_minute - reserve), 4 s by default) rather than sent as a burst, so a
  surge arrives steadily and never stands between a staff member and the bot's reply.
Every chat, a group included, still gets at most one message per `per_chat_interval`.

Two questions are answered separately. `chat_earliest` is the chat's own schedule (its
interval since its last send and, for a group, its budget): the outbox sender skips a chat
that must wait and sends to other chats meanwhile. `earliest` adds what holds back every
chat (the global rate and a 429 pause): those waits are short, and the sender sleeps
through them.

With `global_burst` N and rate r, the sends go N in any window of N / r seconds; Telegram's
"30 in any second" then holds with a margin when r is a little under 30 and N divides 30
(or is 1: evenly spaced sends, what a broadcast at the cap wants). A send recorded up to
`global_slack` (default: a quarter of the spacing) after its turn is counted at its turn
(timer overshoot does not accumulate); the real sends can then come that much closer
together, once, not cumulatively.

The limiter assumes sends are recorded in time order (the outbox sender waits for
`earliest` and then sends), which is what keeps each check a look at the last few sends.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta

_FORGET_AFTER = timedelta(minutes=1)


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids in the Bot API."""
    return chat_id < 0


class RateLimiter:
    def __init__(
        self,
        global_per_second: float = 25.0,
        per_chat_interval: timedelta = timedelta(seconds=1),
        group_per_minute: int = 19,
        global_burst: int | None = None,
        global_slack: timedelta | None = None,
        group_reserve: int = 4,
        group_window: timedelta = timedelta(minutes=1),
    ) -> None:
        if global_per_second <= 0 or group_per_minute <= 0:
            raise ValueError("limits must be positive")
        if global_burst is not None and global_burst < 1:
            raise ValueError("global_burst must be positive")
        if not 0 <= group_reserve < group_per_minute:
            raise ValueError("group_reserve must leave bulk sends at least one slot")
        if group_window <= timedelta(0):
            raise ValueError("group_window must be positive")
        # N sends in any window of N / rate seconds: 25 per 1 s for the default. A smaller
        # burst spreads them evenly (1: one every 1 / rate seconds).
        self._global_count = global_burst or max(1, int(global_per_second))
        self._global_window = timedelta(seconds=self._global_count / global_per_second)
        # A send that starts this little after its turn (a timer's overshoot) counts as on
        # time, so that overshoots do not add up and lower the rate. By default a quarter of
        # the even spacing (8.5 ms at 29.4/s): on a busy machine a timer comes several ms
        # late, and 2 ms (the old default) lost 3-5 % of the rate at a 100 000-row backlog
        # (docs/performance-scale.md), while 31 evenly spaced sends still span
        # 30 x 34 ms - 8.5 ms = 1.01 s at 29.4/s, over Telegram's second.
        self._slack = (
            global_slack
            if global_slack is not None
            else self._global_window / self._global_count / 4
        )
        self._chat_interval = per_chat_interval
        self._group_limit = group_per_minute
        self._bulk_limit = group_per_minute - group_reserve
        self._group_window = group_window
        self._bulk_interval = max(per_chat_interval, group_window / self._bulk_limit)
        self._recent: deque[datetime] = deque(maxlen=self._global_count)
        # Last send per chat, oldest first, so idle chats are forgotten from the front.
        self._last: OrderedDict[int, datetime] = OrderedDict()
        # A group's sends within the last window, and its last bulk send.
        self._window: dict[int, deque[datetime]] = {}
        self._last_bulk: dict[int, datetime] = {}
        self._paused_until: datetime | None = None
        # A chat idle for longer than this needs no memory of its sends.
        self._forget_after = max(_FORGET_AFTER, group_window, self._bulk_interval)

    def chat_earliest(self, chat_id: int, now: datetime, *, interactive: bool = False) -> datetime:
        """When the chat's own limits allow its next message (`now` or later), ignoring
        the global rate and any pause. `interactive`: a reply a staff member waits for,
        which may use a group's whole budget (see the module docstring)."""
        last = self._last.get(chat_id)
        moment = now if last is None else max(now, last + self._chat_interval)
        if not is_group(chat_id):
            return moment
        if not interactive and (bulk := self._last_bulk.get(chat_id)) is not None:
            moment = max(moment, bulk + self._bulk_interval)
        sends = self._window.get(chat_id)
        budget = self._group_limit if interactive else self._bulk_limit
        if sends is not None and len(sends) >= budget:
            # The window must have lost enough sends for this one to fit.
            moment = max(moment, sends[len(sends) - budget] + self._group_window)
        return moment

    def earliest(self, chat_id: int, now: datetime, *, interactive: bool = False) -> datetime:
        """When the next message to the chat may go: its own limits, the global rate and
        a 429 pause all allow it then."""
        moment = self.chat_earliest(chat_id, now, interactive=interactive)
        if self._paused_until is not None and self._paused_until > moment:
            moment = self._paused_until
        if len(self._recent) == self._global_count:
            moment = max(moment, self._recent[0] + self._global_window)
        return moment

    def record(self, chat_id: int, at: datetime, *, interactive: bool = False) -> None:
        slot = at
        if len(self._recent) == self._global_count:
            turn = max(self._recent[0] + self._global_window, self._recent[-1])
            if turn <= at < turn + self._slack:
                slot = turn
        self._recent.append(slot)  # the deque keeps only the last N
        previous = self._last.pop(chat_id, None)
        self._last[chat_id] = at if previous is None else max(previous, at)
        if is_group(chat_id):
            sends = self._window.setdefault(chat_id, deque())
            sends.append(at)
            while sends and sends[0] <= at - self._group_window:
                sends.popleft()
            if not interactive:
                self._last_bulk[chat_id] = max(at, self._last_bulk.get(chat_id, at))
        horizon = at - self._forget_after
        while self._last:
            oldest_chat, oldest = next(iter(self._last.items()))
            if oldest >= horizon:
                break
            del self._last[oldest_chat]
            self._window.pop(oldest_chat, None)
            self._last_bulk.pop(oldest_chat, None)
        if self._paused_until is not None and self._paused_until <= horizon:
            self._paused_until = None

    def pause_until(self, moment: datetime) -> None:
        """Nobody sends before `moment` (Telegram's 429 `retry_after`)."""
        if self._paused_until is None or moment > self._paused_until:
            self._paused_until = moment

    @property
    def tracked_chats(self) -> int:
        return len(self._last)
