"""Protected-site cameras: RTSP (TCP or UDP), HTTP MJPEG and video files read with PyAV.

The camera watch pipeline (`watchd/pipeline/camera_watch/`) drives a `VideoStream` from its
own worker thread; this package only reads, decodes (adaptively) and cuts clips.
"""

from devices.camera.config import CameraConfig, Polygon

__all__ = ["CameraConfig", "Polygon"]
