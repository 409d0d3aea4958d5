"""Incidents, escalation, delivery channels: the `[alerts]` section."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from watchd.alerts.notifiers.console import ConsoleChannelConfig
from watchd.alerts.notifiers.registry import AnyChannelConfig, ChannelConfig
from watchd.domain.observations import ObservationKind, Severity
from watchd.settings.base import ConfigModel
from watchd.settings.review import ReviewSettings, review_reference_errors
from watchd.settings.sites import Identifier
from watchd.settings.voice import VoiceSettings


class EscalationSettings(ConfigModel):
    wait_minutes: float = Field(
        5.0, gt=0, le=1440, title="Wait before escalating",
        description="Minutes to wait for an acknowledgement before the next step (leader → principal leader → "
        "leader …).",
    )
    rounds: int = Field(
        3, ge=1, le=10, title="Rounds",
        description="How many times the chain leader → principal leader is run before escalation stops "
        "(the incident stays open on the dashboard).",
    )
    major_together: bool = Field(
        True, title="Major: both at once",
        description="For a major incident every step notifies the leader and the principal leader together.",
    )


class OnCallEntry(ConfigModel):
    sites: list[Identifier] = Field(
        default_factory=list, max_length=500, title="Sites",
        description="Site ids this entry covers; empty: every site. The first matching entry wins.",
    )
    leader: Identifier = Field(title="Leader on duty", description="Person id of the leader on duty (带班领导).")
    principal: Identifier = Field(title="Principal leader", description="Person id of the principal leader (主要领导).")


class KindRule(ConfigModel):
    """One kind's rule. Under `[alerts.kinds.<kind>]` only the keys written change the built-in rule."""

    severity: Severity = Field(
        Severity.normal, title="Severity",
        description="normal or major for incidents of this kind (major: 【值班提醒·重大】 to the leader on duty and "
        "the principal leader at once). A camera zone's own severity, then severity_by_site, come first.",
    )
    severity_by_site: dict[Identifier, Severity] = Field(
        default_factory=dict, max_length=500, title="Severity per site",
        description='Severity of this kind at the sites named, e.g. { pit-3 = "major" }; other sites: severity.',
    )
    notify: bool = Field(True, title="Notify", description="false: record incidents of this kind, tell nobody.")
    delay_minutes: float = Field(
        0.0, ge=0, le=1440, title="Grace period",
        description="Notify only when the incident is still open after this many minutes (avoids messages "
        "for a device that drops off for a moment).",
    )
    resolve_on_clear: bool = Field(
        True, title="Resolve when cleared",
        description="A clearing observation (camera back online) resolves the incident. false for events "
        "whose end means nothing by itself (motion stopped, a covered camera uncovered): someone must "
        "acknowledge them.",
    )
    resolve_quiet_minutes: float | None = Field(
        None, gt=0, le=10_080, title="Resolve when quiet",
        description="An acknowledged incident with no new observation for this many minutes is resolved. "
        "Empty: only a clearing observation or a person resolves it.",
    )


# The built-in rule of each kind (docs/alerts.md shows the same table).
DEFAULT_KIND_RULES: dict[ObservationKind, KindRule] = {
    ObservationKind.motion: KindRule(severity=Severity.normal, resolve_on_clear=False, resolve_quiet_minutes=30),
    ObservationKind.camera_offline: KindRule(severity=Severity.normal, delay_minutes=2),
    ObservationKind.device_offline: KindRule(severity=Severity.normal, delay_minutes=5),
    ObservationKind.tamper: KindRule(severity=Severity.major, resolve_on_clear=False, resolve_quiet_minutes=30),
    ObservationKind.duty_room_unwatched: KindRule(severity=Severity.normal, resolve_quiet_minutes=60),
    ObservationKind.wrong_person_on_duty: KindRule(severity=Severity.normal),
    ObservationKind.missing_checkins: KindRule(severity=Severity.normal, resolve_quiet_minutes=720),
    # each miss its own incident; the spot-check service marks the shift's third miss major itself
    ObservationKind.spot_check_missed: KindRule(severity=Severity.normal, resolve_quiet_minutes=60),
}


class RateWindow(ConfigModel):
    minutes: float = Field(gt=0, le=1440, title="Window", description="Length of the sliding window in minutes.")
    max: int = Field(ge=1, le=1000, title="Most messages", description="Messages allowed to one recipient in it.")


class ThrottleSettings(ConfigModel):
    windows: list[RateWindow] = Field(
        default_factory=lambda: [
            RateWindow(minutes=1, max=1), RateWindow(minutes=10, max=3), RateWindow(minutes=60, max=10)
        ],
        min_length=1, max_length=10, title="Per-recipient limits",
        description="Sliding windows, per phone number (or group channel). Messages over a limit wait and go "
        "out together as one summary with counts. Keep them below the provider's own limits.",
    )


class DeliverySettings(ConfigModel):
    tick_seconds: float = Field(
        2.0, gt=0, le=60, title="Tick", description="Seconds between two runs of escalation and delivery."
    )
    retry_base_seconds: float = Field(
        5.0, gt=0, le=3600, title="First retry", description="Seconds before the first retry; doubles each time."
    )
    retry_max_seconds: float = Field(
        300.0, gt=0, le=86_400, title="Longest retry gap", description="Upper bound of the retry backoff."
    )
    query_after_seconds: float = Field(
        15.0, gt=0, le=3600, title="Ask after",
        description="After an unknown outcome (timeout, crash while sending) wait this long, then ask the "
        "provider whether the message went out; doubles each time.",
    )
    unknown_give_up_minutes: float = Field(
        10.0, gt=0, le=1440, title="Give up asking",
        description="When the provider still cannot say after this long, the message moves to the next "
        "channel (or, on the last one, is sent again).",
    )
    give_up_hours: float = Field(
        24.0, gt=0, le=168, title="Give up", description="A message still not sent after this long is marked failed."
    )
    lease_seconds: float = Field(
        30.0, ge=1, le=600, title="Runner lease",
        description="Only one process runs escalation and delivery; it renews a lease in the database. After "
        "a crash, the next start waits at most this long before taking over.",
    )
    concurrency: int = Field(8, ge=1, le=100, title="Parallel sends", description="Messages sent at the same time.")


