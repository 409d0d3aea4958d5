"""A fake Aliyun Dysmsapi (SendSms, QuerySendDetails) that checks signatures like Aliyun does.

Both of Aliyun's signatures are accepted, as the real gateway accepts them: RPC v1 (HMAC-SHA1 over
the parameters, GET or POST, parameters in the query string or a form body; what watchd sends) and
V3 (`Authorization: ACS3-HMAC-SHA256`, action and version in x-acs-* headers, parameters in the
query; what the official SDK sends by default). RegionId is optional, as it is for Dysmsapi. Each
signature is recomputed here from the secret, written from Aliyun's documentation and independently
of watchd's code, so a signing bug in watchd fails the tests; tests/contracts/ has the official SDK
talk to this fake. Business rules follow
the real service: approved sign and template only, mainland mobile numbers, template variables as
strings, a per-number flow control, and error bodies with Aliyun's codes and HTTP statuses.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.fakes.http_provider import FakeProvider, RecordedRequest, Reply

CHINA = ZoneInfo("Asia/Shanghai")
MOBILE = re.compile(r"^(?:\+86|0086|86)?(1[3-9][0-9]{9})$")
SAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
V3_ALGORITHM = "ACS3-HMAC-SHA256"
V3_AUTH = re.compile(
    r"^ACS3-HMAC-SHA256 Credential=(?P<id>[^,]+),SignedHeaders=(?P<headers>[a-z0-9;-]+),Signature=(?P<sig>[0-9a-f]{64})$"
)


def aliyun_encode(text: str) -> str:
    return "".join(chr(b) if b in SAFE else f"%{b:02X}" for b in text.encode())


@dataclass
class SentSms:
    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str
    biz_id: str
    sent_at: datetime
    status: int = 3  # 1 waiting for receipt, 2 failed, 3 delivered
    err_code: str = "DELIVERED"


class FakeAliyunSms(FakeProvider):
    def __init__(
        self,
        *,
        access_key_id: str = "LTAI5tFakeKeyId01",
        secret: str = "fake-aliyun-secret",
        sign_name: str = "测试苏木",
        template_code: str = "SMS_153055065",
        template_vars: tuple[str, ...] = ("site", "time", "event"),
        per_minute_limit: int = 5,
    ) -> None:
        super().__init__()
        self.access_key_id = access_key_id
        self.secret = secret
        self.sign_name = sign_name
        self.template_code = template_code
        self.template_vars = template_vars
        self.per_minute_limit = per_minute_limit
        self.sent: list[SentSms] = []
        self.receipt_status = 3
        self._nonces: set[str] = set()
        self._state = threading.Lock()

    def server_error(self) -> Reply:
        return Reply(500, self._error("InternalError", "The request processing has failed due to some unknown error."))

    def respond(self, request: RecordedRequest) -> Reply:
        if request.method not in ("GET", "POST") or request.path != "/":
            return Reply(404, self._error("InvalidAction.NotFound", "Specified api is not found."))
        params = dict(request.query)
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(request.form())
        if request.headers.get("authorization", "").startswith(V3_ALGORITHM):
            problem = self._authenticate_v3(request)
            action = request.headers.get("x-acs-action")
        else:
            problem = self._authenticate(params, request.method)
            action = params.get("Action")
        if problem:
            return problem
        return self.act(action or "", params)

    def act(self, action: str, params: dict[str, str]) -> Reply:
        """The API behind the gateway (a subclass serves another product of the same gateway)."""
        if action == "SendSms":
            return self._send(params)
        if action == "QuerySendDetails":
            return self._query(params)
        return Reply(404, self._error("InvalidAction.NotFound", "Specified api is not found."))

    # --- the gateway: common parameters and signature -----------------------------------------
    def _authenticate(self, params: dict[str, str], method: str) -> Reply | None:
        """RPC v1: HMAC-SHA1 over the sorted, encoded parameters (RegionId is optional for Dysmsapi)."""
        required = ("AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce",
                    "SignatureVersion", "Timestamp", "Version", "Signature")
        for name in required:
            if not params.get(name):
                return self._missing(name)
        if params["Version"] != "2017-05-25" or params["Format"].upper() != "JSON":
            return Reply(400, self._error("InvalidParameter", "Version or Format"))
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return Reply(400, self._error("InvalidSignatureMethod", "Specified signature method is not supported."))
        if problem := self._fresh(params["Timestamp"], params["AccessKeyId"], params["SignatureNonce"]):
            return problem
        unsigned = {k: v for k, v in params.items() if k != "Signature"}
        canonical = "&".join(f"{aliyun_encode(k)}={aliyun_encode(unsigned[k])}" for k in sorted(unsigned))
        to_sign = f"{method}&%2F&" + aliyun_encode(canonical)
        expected = base64.b64encode(hmac.new((self.secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest())
        if not hmac.compare_digest(expected.decode(), params["Signature"]):
            return Reply(400, self._error(
                "SignatureDoesNotMatch",
                f"Specified signature is not matched with our calculation. server string to sign is:{to_sign}",
            ))
        return None

    def _authenticate_v3(self, request: RecordedRequest) -> Reply | None:
        """V3 (ACS3-HMAC-SHA256): a canonical request over method, path, query, signed headers, body hash."""
        h = request.headers
        match = V3_AUTH.match(h.get("authorization", ""))
        if not match:
            return Reply(400, self._error("IncompleteSignature", "The request signature does not conform to Aliyun standards."))
        for name in ("x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"):
            if not h.get(name):
                return self._missing(name)
        signed = match["headers"].split(";")
        if signed != sorted(signed) or not {"host", "x-acs-action", "x-acs-date", "x-acs-signature-nonce"} <= set(signed):
            return Reply(400, self._error("IncompleteSignature", "host and the x-acs-* headers must be signed, sorted."))
        if h["x-acs-version"] != "2017-05-25":
            return Reply(400, self._error("InvalidParameter", "x-acs-version"))
        if h["x-acs-content-sha256"] != hashlib.sha256(request.body).hexdigest():
            return Reply(400, self._error("InvalidParameter", "x-acs-content-sha256 is not the hash of the body"))
        if problem := self._fresh(h["x-acs-date"], match["id"], h["x-acs-signature-nonce"]):
            return problem
        query = "&".join(f"{aliyun_encode(k)}={aliyun_encode(v)}" for k, v in sorted(request.query.items()))
        headers = "".join(f"{name}:{h.get(name, '').strip()}\n" for name in signed)
        canonical = "\n".join([
            request.method, request.path, query, headers, match["headers"], h["x-acs-content-sha256"],
        ])
        to_sign = f"{V3_ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = hmac.new(self.secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match["sig"]):
            return Reply(400, self._error(
                "SignatureDoesNotMatch",
                f"Specified signature is not matched with our calculation. server string to sign is:{to_sign}",
            ))
        return None

    def _fresh(self, timestamp: str, access_key_id: str, nonce: str) -> Reply | None:
        """The checks both signatures share: a recent time stamp, a known key, a nonce used once."""
        stamp = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(stamp - datetime.now(UTC)) > timedelta(minutes=15):
            return Reply(400, self._error("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."))
        if access_key_id != self.access_key_id:
            return Reply(404, self._error("InvalidAccessKeyId.NotFound", "Specified access key is not found."))
        with self._state:
            if nonce in self._nonces:
                return Reply(400, self._error("SignatureNonceUsed", "Specified signature nonce was used already."))
            self._nonces.add(nonce)
        return None

    def _missing(self, name: str) -> Reply:
        return Reply(400, self._error(
            "MissingParameter", f"The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
        ))

    # --- SendSms --------------------------------------------------------------------------------
    def _send(self, params: dict[str, str]) -> Reply:
        match = MOBILE.match(params.get("PhoneNumbers", ""))
        if not match:
            return self._biz("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") != self.sign_name:
            return self._biz("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if params.get("TemplateCode") != self.template_code:
            return self._biz("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return self._biz("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return self._biz("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        missing = [v for v in self.template_vars if v not in values]
        if missing:
            return self._biz("isv.TEMPLATE_MISSING_PARAMETERS", f"模板缺少变量 {missing[0]}")
        phone = match.group(1)
        now = datetime.now(UTC)
        with self._state:
            recent = [s for s in self.sent if s.phone == phone and now - s.sent_at < timedelta(minutes=1)]
            if len(recent) >= self.per_minute_limit:
                return self._biz("isv.BUSINESS_LIMIT_CONTROL", f"触发分钟级流控Permits:{self.per_minute_limit}")
            biz_id = f"{len(self.sent) + 900000000000:d}^0"
            self.sent.append(SentSms(
                phone=phone, sign_name=params["SignName"], template_code=params["TemplateCode"], params=values,
                out_id=params.get("OutId", ""), biz_id=biz_id, sent_at=now, status=self.receipt_status,
                err_code="DELIVERED" if self.receipt_status != 2 else "MK:0001",
            ))
        return Reply(200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"})

    # --- QuerySendDetails -------------------------------------------------------------------------
    def _query(self, params: dict[str, str]) -> Reply:
        match = MOBILE.match(params.get("PhoneNumber", ""))
        if not match:
            return self._biz("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        day = params.get("SendDate", "")
        size = int(params.get("PageSize", "10"))
        page = int(params.get("CurrentPage", "1"))
        if not re.fullmatch(r"[0-9]{8}", day) or not 1 <= size <= 50 or page < 1:
            return self._biz("isv.INVALID_PARAMETERS", "参数异常")
        with self._state:
            rows = [
                s for s in self.sent
                if s.phone == match.group(1) and s.sent_at.astimezone(CHINA).strftime("%Y%m%d") == day
                and (not params.get("BizId") or s.biz_id == params["BizId"])
            ]
        chunk = rows[(page - 1) * size: page * size]
        dtos = [
            {
                "PhoneNum": s.phone, "SendStatus": s.status, "ErrCode": s.err_code, "TemplateCode": s.template_code,
                "Content": f"【{s.sign_name}】{s.params}", "OutId": s.out_id,
                "SendDate": s.sent_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": s.sent_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            }
            for s in chunk
        ]
        return Reply(200, {
            "Code": "OK", "Message": "OK", "RequestId": "819BE656-D2E0-4858-8B21-B2E477085AAF",
            "TotalCount": len(rows), "SmsSendDetailDTOs": {"SmsSendDetailDTO": dtos},
        })

    @staticmethod
    def _biz(code: str, message: str) -> Reply:
        return Reply(200, {"Code": code, "Message": message, "RequestId": "A90E4451-FED7-49D2-87C8-00700A8C4D0D"})

    @staticmethod
    def _error(code: str, message: str) -> dict[str, str]:
        return {"RequestId": "8906582E-6722-409A-A6C4-0E7863B733A5", "HostId": "dysmsapi.aliyuncs.com",
                "Code": code, "Message": message}
