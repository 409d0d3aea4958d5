"""Delivery channels: time from `send()` to the provider's answer, per channel, on loopback.

Each HTTP channel talks to its fake provider from tests/fakes (a real HTTP server in a thread that
checks the signature), MQTT to the Mosquitto on 127.0.0.1:1883 (skipped when absent), the modem to
gammu's dummy phone (skipped without python-gammu). Sends run one after another, so the figures are
latencies, not throughput. Also: the cost of computing one request signature.

    .venv/bin/python bench/channels.py [--sends 200]

Prints one JSON object.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fake providers live in tests/fakes

import argparse  # noqa: E402
import asyncio  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from typing import Any  # noqa: E402

from tests.fakes.aliyun_server import FakeAliyunSms  # noqa: E402
from tests.fakes.dingtalk_server import FakeDingTalkRobot  # noqa: E402
from tests.fakes.tencent_server import FakeTencentSms  # noqa: E402
from tests.fakes.twilio_server import FakeTwilio  # noqa: E402
from tests.fakes.wecom_server import FakeWeComRobot  # noqa: E402
from watchd.alerts.notifiers.aliyun_rpc import rpc_signature  # noqa: E402
from watchd.alerts.notifiers.aliyun_sms import AliyunSmsConfig, AliyunSmsNotifier  # noqa: E402
from watchd.alerts.notifiers.base import ChannelContext, Notifier, Outcome, OutgoingMessage  # noqa: E402
from watchd.alerts.notifiers.dingtalk import DingTalkConfig, DingTalkNotifier  # noqa: E402
from watchd.alerts.notifiers.gammu_modem import GammuModemConfig, GammuModemNotifier  # noqa: E402
from watchd.alerts.notifiers.mqtt import MqttConfig, MqttNotifier  # noqa: E402
from watchd.alerts.notifiers.tencent_api import tc3_authorization  # noqa: E402
from watchd.alerts.notifiers.tencent_sms import TencentSmsConfig, TencentSmsNotifier  # noqa: E402
from watchd.alerts.notifiers.twilio_sms import TwilioSmsConfig, TwilioSmsNotifier  # noqa: E402
from watchd.alerts.notifiers.wecom import WeComConfig, WeComNotifier  # noqa: E402

TEXT = "【值班提醒】测试苏木 3号沙坑 22:41 发现移动目标，回复1确认或打开 https://watch.example.cn/a/Xk3"
PARAMS = {"site": "3号沙坑", "time": "22:41", "event": "发现移动目标"}
TWILIO_SID = "AC" + "0" * 31 + "1"
SECRETS = {
    "WATCHD_ALIYUN_ACCESS_KEY_SECRET": "bench-aliyun", "WATCHD_TENCENT_SECRET_KEY": "bench-tencent",
    "WATCHD_TWILIO_AUTH_TOKEN": "bench-twilio", "WATCHD_DINGTALK_ACCESS_TOKEN": "bench-ding",
    "WATCHD_DINGTALK_SECRET": "SECbench", "WATCHD_WECOM_ROBOT_KEY": "bench-wecom",
}


def message(i: int) -> OutgoingMessage:
    return OutgoingMessage(message_id=f"bench-{i}", recipient=f"1380000{i % 10000:04d}", text=TEXT,
                           template_params=PARAMS, incident_code="17")


async def time_sends(notifier: Notifier, sends: int) -> dict[str, Any]:
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    try:
        await notifier.send(message(-1))  # warm-up: client, connection, TLS context
        for i in range(sends):
            start = time.perf_counter()
            result = await notifier.send(message(i))
            latencies.append((time.perf_counter() - start) * 1000)
            outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
    finally:
        await notifier.close()
    latencies.sort()
    return {
        "sends": sends,
        "outcomes": outcomes,
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "max_ms": round(latencies[-1], 2),
        "all_sent": outcomes.get(Outcome.sent.value, 0) == sends,
    }


def per_call_us(fn: Callable[[], object], calls: int = 2000) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return round((time.perf_counter() - start) / calls * 1e6, 1)


@contextmanager
def http_fakes() -> Iterator[dict[str, Any]]:
    with ExitStack() as stack:
        yield {
            "aliyun": stack.enter_context(FakeAliyunSms(secret=SECRETS["WATCHD_ALIYUN_ACCESS_KEY_SECRET"],
                                                        per_minute_limit=10**6)),
            "tencent": stack.enter_context(FakeTencentSms(secret_key=SECRETS["WATCHD_TENCENT_SECRET_KEY"],
                                                          per_30s_limit=10**6)),
            "twilio": stack.enter_context(FakeTwilio(account_sid=TWILIO_SID, auth_token=SECRETS["WATCHD_TWILIO_AUTH_TOKEN"],
                                                     per_number_burst=10**6)),
            "dingtalk": stack.enter_context(FakeDingTalkRobot(access_token=SECRETS["WATCHD_DINGTALK_ACCESS_TOKEN"],
                                                              secret=SECRETS["WATCHD_DINGTALK_SECRET"], per_minute=10**6)),
            "wecom": stack.enter_context(FakeWeComRobot(key=SECRETS["WATCHD_WECOM_ROBOT_KEY"], per_minute=10**6)),
        }


def broker_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=0.5).close()
    except OSError:
        return False
    return True


async def run(sends: int) -> dict[str, Any]:
    context = ChannelContext(data_dir=Path(tempfile.mkdtemp(prefix="bench-channels-")))
    results: dict[str, Any] = {}
    with http_fakes() as fake:
        channels: dict[str, Notifier] = {
            "aliyun_sms": AliyunSmsNotifier(AliyunSmsConfig(
                id="aliyun", kind="aliyun_sms", access_key_id="LTAI5tFakeKeyId01", sign_name="测试苏木",
                template_code="SMS_153055065", endpoint=fake["aliyun"].url + "/"), context),
            "tencent_sms": TencentSmsNotifier(TencentSmsConfig(
                id="tencent", kind="tencent_sms", secret_id="AKIDfakeSecretId0001", sms_sdk_app_id="1400006666",
                sign_name="测试苏木", template_id="449739", template_params=["site", "time", "event"],
                endpoint=fake["tencent"].url + "/", pull=False), context),
            "twilio_sms": TwilioSmsNotifier(TwilioSmsConfig(
                id="twilio", kind="twilio_sms", account_sid=TWILIO_SID, from_number="+15005550006",
                endpoint=fake["twilio"].url), context),
            "dingtalk": DingTalkNotifier(DingTalkConfig(
                id="ding", kind="dingtalk", secret_env="WATCHD_DINGTALK_SECRET",
                endpoint=fake["dingtalk"].url + "/robot/send"), context),
            "wecom": WeComNotifier(WeComConfig(
                id="wecom", kind="wecom", endpoint=fake["wecom"].url + "/cgi-bin/webhook/send"), context),
        }
        for name, notifier in channels.items():
            results[name] = await time_sends(notifier, sends)
    if broker_up():
        results["mqtt"] = await time_sends(MqttNotifier(MqttConfig(
            id="bench", kind="mqtt", topic="watchd-bench/{recipient}"), context), sends)
    else:
        results["mqtt"] = "skipped: no broker on 127.0.0.1:1883"
    if importlib.util.find_spec("gammu") is not None:
        phone = context.data_dir / "dummy-phone"
        phone.mkdir()
        results["gammu_modem_dummy"] = await time_sends(GammuModemNotifier(GammuModemConfig(
            id="modem", kind="gammu_modem", model="dummy", connection="none", device=f"{phone}/"), context),
            min(sends, 50))
    else:
        results["gammu_modem_dummy"] = "skipped: python-gammu not installed"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=200, help="sends per channel (default 200)")
    args = parser.parse_args()
    os.environ.update(SECRETS)
    payload = b'{"PhoneNumberSet":["+8613800000001"],"SmsSdkAppId":"1400006666"}'
    signing = {
        "aliyun_rpc_v1_us": per_call_us(lambda: rpc_signature("POST", {"Action": "SendSms", **PARAMS}, "k")),
        "tencent_tc3_us": per_call_us(lambda: tc3_authorization(
            secret_id="AKID", secret_key="k", host="sms.tencentcloudapi.com", action="SendSms",
            payload=payload, timestamp=1_795_445_110)),
    }
    results = asyncio.run(run(args.sends))
    print(json.dumps({"bench": "channels", "cpus": os.cpu_count(), "signing": signing, "send_latency": results},
                     ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
