"""Video plumbing shared by the drivers that read cameras (no driver of its own).

- source.py: what a `source` setting names, its redacted form, the URL rule, the password at connect time;
- capture.py: OpenCV opening, file pacing and frame shaping;
- bridge.py + frames.py: the frame capture driver the kiosk and duty cameras are made of.
The watched cameras (devices/camera) read with PyAV and take only `source.py` from here.
"""
