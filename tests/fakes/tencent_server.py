"""A fake Tencent Cloud SMS API 3.0 endpoint that checks the TC3-HMAC-SHA256 signature.

Verification is written from Tencent's documentation, independently of watchd's signing code:
whatever headers the client lists in SignedHeaders are canonicalised (names and values lower-case,
trimmed) and the signature is recomputed from the SecretKey. POST carries a JSON body; GET carries
the parameters in the query string, flattened (`PhoneNumberSet.0=...`), and signs that query
string as sent, as the official SDK does with `HttpProfile(reqMethod="GET")`. Answers use Tencent's shapes: a
request-level `Error`, or `SendStatusSet` with one code per number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from dataclasses import dataclass

from tests.fakes.http_provider import FakeProvider, RecordedRequest, Reply

E164_CN = re.compile(r"^\+861[3-9][0-9]{9}$")
AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)/tc3_request, "
    r"SignedHeaders=(?P<headers>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)


@dataclass
class TencentSms:
    phone: str
    params: list[str]
    session_context: str
    serial_no: str
    sent_at: float
    report_status: str = "SUCCESS"
    pulled: bool = False


def unflatten(params: dict[str, str]) -> dict[str, object]:
    """GET parameters back into the request's shape: `A.0=x&A.1=y` is the list A, `B.C=z` the object B."""
    root: dict[str, object] = {}
    for key, value in params.items():
        node = root
        *parents, last = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[last] = value

    def lists(node: object) -> object:
        if not isinstance(node, dict):
            return node
        items = {k: lists(v) for k, v in node.items()}
        if items and all(k.isdigit() for k in items):
            return [items[k] for k in sorted(items, key=int)]
        return items

    result = lists(root)
    assert isinstance(result, dict)
    return result


