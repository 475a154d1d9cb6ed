"""The read models' columns: one table per question, the SQL schema of the view and the columns
of every export. fold.py fills them (and re-exports these names); docs/analysts.md describes
each column for analysts. A change here empties an older store, which the projection then
folds again from the log (view.py `_reset_if_stale`).
"""

from __future__ import annotations

from services.reporting.improvements import IMPROVEMENT_COLUMNS, IMPROVEMENTS, LINK_COLUMNS
from services.reporting.improvements import INDEXED as IMPROVEMENTS_INDEXED
from services.reporting.improvements import LINKS as IMPROVEMENT_LINKS
from services.reporting.reminders import INDEXED as REMINDERS_INDEXED
from services.reporting.reminders import REMINDER_COLUMNS, REMINDERS
from services.reporting.satisfaction import SATISFACTION, SATISFACTION_COLUMNS, SCORE_COLUMNS

COMPLAINT_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "reference",
    "channel",
    "category",
    "language",
    "priority",
    "procedure",
    "status",
    "outcome",
    "duplicate_of",  # closed as a duplicate of this complaint (issue 17): counted there once
    "resolution",
    "escalation_level",
    # ownership (issue 16): who handles it now, and the department it counts for (the last
    # one an assignment recorded; before any, the one the complainant named: department_involved)
    "handler",
    "team",
    "department",
    "department_involved",
    "assignments",
    # the person complained about: how many were recorded and their units (never a person)
    "conduct_subjects",
    "conduct_units",
    # the hearing at the complaint's current level (Awb 9:10): invited, held or waived
    "hearing",
    "hearing_level",
    "hearing_ground",
    "hearing_at",
    # how it ended without a formal answer: informally (9:5) or declined (9:8)
    "informal_means",
    "informal_confirmed_by",
    "informal_confirmed_at",
    "decline_grounds",
    "decline_notice_by",
    # the advisory committee (Awb 9:14-9:16), where the policy refers to one
    "committee",
    "committee_advice",
    # learning from complaints (issue 18): codes of the managed vocabulary as JSON lists (the
    # latest classification and root causes, every remedy kind given) and the compensation paid
    "themes",
    "root_causes",
    "remedy_kinds",
    "compensation_cents",
    "corrective_actions",
    "received_at",
    "submitted_at",
    "acknowledged_at",
    "acknowledge_by",
    "respond_by_norm",
    "respond_by",
    "statutory_by_initial",
    "statutory_by",
    "statutory_by_pending",
    "terms_fold",
    "first_responded_at",
    "responded_at",
    "closed_at",
    "extensions",
    "extensions_with_consent",
    "paused",
    "erased",
    "replies_waiting",
    "replies_unverified",
    "last_reply_at",
    "replies_pending",
    "version",
    "last_seq",
    "updated_at",
)
INT_COLUMNS = frozenset(
    {
        "escalation_level",
        "assignments",
        "conduct_subjects",
        "hearing_level",
        "extensions",
        "extensions_with_consent",
        "paused",
        "erased",
        "replies_waiting",
        "replies_unverified",
        "compensation_cents",
        "corrective_actions",
        "version",
        "last_seq",
        "level",
        "weeks",
        "with_consent",
        "with_conduct_subject",
        "seq",
    }
)
ESCALATION_COLUMNS = (
    "seq",
    "complaint_id",
    "level",
    "reason",
    "clock",
    "target",
    "occurred_at",
    "respond_by",
)
EXTENSION_COLUMNS = ("seq", "complaint_id", "weeks", "with_consent", "occurred_at", "statutory_by")
ASSIGNMENT_COLUMNS = (
    "seq",
    "complaint_id",
    "kind",
    "handler",
    "team",
    "department",
    "previous_handler",
    "occurred_at",
)
HEARING_COLUMNS = (
    "seq",
    "complaint_id",
    "level",
    "step",
    "mode",
    "ground",
    "hearing_at",
    "with_conduct_subject",
    "occurred_at",
)
DEAD_LETTER_COLUMNS = ("seq", "complaint_id", "version", "reason")

COMPLAINTS = "complaints_status_and_deadlines"
ESCALATIONS = "escalations_by_level_and_reason"
EXTENSIONS = "deadline_extensions"
ASSIGNMENTS = "assignments_by_handler_and_team"
HEARINGS = "hearings_by_level_and_ground"
DEAD_LETTERS = "undecodable_events"

# Read models, named after the question they answer: table -> (columns, primary key).
TABLES: dict[str, tuple[tuple[str, ...], str]] = {
    COMPLAINTS: (COMPLAINT_COLUMNS, "complaint_id"),
    ESCALATIONS: (ESCALATION_COLUMNS, "seq"),
    EXTENSIONS: (EXTENSION_COLUMNS, "seq"),
    ASSIGNMENTS: (ASSIGNMENT_COLUMNS, "seq"),
    HEARINGS: (HEARING_COLUMNS, "seq"),
    DEAD_LETTERS: (DEAD_LETTER_COLUMNS, "seq"),
    SATISFACTION: (SATISFACTION_COLUMNS, "seq"),
    REMINDERS: (REMINDER_COLUMNS, "seq"),  # measure_overdue (reminders.py)
    IMPROVEMENTS: (IMPROVEMENT_COLUMNS, "seq"),  # the improvement actions (improvements.py)
    IMPROVEMENT_LINKS: (LINK_COLUMNS, "seq"),
}
INT_COLUMNS |= SCORE_COLUMNS  # the survey's scores 1-5
INT_COLUMNS |= {"item"}  # a reminder's measure or remedy number

# Indexes of the reads (reads.py): a complaint by reference, the year's and the month's ranges
# (received, closed, occurred), the list filtered by status. table -> indexed columns.
INDEXES: dict[str, tuple[str, ...]] = {
    # handler, team: the desk's lists and notifications by owner (workspace_notifications.py)
    COMPLAINTS: ("reference", "received_at", "closed_at", "status", "handler", "team"),
    ASSIGNMENTS: ("handler", "team"),
    REMINDERS: REMINDERS_INDEXED,
    **IMPROVEMENTS_INDEXED,
    ESCALATIONS: ("occurred_at",),
    EXTENSIONS: ("occurred_at",),
    HEARINGS: ("occurred_at",),
}
