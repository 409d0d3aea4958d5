"""Helpers shared by the tests: clocks a test drives (clocks.py, driven_time.py), waits (waits.py)."""
