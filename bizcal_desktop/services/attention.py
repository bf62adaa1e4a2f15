"""Calm alerts: which problems deserve the user's attention, and when to say so (no Qt here).

Why: users of sync tools suffer both ways. One tool pops up on every short outage ("can't have it
popping up during a presentation"); another says nothing after days of failing. So:

* **Transient is silent.** A failure that may go away by itself (the engine has already retried
  it) is only logged. It is worth telling once it *lasts*: a booking whose event is still not
  written ``GRACE`` (30 minutes) after it first failed, a calendar whose busy times could not be
  read by attempts spanning 30 minutes, a background run failing as long.
* **What retrying cannot fix is told at once:** a permanent write error, a connection that needs
  the user (refused credential, calendar gone, switched off by the token guardian).
* **One notification per ongoing problem.** Problems are grouped into *topics* (what is wrong with
  which calendar); a notification names every topic that is due. A topic already told is not told
  again while it lasts (more bookings failing on the same calendar only change the status line); a
  new topic while others last sends one updated summary, which replaces the last pop-up.
* **It clears itself.** The store is the truth (failed mappings, connections not active, read from
  :class:`StatusSummary`), so a retry from the CLI clears the tray as well as one from the menu.
  When every problem is gone and the user *was told*, one short "all good again" replaces the
  warning that may still be on screen; a user never told hears nothing.
* **Double bookings are news, not a state.** The importer reports each once; it is told at once
  (with anything else due) but keeps nothing in attention and never earns an "all good": only the
  user can say a double booking is resolved.

Time is *online* time: :meth:`AttentionTracker.set_online` stops the clock while offline (the
network monitor says so, and so does the grace after a wake while the network comes back), and
:meth:`AttentionTracker.slept` takes the time the machine slept off it, so a laptop closed over
lunch does not come back to a pop-up. While offline nothing is told at all: what is still wrong
once the network is back is judged then. Every decision is logged at INFO.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bizcal_desktop.services.attention_text import TOPIC_ORDER, AlertWords, TopicKind, Translate
from bizcal_desktop.services.status import StatusSummary
from bizcal_desktop.store.models import Outcome
from bizcal_desktop.sync.drain_report import FailureKind, SyncEvent
from bizcal_desktop.sync.importer import ConflictEvent, ImportReport
from bizcal_desktop.sync.token_guardian import DeactivationEvent

log = logging.getLogger(__name__)

#: How long (online) a transient failure may last before the user is told.
GRACE_SECONDS = 30 * 60.0

Clock = Callable[[], float]


class AlertKind(StrEnum):
    NOTIFY = "notify"  #: a warning: what is wrong and what to do
    ALL_GOOD = "all_good"  #: the problems the user was told about are solved


@dataclass(frozen=True)
class Alert:
    """One message for the tray to show; it replaces the one shown before."""

    kind: AlertKind
    title: str
    body: str
    #: What clicking it opens: "integrations", "sync_log", or "" (nothing).
    opens: str


@dataclass(frozen=True)
class StatusLine:
    """One line of the tray's status (tooltip and menu): what is wrong, and where to fix it."""

    text: str
    opens: str


@dataclass(frozen=True)
class Topic:
    """What a notification speaks of: a kind of problem with one calendar (or one background run)."""

    kind: TopicKind
    subject: str  #: the connection id, or the run's name


@dataclass
class _Problem:
    topic: Topic
    name: str  #: the calendar's (or the run's) name, for the text
    since: float  #: online seconds when it was first seen
    last_seen: float  #: online seconds when it was last seen failing
    #: Still failing as long as it is present (a failed mapping, a connection's status), rather
    #: than judged by the attempts that failed (imports, runs: a new attempt may succeed).
    standing: bool
    urgent: bool = False  #: retrying cannot fix it: told at once
    detail: str = ""  #: a connection's status, a run's error


