"""Random command sequences never break the Complaint's invariants (hypothesis state machine)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shared.contract import events as ev
from shared.rules import awb, procedure
from shared.rules.complaint import Cause, Complaint, ComplaintError
from tests.support.domain import NOW, letter, personal

STAFF = Cause(actor="staff:handler")
PEOPLE = ["staff:alice", "staff:bob", "staff:carol"]
TEAMS = ["balie", "klantcontact"]
ENDS = (ev.Closed, ev.ResolvedInformally, ev.Declined)
AFTER_THE_END = (ev.ReactionReceived, ev.ReactionHandled, ev.Reopened, ev.LetterSent)


class ComplaintLifecycle(RuleBasedStateMachine):
    """Old rules (no procedure recorded) and the procedure of issue 16 alike."""

    @initialize(version=st.sampled_from([None, procedure.CURRENT]))
    def submit(self, version: str | None) -> None:
        self.c = Complaint.submit(
            complaint_id=uuid4(), reference="KL-2026-000001", channel="web", language="nl",
            personal=personal(), received_at=NOW, now=NOW, cause=Cause("complainant"),
            procedure=version,
        )  # fmt: skip
        self.now = NOW
        self.deadline = NOW + timedelta(weeks=6)
        self.events = list(self.c.collect_events())
        self.closed_in: str | None = None  # the status the complaint was closed in

    def attempt(self, command) -> None:  # type: ignore[no-untyped-def]
        before = self.c.status
        try:
            command()
        except ComplaintError:
            pass
        new = self.c.collect_events()
        self.events.extend(new)
        for event in new:
            if isinstance(event.fact, ENDS):
                self.closed_in = before
            elif before in ("closed", "resolved_informally", "declined"):
                # After the end only messages, their handling, letters or a reopening happen.
                assert isinstance(event.fact, AFTER_THE_END)
            if isinstance(event.fact, ev.Reopened):
                assert event.fact.status == self.closed_in

    @rule(days=st.integers(0, 30))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)

    @rule()
    def acknowledge(self) -> None:
        self.attempt(
            lambda: self.c.acknowledge(
                letter=letter(),
                respond_by=self.deadline,
                statutory_by=self.deadline,
                now=self.now,
                cause=STAFF,
            )
        )

    @rule(resolution=st.sampled_from(["well_founded", "unfounded"]))
    def respond(self, resolution: str) -> None:
        self.attempt(
            lambda: self.c.respond(
                text="answer",
                resolution=resolution,  # type: ignore[arg-type]
                now=self.now,
                cause=STAFF,
            )
        )

    @rule(level=st.integers(0, 5))
    def escalate(self, level: int) -> None:
        self.attempt(
            lambda: self.c.escalate(
                level=level, target="t", reason="complainant_request", now=self.now, cause=STAFF
            )
        )

    @rule(weeks=st.integers(0, 6), consent=st.booleans())
    def extend(self, weeks: int, consent: bool) -> None:
        self.attempt(
            lambda: self.c.extend(
                weeks=weeks,
                reason="r",
                statutory_by=self.deadline,
                now=self.now,
                cause=STAFF,
                with_consent=consent,
            )
        )

    @rule()
    def pause(self) -> None:
        self.attempt(lambda: self.c.pause(reason="waiting", now=self.now, cause=STAFF))

    @rule()
    def resume(self) -> None:
        self.attempt(lambda: self.c.resume(now=self.now, cause=STAFF))

    @rule(
        outcome=st.sampled_from(["resolved", "withdrawn", "not_handled", "referred"]),
        note=st.sampled_from([None, "", "reason"]),
    )
    def close(self, outcome: str, note: str | None) -> None:
        self.attempt(
            lambda: self.c.close(
                outcome=outcome,
                note=note,
                now=self.now,  # type: ignore[arg-type]
                cause=STAFF,
            )
        )

    @rule(verified=st.booleans(), auto=st.booleans(), disagrees=st.booleans())
    def message_arrives(self, verified: bool, auto: bool, disagrees: bool) -> None:
        self.attempt(
            lambda: self.c.record_reaction(
                text="bericht",
                disagrees=disagrees,
                channel="email",
                now=self.now,
                cause=STAFF,
                message_id=f"<{len(self.events)}@x>",
                verified=verified,
                auto_reply=auto,
            )
        )

    @rule()
    def handle_a_message(self) -> None:
        pending = sorted(self.c.new_reactions, key=str)
        if pending:
            self.attempt(
                lambda: self.c.handle_reaction(
                    reaction_event_id=pending[0], now=self.now, cause=STAFF
                )
            )

    @rule()
    def reopen(self) -> None:
        self.attempt(lambda: self.c.reopen(reason="new facts", now=self.now, cause=STAFF))

    # --- the procedure steps (issue 16) --------------------------------------------------

    @rule(handler=st.sampled_from([None, *PEOPLE]), team=st.sampled_from(TEAMS),
          reason=st.sampled_from([None, "", "leave"]))  # fmt: skip
    def assign(self, handler: str | None, team: str, reason: str | None) -> None:
        self.attempt(
            lambda: self.c.assign(
                handler=handler, team=team, department="d", reason=reason, now=self.now,
                cause=STAFF,
            )
        )  # fmt: skip

    @rule(handler=st.sampled_from(PEOPLE), team=st.sampled_from(TEAMS))
    def take(self, handler: str, team: str) -> None:
        self.attempt(lambda: self.c.take(handler=handler, teams=[team], now=self.now, cause=STAFF))

    @rule(employee=st.sampled_from([None, *PEOPLE]), unit=st.sampled_from([None, *TEAMS]))
    def record_the_person_concerned(self, employee: str | None, unit: str | None) -> None:
        self.attempt(
            lambda: self.c.record_conduct_subject(
                employee=employee, unit=unit, now=self.now, cause=STAFF
            )
        )

    @rule(days=st.integers(-1, 10))
    def invite(self, days: int) -> None:
        self.attempt(
            lambda: self.c.invite_to_hearing(
                at=self.now + timedelta(days=days), mode="phone", now=self.now, cause=STAFF
            )
        )

    @rule(report=st.sampled_from(["", "verslag"]))
    def hear(self, report: str) -> None:
        self.attempt(
            lambda: self.c.record_hearing(
                held_at=self.now, mode="video", report=report, now=self.now, cause=STAFF
            )
        )

    @rule(
        ground=st.sampled_from(
            ["manifestly_unfounded", "complainant_waived", "no_reaction_in_time",
             "heard_at_another_level"]
        ),
        explanation=st.sampled_from([None, "kennelijk ongegrond"]),
    )  # fmt: skip
    def waive(self, ground: ev.HearingWaiverGround, explanation: str | None) -> None:
        self.attempt(
            lambda: self.c.waive_hearing(
                ground=ground, explanation=explanation, now=self.now, cause=STAFF
            )
        )

    @rule()
    def resolve_informally(self) -> None:
        self.attempt(
            lambda: self.c.resolve_informally(
                means="phone_call", confirmed_by="phone", confirmed_at=self.now,
                text="opgelost", now=self.now, cause=STAFF,
            )
        )  # fmt: skip

    @rule(grounds=st.lists(st.sampled_from(["already_handled", "older_than_a_year"]), max_size=2))
    def decline(self, grounds: list[ev.DeclineGround]) -> None:
        self.attempt(
            lambda: self.c.decline(
                grounds=grounds, explanation="zie brief", now=self.now, cause=STAFF
            )
        )

    @invariant()
    def the_handler_is_never_the_person_complained_about(self) -> None:
        assert self.c.handler is None or self.c.handler not in self.c.conduct_employees

    @invariant()
    def a_reassignment_always_has_a_reason(self) -> None:
        for e in self.events:
            if isinstance(e.fact, ev.Assigned) and e.fact.kind == "reassign":
                assert e.fact.personal is not None and e.fact.personal.text.strip()

    @invariant()
    def under_the_procedure_every_answer_follows_a_hearing_or_a_ground(self) -> None:
        settled: set[int] = set()
        for e in self.events:
            if isinstance(e.fact, ev.HearingHeld | ev.HearingWaived):
                settled.add(e.fact.level)
            if isinstance(e.fact, ev.Responded) and self.c.procedure is not None:
                assert e.fact.level in settled

    @invariant()
    def declined_only_within_four_weeks_of_receipt(self) -> None:
        for e in self.events:
            if isinstance(e.fact, ev.Declined):
                assert e.fact.occurred_at < awb.not_handled_notice_by(self.c.received_at, None)
                assert e.fact.grounds and len(set(e.fact.grounds)) == len(e.fact.grounds)

    @invariant()
    def no_procedure_step_moves_a_term(self) -> None:
        steps = (ev.Assigned, ev.ConductSubjectRecorded, ev.HearingInvited, ev.HearingHeld,
                 ev.HearingWaived)  # fmt: skip
        assert not any(hasattr(e.fact, "terms") for e in self.events if isinstance(e.fact, steps))

    @invariant()
    def only_the_complainants_own_message_asks_for_review(self) -> None:
        for e in self.events:
            if isinstance(e.fact, ev.ReactionReceived) and e.fact.disagrees:
                assert e.fact.verified and not e.fact.auto_reply

    @invariant()
    def versions_are_contiguous(self) -> None:
        assert [e.fact.version for e in self.events] == list(range(1, len(self.events) + 1))

    @invariant()
    def level_stays_on_the_ladder(self) -> None:
        assert 0 <= self.c.level <= 3

    @invariant()
    def at_most_one_extension_without_consent(self) -> None:
        assert self.c.extensions <= 1

    @invariant()
    def replay_gives_the_same_state(self) -> None:
        copy: Complaint | None = None
        for e in self.events:
            copy = e.mutate(copy)
        assert copy == self.c


ComplaintLifecycle.TestCase.settings = settings(
    max_examples=200, stateful_step_count=30, deadline=None
)
TestComplaintLifecycle = ComplaintLifecycle.TestCase