class FakeTencentSms(FakeProvider):
    SERVICE = "sms"
    VERSION = "2021-01-11"
    def __init__(
        self,
        *,
        secret_id: str = "AKIDfakeSecretId0001",
        secret_key: str = "fake-tencent-key",
        app_id: str = "1400006666",
        sign_name: str = "测试苏木",
        template_id: str = "449739",
        template_param_count: int = 3,
        per_30s_limit: int = 5,
    ) -> None:
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.app_id = app_id
        self.sign_name = sign_name
        self.template_id = template_id
        self.template_param_count = template_param_count
        self.per_30s_limit = per_30s_limit
        self.report_status = "SUCCESS"
        self.sent: list[TencentSms] = []
        self.replies: list[dict[str, object]] = []
        self.backend_error: str | None = None  # e.g. "InternalError.Timeout" for the next SendSms
        self._state = threading.Lock()

    def server_error(self) -> Reply:
        return Reply(502, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"})

    def respond(self, request: RecordedRequest) -> Reply:
        reply = self._answer(request)
        # Tencent answers exactly "application/json"; the official SDK reads an Error only under that type.
        reply.headers.setdefault("Content-Type", "application/json")
        return reply

    def _answer(self, request: RecordedRequest) -> Reply:
        action = request.headers.get("x-tc-action", "")
        if problem := self._authenticate(request):
            return problem
        if request.method == "GET":
            body = unflatten(request.query)
        elif request.method == "POST":
            body = request.json()
        else:
            return self._error("InvalidParameter", f"method {request.method}")
        return self.act(action, body)

    def act(self, action: str, body: dict[str, object]) -> Reply:
        """The API behind the gateway (a subclass serves another product)."""
        if action == "SendSms":
            return self._send(body)
        if action == "PullSmsSendStatusByPhoneNumber":
            return self._receipts(body)
        if action == "PullSmsSendStatus":
            return self._receipt_queue(body)
        if action == "PullSmsReplyStatus":
            return self._replies(body)
        return self._error("InvalidAction", f"接口`{action}`不存在。")

    def _authenticate(self, request: RecordedRequest) -> Reply | None:
        h = request.headers
        if h.get("x-tc-version") != self.VERSION:
            return self._error("InvalidParameterValue", "version")
        if not h.get("x-tc-region"):
            return self._error("InvalidParameter", "region")
        stamp = int(h.get("x-tc-timestamp", "0"))
        if abs(stamp - time.time()) > 300:
            return self._error("AuthFailure.SignatureExpire", "签名过期。Timestamp 和服务器时间相差不得超过五分钟。")
        match = AUTH.match(h.get("authorization", ""))
        if not match:
            return self._error("AuthFailure.InvalidAuthorization", "请求头部的 Authorization 不符合腾讯云标准。")
        if match["id"] != self.secret_id:
            return self._error("AuthFailure.SecretIdNotFound", "密钥不存在。")
        signed = match["headers"].split(";")
        if "host" not in signed or "content-type" not in signed:
            return self._error("AuthFailure.InvalidAuthorization", "host and content-type must be signed")
        date = time.strftime("%Y-%m-%d", time.gmtime(stamp))
        if match["date"] != date or match["service"] != self.SERVICE:
            return self._error("AuthFailure.InvalidAuthorization", "credential scope")
        canonical_headers = "".join(f"{name}:{h.get(name, '').strip().lower()}\n" for name in signed)
        query = request.raw_query if request.method == "GET" else ""  # POST: always empty
        canonical = "\n".join([
            request.method, request.path, query, canonical_headers, match["headers"],
            hashlib.sha256(request.body).hexdigest(),
        ])
        scope = f"{date}/{self.SERVICE}/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("TC3" + self.secret_key).encode()
        for part in (date, self.SERVICE, "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["sig"]):
            return self._error("AuthFailure.SignatureFailure", "请求签名验证失败，请检查您的签名计算是否正确。")
        return None

    def _send(self, body: dict[str, object]) -> Reply:
        if body.get("SmsSdkAppId") != self.app_id:
            return self._error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId校验失败。")
        if body.get("SignName") != self.sign_name:
            return self._error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误。")
        if body.get("TemplateId") != self.template_id:
            return self._error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配。")
        params = body.get("TemplateParamSet")
        if not isinstance(params, list) or len(params) != self.template_param_count:
            return self._error("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "请求内容与审核通过的模板内容不匹配。")
        if self.backend_error:
            code, self.backend_error = self.backend_error, None
            return self._error(code, "请求下发短信超时。")
        statuses = []
        phones = body.get("PhoneNumberSet")
        assert isinstance(phones, list)
        for phone in phones:
            statuses.append(self._one(str(phone), [str(p) for p in params], str(body.get("SessionContext", ""))))
        return Reply(200, {"Response": {"SendStatusSet": statuses, "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}})

    def _one(self, phone: str, params: list[str], context: str) -> dict[str, object]:
        entry: dict[str, object] = {"PhoneNumber": phone, "SessionContext": context, "IsoCode": "CN", "Fee": 0,
                                    "SerialNo": ""}
        if not E164_CN.match(phone):
            return {**entry, "Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "手机号格式错误。"}
        now = time.time()
        with self._state:
            recent = [s for s in self.sent if s.phone == phone and now - s.sent_at < 30]
            if len(recent) >= self.per_30s_limit:
                return {**entry, "Code": "LimitExceeded.PhoneNumberThirtySecondLimit",
                        "Message": "单个手机号30秒内下发短信条数超过设定的上限。"}
            serial = f"2645:{len(self.sent) + 104000000:d}{int(now)}"
            self.sent.append(TencentSms(phone, params, context, serial, now, self.report_status))
        return {**entry, "Code": "Ok", "Message": "send success", "SerialNo": serial, "Fee": 1}

    def _receipt_queue(self, body: dict[str, object]) -> Reply:
        """PullSmsSendStatus: each receipt is handed out once."""
        with self._state:
            rows = [s for s in self.sent if not s.pulled][: int(str(body["Limit"]))]
            for s in rows:
                s.pulled = True
        return Reply(200, {"Response": {"PullSmsSendStatusSet": [self._receipt(s) for s in rows], "RequestId": "d3"}})

    @staticmethod
    def _receipt(s: TencentSms) -> dict[str, object]:
        return {
            "UserReceiveTime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(s.sent_at)), "CountryCode": "86",
            "SubscriberNumber": s.phone[3:], "PhoneNumber": s.phone, "SerialNo": s.serial_no,
            "ReportStatus": s.report_status, "Description": "DELIVRD" if s.report_status == "SUCCESS" else "MK:0001",
            "SessionContext": s.session_context,
        }

    def _receipts(self, body: dict[str, object]) -> Reply:
        begin, end = int(str(body["BeginTime"])), int(str(body["EndTime"]))
        offset, limit = int(str(body.get("Offset", 0))), int(str(body["Limit"]))
        if limit > 100:
            return self._error("InvalidParameterValue", "Limit")
        with self._state:
            rows = [s for s in self.sent if s.phone == body.get("PhoneNumber") and begin <= s.sent_at <= end + 1]
        items = [self._receipt(s) for s in rows[offset: offset + limit]]
        return Reply(200, {"Response": {"PullSmsSendStatusSet": items, "RequestId": "b1a0ca"}})

    def _replies(self, body: dict[str, object]) -> Reply:
        with self._state:
            items, self.replies = self.replies[: int(str(body["Limit"]))], self.replies[int(str(body["Limit"])):]
        return Reply(200, {"Response": {"PullSmsReplyStatusSet": items, "RequestId": "c2b1db"}})

    @staticmethod
    def _error(code: str, message: str) -> Reply:
        return Reply(200, {"Response": {"Error": {"Code": code, "Message": message},
                                        "RequestId": "ed93f3cb-f35e-473f-b9f3-0d451b8b79c6"}})
