"""Helpers shared by the tests: clocks a test drives (clocks.py, driven_time.py), waits (waits.py), fake sinks (sinks.py), the app under uvicorn (live_server.py)."""
