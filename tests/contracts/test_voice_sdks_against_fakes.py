"""Contract: the official Aliyun voice and Tencent Cloud VMS SDKs talk to our voice fakes.

`alibabacloud-dyvmsapi20170525` places a SingleCallByTts and an IvrCall (its menu flattened as
`MenuKeyMap.N.*`, signed V3 by default and RPC v1 on request) and looks the call up by CallId;
`tencentcloud-sdk-python-vms` places a SendTtsVoice (POST and GET). The fakes record the call with
our id, refuse a wrong secret with the vendor's code, and their pushes (VoiceReport with dtmf,
voiceprompt_callback, voicekey_callback) are what watchd's voice channels read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.voice_servers import FakeAliyunVoice, FakeTencentVoice
from tests.integration import need_module
from watchd.alerts.notifiers.aliyun_voice import AliyunVoiceConfig, AliyunVoiceNotifier
from watchd.alerts.notifiers.base import CallbackRequest, ChannelContext
from watchd.alerts.notifiers.tencent_voice import TencentVoiceConfig, TencentVoiceNotifier

PARAMS = {"place": "3号沙坑", "event": "发现移动目标"}
CONTEXT = ChannelContext(data_dir=Path("/nonexistent"))


@pytest.fixture
def aliyun() -> Iterator[FakeAliyunVoice]:
    with FakeAliyunVoice() as fake:
        yield fake


@pytest.fixture
def tencent() -> Iterator[FakeTencentVoice]:
    with FakeTencentVoice() as fake:
        yield fake


def aliyun_client(fake: FakeAliyunVoice, *, secret: str | None = None, signature: str | None = None) -> Any:
    client = need_module("alibabacloud_dyvmsapi20170525.client", "alibabacloud-dyvmsapi20170525")
    openapi = need_module("alibabacloud_tea_openapi.models", "alibabacloud-tea-openapi")
    config = openapi.Config(
        access_key_id=fake.access_key_id,
        access_key_secret=secret or fake.secret,
        endpoint=fake.url.removeprefix("http://"),
        protocol="http",
        signature_algorithm=signature,
    )
    return client.Client(config)


def push(body: object) -> CallbackRequest:
    return CallbackRequest(body=json.dumps(body).encode(), headers={}, query={}, url="https://x/cb")


@pytest.mark.parametrize("signature", [None, "v2"], ids=["v3-default", "rpc-v1"])
def test_the_aliyun_sdk_places_calls_and_watchd_reads_the_key_press(
    aliyun: FakeAliyunVoice, signature: str | None
) -> None:
    models = need_module("alibabacloud_dyvmsapi20170525.models", "alibabacloud-dyvmsapi20170525")
    client = aliyun_client(aliyun, signature=signature)
    tts = client.single_call_by_tts(
        models.SingleCallByTtsRequest(
            called_number="13800000003",
            tts_code=aliyun.tts_code,
            tts_param=json.dumps(PARAMS, ensure_ascii=False),
            play_times=2,
            out_id="wd0123456789abc",
        )
    ).body
    ivr = client.ivr_call(
        models.IvrCallRequest(
            called_number="13800000004",
            called_show_number=aliyun.show_number,
            start_code=aliyun.tts_code,
            start_tts_params=json.dumps(PARAMS, ensure_ascii=False),
            timeout=10000,
            out_id="wd0123456789abd",
            menu_key_map=[models.IvrCallRequestMenuKeyMap(key="1", code=aliyun.ack_code)],
        )
    ).body
    assert (tts.code, ivr.code) == ("OK", "OK")
    first, second = aliyun.calls
    assert (first.action, first.phone, first.our_id, first.call_id) == (
        "SingleCallByTts",
        "13800000003",
        "wd0123456789abc",
        tts.call_id,
    )
    assert (second.action, second.menu, second.params) == ("IvrCall", {"1": aliyun.ack_code}, PARAMS)
    found = client.query_call_detail_by_call_id(
        models.QueryCallDetailByCallIdRequest(
            call_id=ivr.call_id,
            prod_id=11000000300005,
            query_date=1_795_445_110_000,
        )
    ).body
    assert found.code == "OK" and json.loads(found.data)["callee"] == "13800000004"
    # What the SDK placed, pushed back as Aliyun's VoiceReport, is read by watchd's channel.
    channel = AliyunVoiceNotifier(
        AliyunVoiceConfig.model_validate(
            {
                "id": "v",
                "kind": "aliyun_voice",
                "access_key_id": aliyun.access_key_id,
                "tts_code": aliyun.tts_code,
                "template_text": "${place}值班提醒${event}，请按1确认",
            }
        ),
        CONTEXT,
    )
    inbound = channel.handle_callback(push(aliyun.report(second, dtmf="1"))).inbound
    assert [(r.message_id, r.provider_id, r.delivered) for r in inbound.receipts] == [
        ("wd0123456789abd", ivr.call_id, True)
    ]
    assert [(k.provider_id, k.acknowledges) for k in inbound.key_presses] == [(ivr.call_id, True)]


@pytest.mark.parametrize("signature", [None, "v2"], ids=["v3-default", "rpc-v1"])
def test_the_aliyun_sdk_gets_the_vendor_errors(aliyun: FakeAliyunVoice, signature: str | None) -> None:
    models = need_module("alibabacloud_dyvmsapi20170525.models", "alibabacloud-dyvmsapi20170525")
    tea = need_module("Tea.exceptions", "alibabacloud-tea")
    request = models.SingleCallByTtsRequest(
        called_number="13800000003",
        tts_code=aliyun.tts_code,
        tts_param=json.dumps(PARAMS, ensure_ascii=False),
        out_id="this-id-is-longer-than-15",
    )
    with pytest.raises(tea.TeaException) as refused:
        aliyun_client(aliyun, secret="not-the-secret", signature=signature).single_call_by_tts(request)
    assert refused.value.code == "SignatureDoesNotMatch"
    assert (
        aliyun_client(aliyun, signature=signature).single_call_by_tts(request).body.code
        == "isv.INVALID_PARAMETERS"
    )
    assert aliyun.calls == []


def tencent_client(fake: FakeTencentVoice, method: str, *, key: str | None = None) -> Any:
    credential = need_module("tencentcloud.common.credential", "tencentcloud-sdk-python-common")
    profiles = need_module("tencentcloud.common.profile.client_profile", "tencentcloud-sdk-python-common")
    http = need_module("tencentcloud.common.profile.http_profile", "tencentcloud-sdk-python-common")
    vms = need_module("tencentcloud.vms.v20200902.vms_client", "tencentcloud-sdk-python-vms")
    profile = http.HttpProfile(endpoint=fake.url.removeprefix("http://"), reqMethod=method, protocol="http")
    return vms.VmsClient(
        credential.Credential(fake.secret_id, key or fake.secret_key),
        "ap-guangzhou",
        profiles.ClientProfile(httpProfile=profile),
    )


def tts_request(fake: FakeTencentVoice) -> Any:
    models = need_module("tencentcloud.vms.v20200902.models", "tencentcloud-sdk-python-vms")
    request = models.SendTtsVoiceRequest()
    request.TemplateId, request.CalledNumber, request.VoiceSdkAppid = (
        fake.voice_template_id,
        "+8613800000003",
        fake.voice_app_id,
    )
    request.TemplateParamSet, request.PlayTimes, request.SessionContext = list(PARAMS.values()), 2, "wdabc"
    return request


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_tencent_sdk_places_a_call_and_watchd_reads_the_callbacks(
    tencent: FakeTencentVoice, method: str
) -> None:
    status = tencent_client(tencent, method).SendTtsVoice(tts_request(tencent)).SendStatus
    (call,) = tencent.calls
    assert (status.CallId, status.SessionContext) == (call.call_id, "wdabc")
    assert (call.phone, call.params, call.our_id) == ("+8613800000003", list(PARAMS.values()), "wdabc")
    channel = TencentVoiceNotifier(
        TencentVoiceConfig.model_validate(
            {
                "id": "t",
                "kind": "tencent_voice",
                "secret_id": tencent.secret_id,
                "voice_sdk_app_id": tencent.voice_app_id,
                "template_id": tencent.voice_template_id,
                "template_text": "{1}值班提醒{2}，请按1确认",
            }
        ),
        CONTEXT,
    )
    receipt = channel.handle_callback(push(tencent.prompt_callback(call, result="1"))).inbound.receipts[0]
    assert (receipt.provider_id, receipt.delivered, receipt.detail) == (call.call_id, False, "not answered")
    (key,) = channel.handle_callback(push(tencent.key_callback(call, key="1"))).inbound.key_presses
    assert (key.provider_id, key.acknowledges) == (call.call_id, True)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_tencent_sdk_gets_the_vendor_errors(tencent: FakeTencentVoice, method: str) -> None:
    errors = need_module(
        "tencentcloud.common.exception.tencent_cloud_sdk_exception", "tencentcloud-sdk-python-common"
    )
    with pytest.raises(errors.TencentCloudSDKException) as refused:
        tencent_client(tencent, method, key="not-the-key").SendTtsVoice(tts_request(tencent))
    assert refused.value.code == "AuthFailure.SignatureFailure"
    unapproved = tts_request(tencent)
    unapproved.TemplateId = "1"
    with pytest.raises(errors.TencentCloudSDKException) as refused:
        tencent_client(tencent, method).SendTtsVoice(unapproved)
    assert refused.value.code == "FailedOperation.TemplateNotApproved"
    assert tencent.calls == []
