"""Contract: the official Aliyun and Tencent Cloud SMS SDKs talk to our fake providers.

The fakes check signatures and parameters the way the real gateways do; these tests make sure they
also accept everything the vendors' own SDKs send (Aliyun's V3 signature with the parameters in the
query string and its RPC v1 fallback; Tencent's POST and GET), and refuse a wrong secret the way
the vendor would, so the SDK reports the vendor's error code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.aliyun_server import CHINA, FakeAliyunSms
from tests.fakes.tencent_server import FakeTencentSms
from tests.integration import need_module

PARAMS = {"site": "巴彦乌拉 3号井", "time": "02:10", "event": "画面有人"}


@pytest.fixture
def aliyun() -> Iterator[FakeAliyunSms]:
    fake = FakeAliyunSms()
    with fake:
        yield fake


@pytest.fixture
def tencent() -> Iterator[FakeTencentSms]:
    fake = FakeTencentSms()
    with fake:
        yield fake


def aliyun_client(fake: FakeAliyunSms, *, secret: str | None = None, signature: str | None = None) -> Any:
    client_module = need_module("alibabacloud_dysmsapi20170525.client", "alibabacloud-dysmsapi20170525")
    openapi = need_module("alibabacloud_tea_openapi.models", "alibabacloud-tea-openapi")
    config = openapi.Config(
        access_key_id=fake.access_key_id, access_key_secret=secret or fake.secret,
        endpoint=fake.url.removeprefix("http://"), protocol="http", signature_algorithm=signature,
    )
    return client_module.Client(config)


@pytest.mark.parametrize("signature", [None, "v2"], ids=["v3-default", "rpc-v1"])
def test_the_aliyun_sdk_sends_and_queries(aliyun: FakeAliyunSms, signature: str | None) -> None:
    models = need_module("alibabacloud_dysmsapi20170525.models", "alibabacloud-dysmsapi20170525")
    client = aliyun_client(aliyun, signature=signature)
    sent = client.send_sms(models.SendSmsRequest(
        phone_numbers="13800138000", sign_name=aliyun.sign_name, template_code=aliyun.template_code,
        template_param=json.dumps(PARAMS, ensure_ascii=False), out_id="outbox-42",
    )).body
    assert (sent.code, sent.message) == ("OK", "OK")
    (sms,) = aliyun.sent
    assert (sms.phone, sms.params, sms.out_id, sms.biz_id) == ("13800138000", PARAMS, "outbox-42", sent.biz_id)
    day = sms.sent_at.astimezone(CHINA).strftime("%Y%m%d")
    found = client.query_send_details(models.QuerySendDetailsRequest(
        phone_number="13800138000", send_date=day, page_size=10, current_page=1, biz_id=sent.biz_id,
    )).body
    (detail,) = found.sms_send_detail_dtos.sms_send_detail_dto
    assert (found.code, detail.out_id, detail.send_status, detail.err_code) == ("OK", "outbox-42", 3, "DELIVERED")


@pytest.mark.parametrize("signature", [None, "v2"], ids=["v3-default", "rpc-v1"])
def test_the_aliyun_sdk_gets_the_vendor_errors(aliyun: FakeAliyunSms, signature: str | None) -> None:
    models = need_module("alibabacloud_dysmsapi20170525.models", "alibabacloud-dysmsapi20170525")
    tea = need_module("Tea.exceptions", "alibabacloud-tea")
    request = models.SendSmsRequest(
        phone_numbers="13800138000", sign_name=aliyun.sign_name, template_code=aliyun.template_code,
        template_param=json.dumps(PARAMS, ensure_ascii=False),
    )
    with pytest.raises(tea.TeaException) as refused:
        aliyun_client(aliyun, secret="not-the-secret", signature=signature).send_sms(request)
    assert refused.value.code == "SignatureDoesNotMatch"
    request.template_code = "SMS_000000000"
    body = aliyun_client(aliyun, signature=signature).send_sms(request).body
    assert body.code == "isv.SMS_TEMPLATE_ILLEGAL"  # a business error is a 200 with its code, as on Aliyun
    assert aliyun.sent == []


def tencent_client(fake: FakeTencentSms, method: str, *, key: str | None = None) -> Any:
    credential = need_module("tencentcloud.common.credential", "tencentcloud-sdk-python-common")
    profiles = need_module("tencentcloud.common.profile.client_profile", "tencentcloud-sdk-python-common")
    http = need_module("tencentcloud.common.profile.http_profile", "tencentcloud-sdk-python-common")
    sms_client = need_module("tencentcloud.sms.v20210111.sms_client", "tencentcloud-sdk-python-sms")
    profile = http.HttpProfile(endpoint=fake.url.removeprefix("http://"), reqMethod=method, protocol="http")
    return sms_client.SmsClient(
        credential.Credential(fake.secret_id, key or fake.secret_key), "ap-guangzhou",
        profiles.ClientProfile(httpProfile=profile),
    )


def tencent_send_request(fake: FakeTencentSms) -> Any:
    models = need_module("tencentcloud.sms.v20210111.models", "tencentcloud-sdk-python-sms")
    request = models.SendSmsRequest()
    request.PhoneNumberSet = ["+8613800138000"]
    request.SmsSdkAppId, request.SignName, request.TemplateId = fake.app_id, fake.sign_name, fake.template_id
    request.TemplateParamSet = list(PARAMS.values())
    request.SessionContext = "outbox-42"
    return request


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_tencent_sdk_sends_and_pulls_receipts(tencent: FakeTencentSms, method: str) -> None:
    models = need_module("tencentcloud.sms.v20210111.models", "tencentcloud-sdk-python-sms")
    client = tencent_client(tencent, method)
    reply = client.SendSms(tencent_send_request(tencent))
    (status,) = reply.SendStatusSet
    assert (status.Code, status.PhoneNumber, status.SessionContext) == ("Ok", "+8613800138000", "outbox-42")
    (sms,) = tencent.sent
    assert (sms.params, sms.serial_no) == (list(PARAMS.values()), status.SerialNo)
    pull = models.PullSmsSendStatusRequest()
    pull.SmsSdkAppId, pull.Limit = tencent.app_id, 10
    (receipt,) = client.PullSmsSendStatus(pull).PullSmsSendStatusSet
    assert (receipt.SerialNo, receipt.SessionContext, receipt.ReportStatus) == (status.SerialNo, "outbox-42", "SUCCESS")


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_tencent_sdk_gets_the_vendor_errors(tencent: FakeTencentSms, method: str) -> None:
    errors = need_module("tencentcloud.common.exception.tencent_cloud_sdk_exception", "tencentcloud-sdk-python-common")
    with pytest.raises(errors.TencentCloudSDKException) as refused:
        tencent_client(tencent, method, key="not-the-key").SendSms(tencent_send_request(tencent))
    assert refused.value.code == "AuthFailure.SignatureFailure"
    wrong_template = tencent_send_request(tencent)
    wrong_template.TemplateId = "1"
    with pytest.raises(errors.TencentCloudSDKException) as unapproved:
        tencent_client(tencent, method).SendSms(wrong_template)
    assert unapproved.value.code == "FailedOperation.TemplateIncorrectOrUnapproved"
    assert tencent.sent == []
