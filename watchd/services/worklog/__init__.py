"""Daily work logs (工作日志) and the weekly plan and review (周例会).

- `logs`: writing, reading and commenting entries, who wrote, a department's daily dynamics;
- `prefill`: the lines an entry opens with, from the day's records;
- `plans`: weekly plan items and their marks; `meeting`: the weekly meeting's rows;
- `completion`: `work_log_completion`, per person written / due days (the appraisal reads it);
- `reminders`: the daily reminder through the outbox; `access`: who may do what;
- `service`: `WorklogService`, the one object the rest of watchd holds.
"""

from watchd.services.worklog.completion import work_log_completion
from watchd.services.worklog.meeting import Meeting, MeetingRow, day_label
from watchd.services.worklog.service import CompletionShare, WorklogService
from watchd.services.worklog.views import (
    CommentView,
    DayEntry,
    Dynamics,
    LogView,
    MemberRef,
    PlanItemView,
    RevisionView,
    WroteRow,
)

__all__ = [
    "CommentView",
    "CompletionShare",
    "DayEntry",
    "Dynamics",
    "LogView",
    "Meeting",
    "MeetingRow",
    "MemberRef",
    "PlanItemView",
    "RevisionView",
    "WorklogService",
    "WroteRow",
    "day_label",
    "work_log_completion",
]
