"""Telegram's sending limits as a pure schedule: when may the next message to a chat go.

Telegram asks bots to stay under about 30 messages a second overall, one a second per chat
and 20 a minute per group (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this);
we keep a margin (25/s). A group's 20 a minute are spread evenly (one per 3 s) rather than
sent as a burst followed by a minute's silence: the even spacing keeps every 60 s window at
20 or fewer and makes a surge in the staff chat arrive steadily.

Two questions are answered separately. `chat_earliest` is the chat's own schedule (its
interval since its last send): the outbox sender skips a chat that must wait and sends to
other chats meanwhile. `earliest` adds what holds back every chat (the global rate and a
429 pause): those waits are short, and the sender sleeps through them.

With `global_burst` N and rate r, the sends go N in any window of N / r seconds; Telegram's
"30 in any second" then holds with a margin when r is a little under 30 and N divides 30
(or is 1: evenly spaced sends, what a broadcast at the cap wants). A send recorded up to
`global_slack` after its turn is counted at its turn (timer overshoot does not accumulate);
the real sends can then come that much closer together, once, not cumulatively.

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
        group_per_minute: int = 20,
        global_burst: int | None = None,
        global_slack: timedelta = timedelta(milliseconds=2),
    ) -> None:
        if global_per_second <= 0 or group_per_minute <= 0:
            raise ValueError("limits must be positive")
        if global_burst is not None and global_burst < 1:
            raise ValueError("global_burst must be positive")
        # N sends in any window of N / rate seconds: 25 per 1 s for the default. A smaller
        # burst spreads them evenly (1: one every 1 / rate seconds).
        self._global_count = global_burst or max(1, int(global_per_second))
        self._global_window = timedelta(seconds=self._global_count / global_per_second)
        # A send that starts this little after its turn (a timer's overshoot) counts as on
        # time, so that overshoots do not add up and lower the rate.
        self._slack = global_slack
        self._chat_interval = per_chat_interval
        self._group_interval = max(per_chat_interval, timedelta(minutes=1) / group_per_minute)
        self._recent: deque[datetime] = deque(maxlen=self._global_count)
        # Last send per chat, oldest first, so idle chats are forgotten from the front.
        self._last: OrderedDict[int, datetime] = OrderedDict()
        self._paused_until: datetime | None = None
        # A chat idle for longer than its interval needs no memory of its last send.
        self._forget_after = max(_FORGET_AFTER, self._group_interval)

    def _interval(self, chat_id: int) -> timedelta:
        return self._group_interval if is_group(chat_id) else self._chat_interval

    def chat_earliest(self, chat_id: int, now: datetime) -> datetime:
        """When the chat's own interval allows its next message (`now` or later), ignoring
        the global rate and any pause."""
        last = self._last.get(chat_id)
        if last is None:
            return now
        return max(now, last + self._interval(chat_id))

    def earliest(self, chat_id: int, now: datetime) -> datetime:
        """When the next message to the chat may go: its own interval, the global rate and
        a 429 pause all allow it then."""
        moment = self.chat_earliest(chat_id, now)
        if self._paused_until is not None and self._paused_until > moment:
            moment = self._paused_until
        if len(self._recent) == self._global_count:
            moment = max(moment, self._recent[0] + self._global_window)
        return moment

    def record(self, chat_id: int, at: datetime) -> None:
        slot = at
        if len(self._recent) == self._global_count:
            turn = max(self._recent[0] + self._global_window, self._recent[-1])
            if turn <= at < turn + self._slack:
                slot = turn
        self._recent.append(slot)  # the deque keeps only the last N
        previous = self._last.pop(chat_id, None)
        self._last[chat_id] = at if previous is None else max(previous, at)
        horizon = at - self._forget_after
        while self._last:
            oldest_chat, oldest = next(iter(self._last.items()))
            if oldest >= horizon:
                break
            del self._last[oldest_chat]
        if self._paused_until is not None and self._paused_until <= horizon:
            self._paused_until = None

    def pause_until(self, moment: datetime) -> None:
        """Nobody sends before `moment` (Telegram's 429 `retry_after`)."""
        if self._paused_until is None or moment > self._paused_until:
            self._paused_until = moment

    @property
    def tracked_chats(self) -> int:
        return len(self._last)