class OnlineClock:
    """Seconds of being online: stands still while offline (the hook for a network monitor)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._offline_since: float | None = None
        self._offline_total = 0.0

    @property
    def online(self) -> bool:
        return self._offline_since is None

    def now(self) -> float:
        t = self._clock()
        offline = self._offline_total + (t - self._offline_since if self._offline_since is not None else 0.0)
        return t - offline

    def slept(self, seconds: float) -> None:
        """The machine was suspended for the last ``seconds``: they were not online time."""
        if self._offline_since is None:
            self._offline_total += max(0.0, seconds)

    def set_online(self, online: bool) -> None:
        t = self._clock()
        if online and self._offline_since is not None:
            self._offline_total += t - self._offline_since
            self._offline_since = None
        elif not online and self._offline_since is None:
            self._offline_since = t


class AttentionTracker:
    """Consumes what sync reports, decides what to tell; see the module docstring for the rules."""

    def __init__(
        self, clock: Clock = time.monotonic, grace: float = GRACE_SECONDS, translate: Translate | None = None
    ) -> None:
        self._clock = OnlineClock(clock)
        self._grace = grace
        self._words = AlertWords(translate or (lambda text: text))
        self._problems: dict[str, _Problem] = {}
        self._urgent_writes: set[str] = set()  #: write keys whose last failure retrying cannot fix
        self._news: list[str] = []  #: double bookings not told yet
        self._told: frozenset[Topic] = frozenset()  #: due at the last look, and so told
        self._owe_all_good = False
        self._waiting_logged: frozenset[str] = frozenset()
        self._quiet_logged = False

    # ----- what happened ----------------------------------------------------------------------------
    def set_online(self, online: bool) -> None:
        """The network went away or came back: failures age only while online."""
        if online != self._clock.online:
            log.info("attention: %s; failures age only while online", "online" if online else "offline")
        self._clock.set_online(online)

    def slept(self, seconds: float) -> None:
        """The machine slept ``seconds`` (just detected): failures did not age meanwhile."""
        log.info("attention: the machine slept %d min; failures did not age meanwhile", round(seconds / 60))
        self._clock.slept(seconds)

    def sync_event(self, event: SyncEvent) -> None:
        key = f"write:{event.mapping_id if event.mapping_id is not None else f'b{event.booking_id}'}"
        if event.outcome == Outcome.SUCCESS:
            self._problems.pop(key, None)
            self._urgent_writes.discard(key)
            return
        if event.outcome != Outcome.FAILURE:
            return
        urgent = event.failure not in (None, FailureKind.TRANSIENT)
        (self._urgent_writes.add if urgent else self._urgent_writes.discard)(key)
        topic = Topic(TopicKind.WRITE_FAILED, str(event.connection_id))
        self._see(key, topic, event.connection_name, standing=True).urgent = urgent

    def import_report(self, report: ImportReport) -> None:
        for result in report.connections:
            key = f"read:{result.connection_id}"
            if result.ok:
                self._problems.pop(key, None)
            else:
                topic = Topic(TopicKind.READ_FAILED, str(result.connection_id))
                self._see(key, topic, result.connection_name, standing=False, detail=result.message)

    def run_finished(self, name: str, error: BaseException | None) -> None:
        """A background run (drain, import, guardian) ended; ``error`` if it crashed as a whole."""
        key = f"run:{name}"
        if error is None:
            self._problems.pop(key, None)
        else:
            self._see(key, Topic(TopicKind.RUN_FAILED, name), name, standing=False, detail=str(error))

    def deactivated(self, event: DeactivationEvent) -> None:
        topic = Topic(TopicKind.NEEDS_USER, str(event.connection_id))
        key = f"user:{event.connection_id}"
        self._see(key, topic, event.connection_name, standing=True, detail="deactivated").urgent = True

    def conflict(self, event: ConflictEvent) -> None:
        self._news.append(event.message)

    def observe(self, summary: StatusSummary) -> None:
        """The store as it is now: failed writes and connections needing the user, nothing else."""
        writes = {f"write:{w.mapping_id}": w for w in summary.failed_writes}
        users = {f"user:{p.connection_id}": p for p in summary.problems}
        holds = {f"user:held:{h.connection_id}": h for h in summary.held_deletions}
        for key in [k for k in self._problems if k.startswith(("write:", "user:"))]:
            if key not in writes and key not in users and key not in holds:
                del self._problems[key]
                self._urgent_writes.discard(key)
        for key, w in writes.items():
            topic = Topic(TopicKind.WRITE_FAILED, str(w.connection_id))
            self._see(key, topic, w.connection_name, standing=True).urgent = key in self._urgent_writes
        for key, p in users.items():
            topic = Topic(TopicKind.NEEDS_USER, str(p.connection_id))
            self._see(key, topic, p.display_name, standing=True, detail=p.status).urgent = True
        for key, h in holds.items():  # deletions held by the mass-deletion guard: the user confirms
            topic = Topic(TopicKind.NEEDS_USER, f"held:{h.connection_id}")
            self._see(key, topic, h.connection_name, standing=True, detail=f"deletions_held:{h.events}").urgent = True

    # ----- what to tell --------------------------------------------------------------------------
    @property
    def attention(self) -> bool:
        """Something lasting or needing the user was found at the last look (the tray's state)."""
        return bool(self._told)

    def status_lines(self) -> list[StatusLine]:
        """What is wrong and what to do, one line per topic told; empty when all is well."""
        now = self._clock.now()
        return [StatusLine(self._line(topic, now), self._opens(topic)) for topic in self._sorted(self._told)]

    def evaluate(self) -> Alert | None:
        """Look now: the alert to show (it replaces the last), or None; says why in the log.

        While offline nothing is told (and nothing counts as told): a failure then is the network's
        absence, and what still fails once it is back is judged at the next look.
        """
        now = self._clock.now()
        due = self._due_topics(now)
        if not self._clock.online:
            if (due - self._told or self._news) and not self._quiet_logged:
                log.info("attention: offline: nothing told until the network is back (%s)",
                         self._names(due - self._told) or "double bookings")
                self._quiet_logged = True
            return None
        self._quiet_logged = False
        news, self._news = self._news, []
        self._log_waiting(now, due)
        new = due - self._told
        alert: Alert | None = None
        if new or news:
            alert = self._notify(now, due, news)
            log.info(
                "attention: notification shown (%s): new %s; already told %s; %d double booking(s)",
                alert.title, self._names(new) or "none", self._names(due & self._told) or "none", len(news),
            )
        elif not self._problems and self._owe_all_good:
            self._owe_all_good = False
            alert = Alert(AlertKind.ALL_GOOD, self._words.all_good_title(), self._words.all_good_body(), "")
            log.info("attention: 'all good again' shown: the problems the user was told about are solved")
        elif self._told - due:
            log.info(
                "attention: no new notification: %s solved; %s", self._names(self._told - due),
                f"still as told: {self._names(due)}" if due
                else "'all good' follows once the failures still retrying silently are solved too",
            )
        self._told = due
        return alert

    # ----- inside ----------------------------------------------------------------------------------
    def _see(self, key: str, topic: Topic, name: str, standing: bool, detail: str = "") -> _Problem:
        now = self._clock.now()
        problem = self._problems.get(key)
        if problem is None:
            problem = self._problems[key] = _Problem(topic, name, since=now, last_seen=now, standing=standing)
        problem.last_seen = now
        problem.name = name or problem.name
        problem.detail = detail
        return problem

    def _is_due(self, problem: _Problem, now: float) -> bool:
        if problem.urgent:
            return True
        end = now if problem.standing else problem.last_seen
        return end - problem.since > self._grace

    def _needing_user(self) -> set[str]:
        return {p.topic.subject for p in self._problems.values() if p.topic.kind is TopicKind.NEEDS_USER}

    def _due_topics(self, now: float) -> frozenset[Topic]:
        # A calendar that needs the user is one topic: its failed writes and reads wait on the same fix.
        covered = self._needing_user()
        return frozenset(
            p.topic
            for p in self._problems.values()
            if self._is_due(p, now)
            and not (p.topic.kind in (TopicKind.WRITE_FAILED, TopicKind.READ_FAILED) and p.topic.subject in covered)
        )

    def _sorted(self, topics: set[Topic] | frozenset[Topic]) -> list[Topic]:
        """Needing the user first, then writes, reads, runs; by calendar name within each."""
        def key(topic: Topic) -> tuple[int, str]:
            problems = self._of(topic)
            return TOPIC_ORDER.index(topic.kind), problems[0].name if problems else topic.subject

        return sorted(topics, key=key)

    def _of(self, topic: Topic) -> list[_Problem]:
        return [p for p in self._problems.values() if p.topic == topic]

    def _line(self, topic: Topic, now: float) -> str:
        problems = self._of(topic)
        if not problems:
            return ""
        first = min(problems, key=lambda p: p.since)
        age = now - first.since
        return self._words.line(topic.kind, first.name, first.detail, len(problems), age if age > self._grace else None)

    @staticmethod
    def _opens(topic: Topic) -> str:
        held = topic.subject.startswith("held:")  # held deletions are confirmed in the Sync Log
        return "integrations" if topic.kind is TopicKind.NEEDS_USER and not held else "sync_log"

    def _notify(self, now: float, due: frozenset[Topic], news: list[str]) -> Alert:
        lines = [self._line(topic, now) for topic in self._sorted(due)]
        lines += self._words.news_lines(news)
        if due:
            self._owe_all_good = True
        elif self._owe_all_good and not self._problems:
            # This message replaces the last warning: say here that what it spoke of is solved.
            self._owe_all_good = False
            lines.append(self._words.all_good_body())
        kinds = {topic.kind for topic in due} | ({TopicKind.DOUBLE_BOOKING} if news else set())
        opens = "integrations" if any(self._opens(topic) == "integrations" for topic in due) else "sync_log"
        return Alert(AlertKind.NOTIFY, self._words.title(kinds), self._words.body(lines), opens)

    def _log_waiting(self, now: float, due: frozenset[Topic]) -> None:
        """Say once (per change) which failures are being kept quiet, and until when."""
        covered = self._needing_user()
        waiting = {
            key: p for key, p in self._problems.items()
            if p.topic not in due and p.topic.kind is not TopicKind.NEEDS_USER and p.topic.subject not in covered
        }
        if frozenset(waiting) == self._waiting_logged:
            return
        if not waiting and not self._told:
            log.info("attention: the transient failures cleared before they lasted: nothing was shown")
        self._waiting_logged = frozenset(waiting)
        if waiting:
            oldest = min(p.since for p in waiting.values())
            log.info(
                "attention: no notification for %d transient failure(s) (%s): retried silently, told if "
                "still failing after %d min (oldest %d min)",
                len(waiting), self._names({p.topic for p in waiting.values()}),
                round(self._grace / 60), round((now - oldest) / 60),
            )

    def _names(self, topics: set[Topic] | frozenset[Topic]) -> str:
        described = []
        for topic in self._sorted(topics):
            problems = self._of(topic)
            name = problems[0].name if problems else topic.subject
            described.append(f"{topic.kind} '{name}' ({len(problems)})")
        return ", ".join(described)
