"""A real RTSP server on loopback for tests (GStreamer gst-rtsp-server). Run with Debian's python:

    [RTSP_KEYINT=N] [RTSP_CODEC=h265] [RTSP_SIZE=WxH] /usr/bin/python3 tests/fakes/rtsp_server.py PORT FILE [USER PASSWORD]

Mount /cam: FILE transcoded to H.264 (H.265 with RTSP_CODEC=h265, as a camera set to H.265 sends)
with a keyframe every RTSP_KEYINT pictures (10 unless set), at RTSP_SIZE (384x288 unless set), looped. With USER and PASSWORD, clients must authenticate (Basic). Prints "ready" once listening.
Fake: tests only.
"""

import os
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    port, path = sys.argv[1], sys.argv[2]
    keyint = int(os.environ.get("RTSP_KEYINT", "10"))
    width, height = os.environ.get("RTSP_SIZE", "384x288").split("x")
    if os.environ.get("RTSP_CODEC") == "h265":
        encode = f"x265enc tune=zerolatency speed-preset=ultrafast key-int-max={keyint} ! rtph265pay name=pay0 pt=96 config-interval=1"
    else:
        encode = (f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={keyint} ! "
                  "rtph264pay name=pay0 pt=96 config-interval=1")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( multifilesrc location={path} loop=true ! decodebin ! videoconvert ! videoscale ! "
        f"video/x-raw,width={width},height={height} ! {encode} )"
    )
    factory.set_shared(True)
    if len(sys.argv) > 4:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(sys.argv[3], sys.argv[4]), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_role("user")
        permissions.add_permission_for_role("user", "media.factory.access", True)
        permissions.add_permission_for_role("user", "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/cam", factory)
    server.attach(None)
    print("ready", flush=True)  # noqa: T201 - the fixture waits for the port, this is for people
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
