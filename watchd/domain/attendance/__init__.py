"""Attendance decisions: schedules, the evaluation of one person's day, village days, monthly sums.

Pure functions of their arguments (punches, schedule, calendar day, approved leave, duty, `now`);
no I/O, no ORM objects. Import the submodules directly.
"""