def _default_channels() -> list[AnyChannelConfig]:
    return [ConsoleChannelConfig(id="console", kind="console")]


class AlertSettings(ConfigModel):
    enabled: bool = Field(
        True, title="Enabled", description="false: observations are still recorded as incidents, no one is told."
    )
    public_url: str | None = Field(
        None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$", max_length=200, title="Public address",
        description="Address the leaders' phones reach this server at, for the acknowledge links in messages, "
        "e.g. https://watch.example.gov.cn. Empty: the server's own host and port.",
    )
    link_ttl_hours: int = Field(
        72, ge=1, le=24 * 30, title="Link lifetime", description="Hours an acknowledge link in a message stays valid."
    )
    escalation: EscalationSettings = Field(
        default_factory=EscalationSettings, title="Escalation", description="Who is told when."
    )
    on_call: list[OnCallEntry] = Field(
        default_factory=list, max_length=500, title="On call",
        description="Leader on duty and principal leader per site, until the duty roster provides them.",
    )
    kinds: dict[ObservationKind, KindRule] = Field(
        default_factory=dict, title="Rules per kind",
        description="Changes to the built-in rule of a kind (motion, camera_offline, tamper, …): only the keys "
        "written change, the others keep their built-in values.",
    )
    review: ReviewSettings = Field(
        default_factory=ReviewSettings, title="Video verification",
        description="Camera events wait on the duty screen for the officer's verdict before the first message "
        "(docs/review.md).",
    )
    channels: list[ChannelConfig] = Field(
        default_factory=_default_channels, max_length=20, title="Channels",
        description="Delivery channels. Person channels form the failover chain in the order listed.",
    )
    throttle: ThrottleSettings = Field(
        default_factory=ThrottleSettings, title="Flood control", description="Per-recipient limits."
    )
    voice: VoiceSettings = Field(
        default_factory=VoiceSettings, title="Voice calls",
        description="Which incidents call the phone, when, and the per-number call limits (docs/channels.md).",
    )
    delivery: DeliverySettings = Field(
        default_factory=DeliverySettings, title="Delivery", description="Retries, timeouts, the runner."
    )
    keep_days: int = Field(
        180, ge=7, le=3650, title="Keep history",
        description="Days resolved incidents, their timeline and their messages are kept.",
    )
    keep_observations_days: int = Field(
        30, ge=1, le=3650, title="Keep observations",
        description="Days each raw observation is kept (they make a replayed observation count once; "
        "the incident keeps the count).",
    )

    @field_validator("channels")
    @classmethod
    def verify_channels(cls, value: list[AnyChannelConfig]) -> list[AnyChannelConfig]:
        ids = [c.id for c in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate channel id {dupes[0]!r}")
        return value

    @model_validator(mode="after")
    def verify_chain(self) -> AlertSettings:
        if self.enabled and self.on_call and not self.person_channels():
            raise ValueError("channels: no enabled channel with audience = 'person' to reach the on-call leaders")
        if self.enabled and self.voice.rules and not self.call_channels():
            raise ValueError(
                "voice.rules: no enabled channel places calls (aliyun_voice, tencent_voice, or gammu_modem with "
                "ring_seconds)"
            )
        return self

    def rule(self, kind: ObservationKind) -> KindRule:
        """The built-in rule of the kind with the keys written under `[alerts.kinds.<kind>]` put over it."""
        built_in = DEFAULT_KIND_RULES.get(kind) or KindRule()
        written = self.kinds.get(kind)
        if written is None:
            return built_in
        return built_in.model_copy(update={name: getattr(written, name) for name in written.model_fields_set})

    def person_channels(self) -> list[AnyChannelConfig]:
        """The text chain: person channels that send texts (voice-only channels are not in it)."""
        return [c for c in self.channels if c.enabled and c.audience == "person" and c.sends_texts()]

    def call_channels(self) -> list[AnyChannelConfig]:
        """The call chain: person channels that place calls, in the order listed."""
        return [c for c in self.channels if c.enabled and c.audience == "person" and c.places_calls()]

    def group_channels(self) -> list[AnyChannelConfig]:
        return [c for c in self.channels if c.enabled and c.audience == "group"]


def alert_reference_errors(alerts: AlertSettings, site_ids: set[str], people: dict[str, str | None]) -> list[str]:
    """Cross-references the section cannot check alone: on-call sites and people (with a phone)."""
    errors: list[str] = review_reference_errors(alerts.review, site_ids)
    for kind, rule in alerts.kinds.items():
        for site in rule.severity_by_site:
            if site not in site_ids:
                errors.append(f"alerts.kinds.{kind.value}.severity_by_site.{site}: unknown site {site!r}")
    for i, entry in enumerate(alerts.on_call):
        for j, site in enumerate(entry.sites):
            if site not in site_ids:
                errors.append(f"alerts.on_call.{i}.sites.{j}: unknown site {site!r}")
        for role in ("leader", "principal"):
            person = getattr(entry, role)
            if person not in people:
                errors.append(f"alerts.on_call.{i}.{role}: unknown person {person!r}")
            elif not people[person]:
                errors.append(f"alerts.on_call.{i}.{role}: person {person!r} has no phone number")
    return errors
