"""Motion that matters on a watched camera (docs/motion.md), pure numpy/OpenCV over small luma arrays.

- detector.py: the background model and the moving objects of one picture (`MotionDetector`);
- ghosts.py: spots that differ only from a background not learnt yet, dropped at once;
- events.py: objects in zones over time become events (`MotionEvents`), and the armed hours;
- outline.py: the snapshot with zones and objects drawn.
Tampering (a covered, turned or defocused camera) is watchd/vision/tamper.py.
"""
