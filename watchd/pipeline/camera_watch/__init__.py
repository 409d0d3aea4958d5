"""Protected-site camera watch: one independent pipeline per camera, in stages (docs/architecture.md).

- loop.py: the per-camera loop (`CameraLoop`): pictures -> motion and tamper transitions -> `LoopEvent`s,
  steering adaptive decoding (keyframes.py decides when keyframe-only idling is safe);
- watch.py: the watch (`CameraWatchService`): a worker thread per camera, reconnects with backoff,
  offline detection (connection.py), retention, status;
- recorder.py: the recorder (`CameraRecorder`): rows, MQTT, observations and notices; media.py: the
  snapshot and clip files and their retention;
- replay.py: the same loop over a file or URL as fast as it decodes (`watchd motion`, bench/motion.py).

Why the loop lives in the core and the driver is a library (`devices.registry.open_video_stream`):
adaptive decoding needs the analysis to steer the decoder picture by picture, and clips need the
packets the decoder saw. One worker thread per camera reads, decodes and analyses (PyAV and OpenCV
release the GIL) and records the loop's events itself; only the offline check runs on the event loop.
"""
