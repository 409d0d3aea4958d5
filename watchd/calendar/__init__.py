"""The working-day calendar: Chinese statutory holidays and adjusted working weekends (调休).

`chinesecalendar` gives the State Council's holidays for the years it knows; an administrator's
override table corrects or extends it; for a year the package does not cover yet, weekends plus
the overrides are used and a loud warning is raised (log and a `calendar_missing` notice for the
administrator), never a crash.
"""
