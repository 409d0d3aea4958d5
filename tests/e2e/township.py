"""The configuration the end-to-end tests run real nodes with: a protected site, a leader and a
principal leader on call, and the fake webhook provider as the only text channel."""

from __future__ import annotations

from tests.watchd.alerts.webhook_receiver import WebhookReceiver


def alerting_township(
    port: int, receiver: WebhookReceiver, *, wait_minutes: float, alerts_extra: str = "", channel_extra: str = "",
    tail: str = "",
) -> str:
    return f"""
township = "阿嘎如泰苏木"
[server]
port = {port}
[[sites]]
id = "shakeng"
name = "3号沙坑"
kind = "protected_site"
[[people]]
id = "l001"
name = "乌云"
phone = "13800000003"
role = "leader"
[[people]]
id = "p001"
name = "巴雅尔"
phone = "13800000004"
role = "principal_leader"
[alerts]
public_url = "http://127.0.0.1:{port}"
[alerts.escalation]
wait_minutes = {wait_minutes}
rounds = 1
[[alerts.on_call]]
leader = "l001"
principal = "p001"
[alerts.throttle]
windows = [{{ minutes = 1, max = 1000 }}]
{alerts_extra}
[[alerts.channels]]
id = "hook"
kind = "webhook"
url = "{receiver.send_url}"
status_url = "{receiver.status_url}"
{channel_extra}
[worklog]
reminders = false  # the daily work-log reminder (17:30) is not what these tests count
{tail}"""
