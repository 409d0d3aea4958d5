"""Prometheus metrics, collected at scrape time.

One custom collector reads everything when /metrics is fetched: database-wide figures through a
few aggregate queries (identical on every node of a multi-node installation), this process's
device and camera counters from the running supervisor (whatever devices this node runs right
now), and the stage heartbeats. Nothing is kept twice: the counters the pipeline already keeps
(frames, drops, queue lengths) are read, not mirrored into separate metric objects.

prometheus_client writes the exposition format (escaping, types, HELP lines, the OpenMetrics
variant) that a hand-written formatter would have to get exactly right.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from watchd.db.repositories.notices import NoticesRepository
from watchd.db.repositories.ops import MetricsRepository
from watchd.db.session import Database
from watchd.domain.notices import NoticeKind
from watchd.ops.runtime import Runtime

log = logging.getLogger(__name__)


class WatchdCollector(Collector):
    def __init__(self, db: Database, runtime: Runtime) -> None:
        self.db = db
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        yield from self._database()
        yield from self._devices()
        yield from self._cameras()
        yield from self._stages()

    # --- database-wide --------------------------------------------------------------------
    def _database(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("watchd_database_up", "1 when the database answered the metric queries.")
        started = time.monotonic()
        try:
            with self.db.read() as s:
                repo = MetricsRepository(s)
                checkins = repo.checkins_by_method()
                incidents = repo.unresolved_incidents()
                notifications = repo.notifications_done()
                depth = repo.outbox_depth()
                notices = NoticesRepository(s).active_counts()
        except Exception as exc:
            log.warning("metrics: database queries failed: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        took = GaugeMetricFamily("watchd_metrics_query_seconds", "Time the metric queries took.")
        took.add_metric([], time.monotonic() - started)
        yield took
        c = CounterMetricFamily("watchd_checkins", "Check-ins stored, by method.", labels=["method"])
        for method, n in sorted(checkins.items()):
            c.add_metric([method], n)
        yield c
        g = GaugeMetricFamily(
            "watchd_incidents_open", "Incidents not yet resolved.", labels=["kind", "severity", "status"]
        )
        for (kind, severity, status), n in sorted(incidents.items()):
            g.add_metric([kind, severity, status], n)
        yield g
        n_family = CounterMetricFamily(
            "watchd_notifications", "Messages delivered (sent) or given up (failed), by channel.",
            labels=["channel", "outcome"],
        )
        for (channel, outcome), n in sorted(notifications.items()):
            n_family.add_metric([channel, outcome], n)
        yield n_family
        nf = GaugeMetricFamily(
            "watchd_notices", "Open notices for the administrator (upkeep, not incidents), by kind.", labels=["kind"]
        )
        for kind in sorted({k.value for k in NoticeKind} | set(notices)):
            nf.add_metric([kind], notices.get(kind, 0))
        yield nf
        q = GaugeMetricFamily("watchd_outbox_queue", "Messages waiting in the outbox, by state.", labels=["state"])
        for state, n in depth.items():
            q.add_metric([state], n)
        yield q

    # --- this process ---------------------------------------------------------------------
    def _devices(self) -> Iterator[Metric]:
        devices = self.runtime.devices
        if devices is None:
            return
        online = GaugeMetricFamily("watchd_device_online", "1 online, 0 offline (absent: not known yet).",
                                   labels=["device"])
        analysed = CounterMetricFamily("watchd_frames_analysed", "Frames analysed (faces, desk presence).",
                                       labels=["device"])
        dropped = CounterMetricFamily("watchd_frames_dropped", "Frames dropped because analysis fell behind.",
                                      labels=["device"])
        lost = CounterMetricFamily("watchd_device_events_dropped", "Device events dropped: queue full.",
                                   labels=["device"])
        depth = GaugeMetricFamily("watchd_device_queue", "Items waiting in a device's queues.",
                                  labels=["device", "queue"])
        for d in sorted(devices.device_counts(), key=lambda d: d.device_id):
            if d.online is not None:
                online.add_metric([d.device_id], 1 if d.online else 0)
            analysed.add_metric([d.device_id], d.analysed_frames)
            dropped.add_metric([d.device_id], d.dropped_frames)
            lost.add_metric([d.device_id], d.dropped_events)
            depth.add_metric([d.device_id, "frames"], d.queued_frames)
            depth.add_metric([d.device_id, "events"], d.queued_events)
        yield from (online, analysed, dropped, lost, depth)

    def _cameras(self) -> Iterator[Metric]:
        devices = self.runtime.devices
        if devices is None:
            return
        by_state = {"online": 0, "offline": 0, "unknown": 0}
        online = GaugeMetricFamily("watchd_camera_online", "Protected-site camera: 1 online, 0 offline.",
                                   labels=["camera"])
        decoded = CounterMetricFamily("watchd_camera_frames_decoded", "Pictures decoded.", labels=["camera"])
        analysed = CounterMetricFamily("watchd_camera_frames_analysed", "Pictures analysed for motion.",
                                       labels=["camera"])
        lost = CounterMetricFamily("watchd_camera_events_dropped", "Camera events dropped: queue full.",
                                   labels=["camera"])
        for c in sorted(devices.camera_counts(), key=lambda c: c.camera_id):
            by_state["unknown" if c.online is None else "online" if c.online else "offline"] += 1
            if c.online is not None:
                online.add_metric([c.camera_id], 1 if c.online else 0)
            decoded.add_metric([c.camera_id], c.decoded)
            analysed.add_metric([c.camera_id], c.analysed)
            lost.add_metric([c.camera_id], c.dropped_events)
        total = GaugeMetricFamily("watchd_cameras", "Protected-site cameras run by this node, by state.",
                                  labels=["state"])
        for name, n in by_state.items():
            total.add_metric([name], n)
        yield from (total, online, decoded, analysed, lost)

    def _stages(self) -> Iterator[Metric]:
        age = GaugeMetricFamily("watchd_stage_heartbeat_age_seconds", "Seconds since the stage last beat.",
                                labels=["stage"])
        stale = GaugeMetricFamily("watchd_stage_stale", "1 when the stage missed its heartbeats.", labels=["stage"])
        for st in self.runtime.heartbeats.states():
            age.add_metric([st.name], st.age_s)
            stale.add_metric([st.name], 1 if st.stale else 0)
        yield from (age, stale)


def build_registry(db: Database, runtime: Runtime) -> CollectorRegistry:
    """A registry of our own (not the global default): nothing at import time, one per app."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WatchdCollector(db, runtime))
    return registry
