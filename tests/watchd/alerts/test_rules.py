"""The pure rules behind incidents and delivery, driven with explicit times: no database, no sleep."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchd.alerts.delivery import (
    AskAt,
    DeliveryPolicy,
    DeliveryState,
    Failover,
    GiveUp,
    RetryAt,
    Sent,
    after_query,
    after_send,
)
from watchd.alerts.links import BadToken, Signer
from watchd.alerts.notifiers.base import Outcome, SendResult
from watchd.alerts.secret_key import load_secret_key
from watchd.alerts.throttle import Window, capacity, next_allowed, split_burst
from watchd.domain.escalation import EscalationPolicy, Role, plan_step, step_after_upgrade
from watchd.domain.incidents import (
    ActiveIncident,
    Ignore,
    IncidentStatus,
    KindPolicy,
    Open,
    Repeat,
    Resolve,
    normalize_phone,
    on_observation,
    parse_reply,
    quiet_resolve_due,
)
from watchd.domain.observations import Observation, ObservationKind, Severity

T0 = datetime(2026, 11, 23, 14, 41, tzinfo=UTC)


def obs(minutes: float = 0, *, active: bool = True, severity: Severity | None = None) -> Observation:
    return Observation(kind=ObservationKind.camera_offline, site_id="s", subject="cam", occurred_at=T0 + timedelta(minutes=minutes),
                       active=active, severity=severity)


def current(last_seen: float = 0, severity: Severity = Severity.normal) -> ActiveIncident:
    return ActiveIncident(status=IncidentStatus.open, severity=severity, opened_at=T0,
                          last_seen_at=T0 + timedelta(minutes=last_seen))


# -- incidents -------------------------------------------------------------------------------------

def test_first_observation_opens_and_a_grace_period_delays_the_first_message() -> None:
    assert on_observation(None, obs(), KindPolicy(), T0) == Open(Severity.normal, True, T0)
    late_report = on_observation(None, obs(), KindPolicy(delay=timedelta(minutes=5)), T0 + timedelta(minutes=2))
    assert late_report == Open(Severity.normal, True, T0 + timedelta(minutes=5))
    assert on_observation(None, obs(), KindPolicy(notify=False), T0) == Open(Severity.normal, False, None)



def test_severity_comes_from_the_most_specific_place_that_sets_it() -> None:
    kind_major = KindPolicy(severity=Severity.major)
    site_normal = KindPolicy(severity=Severity.major, site_severity={"s": Severity.normal})
    elsewhere = KindPolicy(severity=Severity.normal, site_severity={"other": Severity.major})
    cases = [
        (obs(), KindPolicy(), Severity.normal),  # the kind's
        (obs(), kind_major, Severity.major),
        (obs(), site_normal, Severity.normal),  # the site's beats the kind's
        (obs(), elsewhere, Severity.normal),  # another site's changes nothing here
        (obs(severity=Severity.major), site_normal, Severity.major),  # the producer's (a camera zone) beats both
        (obs(severity=Severity.normal), kind_major, Severity.normal),
    ]
    for observation, rule, expected in cases:
        decision = on_observation(None, observation, rule, T0)
        assert isinstance(decision, Open) and decision.severity == expected


def test_repeats_count_and_a_major_repeat_upgrades() -> None:
    assert on_observation(current(), obs(3), KindPolicy(), T0) == Repeat(T0 + timedelta(minutes=3), False)
    assert on_observation(current(5), obs(3), KindPolicy(), T0) == Repeat(T0 + timedelta(minutes=5), False)
    assert on_observation(current(), obs(1, severity=Severity.major), KindPolicy(), T0).upgrade_to_major  # type: ignore[union-attr]
    assert not on_observation(current(severity=Severity.major), obs(1, severity=Severity.major), KindPolicy(), T0).upgrade_to_major  # type: ignore[union-attr]


def test_clears() -> None:
    assert on_observation(current(2), obs(3, active=False), KindPolicy(), T0) == Resolve()
    assert isinstance(on_observation(current(4), obs(3, active=False), KindPolicy(), T0), Ignore)
    assert isinstance(on_observation(None, obs(active=False), KindPolicy(), T0), Ignore)
    # Motion stopping (or a covered camera uncovered) settles nothing: someone has to look.
    assert isinstance(on_observation(current(2), obs(3, active=False), KindPolicy(resolve_on_clear=False), T0), Ignore)


def test_quiet_resolve_only_after_acknowledgement() -> None:
    rule = KindPolicy(resolve_quiet=timedelta(minutes=30))
    later = T0 + timedelta(minutes=30)
    assert quiet_resolve_due(IncidentStatus.acknowledged, T0, rule, later)
    assert not quiet_resolve_due(IncidentStatus.acknowledged, T0, rule, later - timedelta(seconds=1))
    assert not quiet_resolve_due(IncidentStatus.open, T0, rule, later + timedelta(days=1))
    assert not quiet_resolve_due(IncidentStatus.acknowledged, T0, KindPolicy(), later + timedelta(days=1))


@pytest.mark.parametrize(
    ("text", "ack_all", "codes"),
    [("1", True, ()), (" 1。", True, ()), ("确认", True, ()), ("收到", True, ()), ("OK", True, ()),
     ("1003", False, ("1003",)), ("确认1003", False, ("1003",)), ("1 1003 1004", False, ("1003", "1004")),
     ("2", False, ()), ("在开会", False, ()), ("回电13800000003", False, ())],
)
def test_reply_parsing(text: str, ack_all: bool, codes: tuple[str, ...]) -> None:
    intent = parse_reply(text)
    assert (intent.ack_all, intent.codes) == (ack_all, codes)


def test_phone_numbers_compare_without_country_code() -> None:
    for raw in ("13800000003", "+8613800000003", "+86 138-0000-0003", "008613800000003", "8613800000003"):
        assert normalize_phone(raw) == "13800000003"


# -- escalation ------------------------------------------------------------------------------------

POLICY = EscalationPolicy(wait=timedelta(minutes=5), rounds=2, major_together=True)


def test_normal_chain_alternates_leader_and_principal_for_k_rounds() -> None:
    steps = [plan_step(POLICY, Severity.normal, i, T0) for i in range(5)]
    assert [s.targets if s else None for s in steps] == [
        (Role.leader,), (Role.principal,), (Role.leader,), (Role.principal,), None,
    ]
    assert [s.round for s in steps if s] == [0, 0, 1, 1]
    assert all(s.next_at == T0 + timedelta(minutes=5) for s in steps if s)


def test_major_notifies_both_every_step_and_an_upgrade_restarts_the_round() -> None:
    steps = [plan_step(POLICY, Severity.major, i, T0) for i in range(3)]
    assert [s.targets if s else None for s in steps] == [(Role.leader, Role.principal)] * 2 + [None]
    assert [step_after_upgrade(POLICY, s) for s in range(6)] == [0, 0, 1, 1, 1, 1]
    assert step_after_upgrade(EscalationPolicy(timedelta(minutes=5), 2, major_together=False), 1) is None
    assert EscalationPolicy.from_json(POLICY.to_json()) == POLICY


# -- flood control ---------------------------------------------------------------------------------

WINDOWS = [Window(timedelta(minutes=1), 1), Window(timedelta(minutes=10), 3), Window(timedelta(hours=1), 10)]


def test_next_allowed_and_capacity() -> None:
    assert next_allowed([], WINDOWS, T0) == T0 and capacity([], WINDOWS, T0) == 1
    sent = [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
    now = T0 + timedelta(minutes=3)
    assert capacity(sent, WINDOWS, now) == 0
    assert next_allowed(sent, WINDOWS, now) == T0 + timedelta(minutes=10)
    assert split_burst(5, 1) == (0, True) and split_burst(2, 3) == (2, False) and split_burst(4, 3) == (2, True)
    assert split_burst(3, 0) == (0, False)


@given(st.lists(st.integers(min_value=0, max_value=7200), max_size=60))
def test_sending_whenever_allowed_never_breaks_a_window(arrivals: list[int]) -> None:
    sent: list[datetime] = []
    pending = sorted(T0 + timedelta(seconds=s) for s in arrivals)
    for at in pending:
        when = next_allowed(sent, WINDOWS, max(at, sent[-1] if sent else at))
        sent.append(when)
    for w in WINDOWS:
        for t in sent:
            assert sum(1 for u in sent if t - w.length < u <= t) <= w.limit


# -- delivery decisions ----------------------------------------------------------------------------

DELIVERY = DeliveryPolicy(
    retry_base=timedelta(seconds=5), retry_max=timedelta(minutes=5), query_after=timedelta(seconds=15),
    unknown_give_up=timedelta(minutes=10), give_up=timedelta(hours=24),
)


def state(**kw: object) -> DeliveryState:
    base: dict[str, object] = dict(created_at=T0, has_next_channel=True, channel_started_at=T0, channel_attempts=1,
                                   failover_after=timedelta(minutes=5))
    return DeliveryState(**{**base, **kw})  # type: ignore[arg-type]


def test_after_send() -> None:
    now = T0 + timedelta(seconds=1)
    assert after_send(state(), SendResult(outcome=Outcome.sent, provider_id="B1"), now, DELIVERY) == Sent("B1")
    assert after_send(state(), SendResult(outcome=Outcome.failed), now, DELIVERY) == Failover()
    assert isinstance(after_send(state(has_next_channel=False), SendResult(outcome=Outcome.failed), now, DELIVERY), GiveUp)
    assert after_send(state(), SendResult(outcome=Outcome.unknown), now, DELIVERY) == AskAt(now + timedelta(seconds=15))
    assert after_send(state(channel_attempts=3), SendResult(outcome=Outcome.retry), now, DELIVERY) == RetryAt(now + timedelta(seconds=20))
    throttled = after_send(state(), SendResult(outcome=Outcome.retry, retry_after_s=60), now, DELIVERY)
    assert throttled == RetryAt(now + timedelta(seconds=60))
    late = T0 + timedelta(minutes=5)
    assert after_send(state(), SendResult(outcome=Outcome.retry), late, DELIVERY) == Failover()
    assert isinstance(after_send(state(has_next_channel=False), SendResult(outcome=Outcome.retry), T0 + timedelta(days=1), DELIVERY), GiveUp)


def test_after_query_never_resends_blindly() -> None:
    now = T0 + timedelta(minutes=1)
    s = state(unknown_since=T0, queries=1)
    assert after_query(s, SendResult(outcome=Outcome.sent), now, DELIVERY) == Sent(None)
    assert after_query(s, SendResult(outcome=Outcome.retry), now, DELIVERY) == RetryAt(now)  # provider never got it
    assert after_query(s, None, now, DELIVERY) == AskAt(now + timedelta(seconds=30))
    give_up = T0 + timedelta(minutes=10)
    assert after_query(s, None, give_up, DELIVERY) == Failover()
    last = after_query(state(unknown_since=T0, has_next_channel=False), None, give_up, DELIVERY)
    assert last == RetryAt(give_up, resend_after_unknown=True)


# -- links and the key -----------------------------------------------------------------------------

def test_ack_tokens_are_short_signed_and_expire() -> None:
    signer = Signer(b"k" * 32)
    token = signer.ack_token(42, T0 + timedelta(hours=72))
    assert len(token) == 24
    assert signer.read_ack_token(token, T0).notification_id == 42
    with pytest.raises(BadToken, match="link_expired"):
        signer.read_ack_token(token, T0 + timedelta(hours=73))
    with pytest.raises(BadToken, match="link_invalid"):
        Signer(b"x" * 32).read_ack_token(token, T0)
    with pytest.raises(BadToken, match="link_invalid"):
        signer.read_ack_token("not-a-token", T0)
    assert signer.check_callback_token("sms", signer.callback_token("sms"))
    assert not signer.check_callback_token("other", signer.callback_token("sms"))


def test_secret_key_file_is_private_and_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHD_SECRET_KEY", raising=False)
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    first = load_secret_key(tmp_path)
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert load_secret_key(tmp_path) == first
    os.chmod(tmp_path / "secret.key", 0o644)
    assert load_secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    monkeypatch.setenv("WATCHD_SECRET_KEY", "from-the-environment-1234")
    assert load_secret_key(tmp_path) == b"from-the-environment-1234"
