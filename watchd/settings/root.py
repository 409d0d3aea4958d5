"""The whole configuration file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from devices.registry import DeviceConfig
from watchd.settings.alerts import AlertSettings, alert_reference_errors
from watchd.settings.appraisal import AppraisalSettings, RectificationSettings
from watchd.settings.attendance import AttendanceSettings
from watchd.settings.base import ConfigModel
from watchd.settings.cameras import CameraWatchSettings
from watchd.settings.cluster import ClusterSettings
from watchd.settings.duty import DutySettings, duty_reference_errors
from watchd.settings.notices import NoticeSettings, notice_reference_errors
from watchd.settings.ops import LoggingSettings, MetricsSettings, RetentionSettings
from watchd.settings.recognition import CheckinSettings, LivenessSettings, RecognitionSettings
from watchd.settings.server import DatabaseSettings, ServerSettings
from watchd.settings.sites import PersonSettings, SiteKind, SiteSettings
from watchd.settings.terminals import TerminalSettings
from watchd.settings.worklog import WorklogSettings


class Settings(ConfigModel):
    township: str = Field(
        "", max_length=100, title="Township name", description="Shown on pages and in messages, e.g. 阿嘎如泰苏木."
    )
    timezone: str = Field(
        "Asia/Shanghai", title="Time zone", description="IANA zone used for days, shifts and displayed times."
    )
    data_dir: Path = Field(
        Path("data"), title="Data directory",
        description="Database file, snapshots and photos. Relative paths are relative to the config file. "
        "WATCHD_DATA_DIR overrides it.",
    )
    server: ServerSettings = Field(default_factory=ServerSettings, title="Server", description="HTTP server.")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings, title="Database", description="Storage.")
    recognition: RecognitionSettings = Field(
        default_factory=RecognitionSettings, title="Recognition", description="Face matching."
    )
    liveness: LivenessSettings = Field(default_factory=LivenessSettings, title="Liveness", description="Anti-spoofing.")
    checkin: CheckinSettings = Field(default_factory=CheckinSettings, title="Check-in", description="Recording rules.")
    sites: list[SiteSettings] = Field(default_factory=list, title="Sites", description="Villages, offices, duty rooms.")
    people: list[PersonSettings] = Field(default_factory=list, title="People", description="Seed list of people.")
    devices: list[DeviceConfig] = Field(default_factory=list, title="Devices", description="Kiosks, terminals, cameras.")
    alerts: AlertSettings = Field(
        default_factory=AlertSettings, title="Alerts", description="Incidents, escalation and message channels."
    )
    attendance: AttendanceSettings = Field(
        default_factory=AttendanceSettings, title="Attendance",
        description="Work schedules, village days and allowance, leave, visits, settlement and reports.",
    )
    camera_watch: CameraWatchSettings = Field(
        default_factory=CameraWatchSettings, title="Camera watch",
        description="Protected-site cameras: event clips, retention and MQTT (per-camera settings are in devices).",
    )
    terminals: TerminalSettings = Field(
        default_factory=TerminalSettings, title="Terminals",
        description="Punches from vendor terminals (ZKTeco, Hikvision): plausibility and device-user mapping.",
    )
    cluster: ClusterSettings = Field(
        default_factory=ClusterSettings, title="Cluster",
        description="Several nodes on one PostgreSQL database: node name and device leases.",
    )
    duty: DutySettings = Field(
        default_factory=DutySettings, title="Duty",
        description="Duty rooms: 24-hour shifts, swaps, the desk cameras and when nobody at the desk is reported.",
    )
    notices: NoticeSettings = Field(
        default_factory=NoticeSettings, title="Notices",
        description="Upkeep notices for the administrator (holiday data, disk, certificate, terminal users, nodes): "
        "who receives them and when.",
    )
    worklog: WorklogSettings = Field(
        default_factory=WorklogSettings, title="Work log",
        description="The daily work log (工作日志) and the weekly plan (周例会): reminder time, lock, who writes.",
    )
    appraisal: AppraisalSettings = Field(
        default_factory=AppraisalSettings, title="Appraisal",
        description="The 1135 appraisal of village-stationed cadres: rater groups, weights, minimum ballots, "
        "ballot mixing and anomaly thresholds.",
    )
    rectification: RectificationSettings = Field(
        default_factory=RectificationSettings, title="Rectification ledger",
        description="整改台账: reminders before an item's deadline.",
    )
    metrics: MetricsSettings = Field(
        default_factory=MetricsSettings, title="Metrics", description="Who may read Prometheus metrics at /metrics."
    )
    logging: LoggingSettings = Field(default_factory=LoggingSettings, title="Logging", description="Log format.")
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings, title="Retention",
        description="How long check-in snapshots, enrolment and visit photos and incident snapshots are kept.",
    )

    @field_validator("timezone")
    @classmethod
    def verify_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def verify_references(self) -> Settings:
        errors: list[str] = []
        site_kinds = {}
        for i, site in enumerate(self.sites):
            if site.id in site_kinds:
                errors.append(f"sites.{i}.id: duplicate site id {site.id!r}")
            site_kinds[site.id] = site.kind
        seen_people: set[str] = set()
        for i, person in enumerate(self.people):
            if person.id in seen_people:
                errors.append(f"people.{i}.id: duplicate person id {person.id!r}")
            seen_people.add(person.id)
            for j, village in enumerate(person.villages):
                if site_kinds.get(village) != SiteKind.village:
                    errors.append(f"people.{i}.villages.{j}: {village!r} is not a village site")
        seen_devices: set[str] = set()
        for i, device in enumerate(self.devices):
            if device.id in seen_devices:
                errors.append(f"devices.{i}.id: duplicate device id {device.id!r}")
            seen_devices.add(device.id)
            if device.site not in site_kinds:
                errors.append(f"devices.{i}.site: unknown site {device.site!r}")
        errors += [
            f"camera_watch.classify.classes_by_site.{site}: unknown site {site!r}"
            for site in self.camera_watch.classify.classes_by_site if site not in site_kinds
        ]
        errors += alert_reference_errors(self.alerts, set(site_kinds), {p.id: p.phone for p in self.people})
        errors += notice_reference_errors(self.notices, {p.id: p.phone for p in self.people})
        errors += duty_reference_errors(
            self.duty, {k: str(v) for k, v in site_kinds.items()}, {d.id: (d.kind, d.site) for d in self.devices},
            seen_people,
        )
        if errors:
            raise ValueError("; ".join(errors))
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
