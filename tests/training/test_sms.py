"""Text messages (training/sms.py): the file outbox read back, and real HTTP servers on this machine
standing in for a webhook gateway, Aliyun and Tencent Cloud. The signatures the stand-ins receive
are recomputed with the providers' official SDKs (dev dependencies), not with our own code."""
from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from aliyunsdkcore.auth.composer import rpc_signature_composer
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.credential import Credential
from tencentcloud.common.http.request import RequestInternal

from training import sms

NUMBER = "+8613812345678"
TEXT = "您在 Amicus 有一条新消息"
KEY_ID, KEY_SECRET = "test-key-id", "test-key-secret"
CLOUD = {"AMICUS_SMS_KEY_ID": KEY_ID, "AMICUS_SMS_KEY_SECRET": KEY_SECRET, "AMICUS_SMS_SIGN_NAME": "阿米库斯",
         "AMICUS_SMS_TEMPLATE_UPDATE": "SMS_1001", "AMICUS_SMS_TEMPLATE_CODE": "SMS_1002",
         "AMICUS_SMS_APP_ID": "1400000000"}


def configure(monkeypatch, app, **settings):
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)


class Gateway(ThreadingHTTPServer):
    """A real HTTP server: records each request and gives the answer set in ``answer``."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Recorder)
        self.received: list[dict] = []
        self.answer: tuple[int, bytes] = (200, b"{}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def answer_json(self, status: int, document: dict) -> None:
        self.answer = (status, json.dumps(document).encode())


class _Recorder(BaseHTTPRequestHandler):
    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.server.received.append({"method": self.command, "path": self.path, "headers": self.headers,  # case-insensitive, as in HTTP
                                     "body": self.rfile.read(length)})
        status, body = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _record

    def log_message(self, *args):  # quiet
        pass


@contextmanager
def running_gateway():
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def gateway():
    with running_gateway() as server:
        yield server


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- enabled() -----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend, settings, expected", [
    ("", {}, False),
    ("carrier-pigeon", {}, False),
    ("file", {}, True),  # the default outbox in the instance folder
    ("file", {"AMICUS_SMS_FILE": ""}, False),
    ("webhook", {}, False),
    ("webhook", {"AMICUS_SMS_WEBHOOK_URL": "https://gateway.example.org/sms"}, True),
    ("aliyun", CLOUD, True),
    ("aliyun", {**CLOUD, "AMICUS_SMS_TEMPLATE_CODE": ""}, False),
    ("aliyun", {**CLOUD, "AMICUS_SMS_KEY_SECRET": ""}, False),
    ("tencent", CLOUD, True),
    ("tencent", {**CLOUD, "AMICUS_SMS_APP_ID": ""}, False),
    ("tencent", {**CLOUD, "AMICUS_SMS_SIGN_NAME": ""}, False),
])
def test_enabled_needs_a_known_backend_and_its_settings(app, monkeypatch, backend, settings, expected):
    configure(monkeypatch, app, AMICUS_SMS_BACKEND=backend, **settings)
    assert sms.enabled() is expected


def test_nothing_is_sent_without_a_backend_or_to_a_number_not_in_e164(app, monkeypatch, tmp_path):
    with pytest.raises(sms.SmsError, match="no SMS backend"):
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    outbox = tmp_path / "outbox.jsonl"
    configure(monkeypatch, app, AMICUS_SMS_BACKEND="file", AMICUS_SMS_FILE=str(outbox))
    for number in ("13812345678", "+86 138 1234 5678", "+0123456789", ""):
        with pytest.raises(sms.SmsError) as refused:
            sms.send(number, "update", TEXT, {"site": "Amicus"})
        assert str(refused.value) == "not an E.164 number"
    with pytest.raises(ValueError):
        sms.send(NUMBER, "marketing", TEXT, {"site": "Amicus"})
    assert not outbox.exists()


# --- file ----------------------------------------------------------------------------------------


def test_the_file_backend_appends_one_json_line_per_message(app, monkeypatch, tmp_path):
    outbox = tmp_path / "instance" / "sms" / "outbox.jsonl"  # its folders are made
    configure(monkeypatch, app, AMICUS_SMS_BACKEND="file", AMICUS_SMS_FILE=str(outbox))
    sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    sms.send("+447700900123", "code", "Amicus code: 123456", {"site": "Amicus", "code": "123456", "extra": "x"})

    raw = outbox.read_text(encoding="utf-8")
    assert TEXT in raw  # written as UTF-8, not \u escapes
    first, second = (json.loads(line) for line in raw.splitlines())
    assert {key: first[key] for key in ("to", "kind", "text", "params")} == {
        "to": NUMBER, "kind": "update", "text": TEXT, "params": {"site": "Amicus"}}
    assert second["to"] == "+447700900123" and second["kind"] == "code" and second["text"] == "Amicus code: 123456"
    assert second["params"] == {"site": "Amicus", "code": "123456"}  # only the template's parameters
    at = datetime.fromisoformat(first["at"])
    assert at.utcoffset().total_seconds() == 0 and abs((datetime.now(UTC) - at).total_seconds()) < 60


# --- webhook -------------------------------------------------------------------------------------


def test_the_webhook_gets_the_message_as_json_with_the_bearer_token(app, monkeypatch, gateway):
    configure(monkeypatch, app, AMICUS_SMS_BACKEND="webhook", AMICUS_SMS_WEBHOOK_URL=gateway.url + "sms",
              AMICUS_SMS_WEBHOOK_TOKEN="s3cret-token")
    gateway.answer = (204, b"")
    sms.send(NUMBER, "code", "Amicus 验证码：123456", {"site": "Amicus", "code": "123456"})
    (request,) = gateway.received
    assert request["method"] == "POST" and request["path"] == "/sms"
    assert request["headers"]["Authorization"] == "Bearer s3cret-token"
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"]) == {"to": NUMBER, "kind": "code", "text": "Amicus 验证码：123456",
                                           "params": {"site": "Amicus", "code": "123456"}}

    monkeypatch.setitem(app.config, "AMICUS_SMS_WEBHOOK_TOKEN", "")  # no token: no Authorization
    gateway.answer = (200, b"queued")
    sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    assert "Authorization" not in gateway.received[-1]["headers"]


def test_a_webhook_that_fails_or_cannot_be_reached_raises_a_reason_without_content(app, monkeypatch, gateway):
    configure(monkeypatch, app, AMICUS_SMS_BACKEND="webhook", AMICUS_SMS_WEBHOOK_URL=gateway.url)
    gateway.answer = (500, b"Internal Server Error: +8613812345678")
    with pytest.raises(sms.SmsError) as failed:
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    assert str(failed.value) == "HTTP 500"

    monkeypatch.setitem(app.config, "AMICUS_SMS_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/sms?to={NUMBER}")
    with pytest.raises(sms.SmsError) as unreachable:
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    reason = str(unreachable.value)
    assert reason.startswith("URLError") and len(reason) <= 64
    assert "13812345678" not in reason and TEXT not in reason and "127.0.0.1" not in reason

    monkeypatch.setitem(app.config, "AMICUS_SMS_WEBHOOK_URL", "file:///etc/passwd")
    with pytest.raises(sms.SmsError, match="not an http"):
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})


# --- Aliyun --------------------------------------------------------------------------------------


def aliyun_sdk_signature(params: dict, secret: str, method: str = "GET") -> str:
    """The signature as the official SDK computes it (aliyunsdkcore's RPC composer, HMAC-SHA1)."""
    compose = getattr(rpc_signature_composer, "__compose_string_to_sign")
    sign = getattr(rpc_signature_composer, "__get_signature")
    return sign(compose(method, dict(params)), secret)  # the SDK adds the "&" to the secret


def test_the_aliyun_signature_is_the_official_sdks():
    # Names and values that percent-encoding gets wrong if it is not RFC 3986's.
    params = {"AccessKeyId": KEY_ID, "SignName": "阿米库斯", "TemplateParam": '{"site": "A*B ~c+d/e=f&g"}',
              "Timestamp": "2026-01-02T03:04:05Z", "Action": "SendSms", "Empty": "", "Tilde~Key": "x y"}
    for method in ("GET", "POST"):
        assert sms.aliyun_signature(params, "s3cr+t/=", method) == aliyun_sdk_signature(params, "s3cr+t/=", method)


@pytest.mark.parametrize("number, expected", [
    ("+8613812345678", "13812345678"), ("+85261234567", "85261234567"), ("+886912345678", "886912345678"),
    ("+447700900123", "447700900123"),
])
def test_aliyun_numbers(number, expected):
    assert sms.aliyun_number(number) == expected


def test_aliyun_sends_the_template_signed_as_the_sdk_signs_it(app, monkeypatch, gateway):
    configure(monkeypatch, app, AMICUS_SMS_BACKEND="aliyun", AMICUS_SMS_ENDPOINT=gateway.url, **CLOUD)
    gateway.answer_json(200, {"Code": "OK", "Message": "OK", "BizId": "9006197469364984^0", "RequestId": "x"})
    sms.send(NUMBER, "code", "ignored by templates", {"site": "Amicus 培训", "code": "123456"})
    sms.send("+85261234567", "update", TEXT, {"site": "Amicus"})

    first, second = gateway.received
    assert first["method"] == "GET" and urlsplit(first["path"]).path == "/"
    query = dict(parse_qsl(urlsplit(first["path"]).query, keep_blank_values=True, strict_parsing=True))
    signature = query.pop("Signature")
    assert signature == aliyun_sdk_signature(query, KEY_SECRET)
    assert {key: query[key] for key in ("Action", "Version", "Format", "AccessKeyId", "SignatureMethod",
                                        "SignatureVersion", "RegionId", "PhoneNumbers", "SignName", "TemplateCode")} == {
        "Action": "SendSms", "Version": "2017-05-25", "Format": "JSON", "AccessKeyId": KEY_ID,
        "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "RegionId": "cn-hangzhou",
        "PhoneNumbers": "13812345678", "SignName": "阿米库斯", "TemplateCode": "SMS_1002"}
    assert json.loads(query["TemplateParam"]) == {"site": "Amicus 培训", "code": "123456"}
    assert "ignored" not in first["path"]
    sent_at = datetime.strptime(query["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - sent_at).total_seconds()) < 60

    query = dict(parse_qsl(urlsplit(second["path"]).query))
    assert query.pop("Signature") == aliyun_sdk_signature(query, KEY_SECRET)
    assert query["PhoneNumbers"] == "85261234567" and query["TemplateCode"] == "SMS_1001"
    assert json.loads(query["TemplateParam"]) == {"site": "Amicus"}
    assert query["SignatureNonce"] != dict(parse_qsl(urlsplit(first["path"]).query))["SignatureNonce"]


def test_aliyun_refusals_raise_the_providers_code(app, monkeypatch, gateway):
    configure(monkeypatch, app, AMICUS_SMS_BACKEND="aliyun", AMICUS_SMS_ENDPOINT=gateway.url, **CLOUD)
    gateway.answer_json(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控Permits:10",
                              "RequestId": "x"})
    with pytest.raises(sms.SmsError) as refused:
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    assert str(refused.value) == "aliyun isv.BUSINESS_LIMIT_CONTROL"

    # A signature refused comes with HTTP 400 and a code in the body; a proxy's error page without one.
    gateway.answer_json(400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"})
    with pytest.raises(sms.SmsError, match="^aliyun SignatureDoesNotMatch$"):
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    gateway.answer = (502, b"<html>Bad Gateway</html>")
    with pytest.raises(sms.SmsError, match="^aliyun HTTP 502$"):
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    gateway.answer = (200, b"<html>a captive portal</html>")
    with pytest.raises(sms.SmsError, match="^aliyun unreadable answer$"):
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})


# --- Tencent Cloud -------------------------------------------------------------------------------


def tencent_sdk_authorization(headers: dict, body: bytes) -> str:
    """The Authorization header the official SDK would compute for this request: its own TC3
    signing (AbstractClient._get_tc3_signature) over the request as received, in the SDK's format."""
    client = CommonClient("sms", "2021-01-11", Credential(KEY_ID, KEY_SECRET), "ap-guangzhou")
    request = RequestInternal(host=headers["Host"], method="POST", uri="/", data=body, header={
        "Content-Type": headers["Content-Type"], "Host": headers["Host"], "X-TC-Timestamp": headers["X-TC-Timestamp"]})
    date = datetime.fromtimestamp(int(headers["X-TC-Timestamp"]), UTC).strftime("%Y-%m-%d")
    signature = client._get_tc3_signature({}, request, date, "sms", KEY_SECRET)
    return (f"TC3-HMAC-SHA256 Credential={KEY_ID}/{date}/sms/tc3_request, SignedHeaders=content-type;host, "
            f"Signature={signature}")


def test_the_tencent_authorization_is_the_official_sdks():
    payload = json.dumps({"PhoneNumberSet": [NUMBER], "SignName": "阿米库斯"}, ensure_ascii=False).encode()
    headers = {"Host": "sms.tencentcloudapi.com", "Content-Type": sms.TENCENT_JSON, "X-TC-Timestamp": "1767323045"}
    assert sms.tencent_authorization(KEY_ID, KEY_SECRET, "sms.tencentcloudapi.com", payload, 1767323045) == (
        tencent_sdk_authorization(headers, payload))


def test_tencent_sends_the_template_signed_as_the_sdk_signs_it(app, monkeypatch, gateway):
    configure(monkeypatch, app, AMICUS_SMS_BACKEND="tencent", AMICUS_SMS_ENDPOINT=gateway.url, **CLOUD)
    gateway.answer_json(200, {"Response": {"SendStatusSet": [{"Code": "Ok", "Message": "send success"}],
                                           "RequestId": "x"}})
    sms.send(NUMBER, "code", "ignored by templates", {"site": "Amicus 培训", "code": "123456"})
    sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})

    first, second = gateway.received
    headers = first["headers"]
    assert first["method"] == "POST" and first["path"] == "/"
    # Signed with the Host header sent: the overridden endpoint's host and port.
    assert headers["Host"] == urlsplit(gateway.url).netloc
    assert headers["Authorization"] == tencent_sdk_authorization(headers, first["body"])
    assert {key: headers[key] for key in ("X-TC-Action", "X-TC-Version", "X-TC-Region", "Content-Type")} == {
        "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Region": "ap-guangzhou",
        "Content-Type": "application/json; charset=utf-8"}
    assert abs(int(headers["X-TC-Timestamp"]) - datetime.now(UTC).timestamp()) < 60
    assert json.loads(first["body"]) == {"PhoneNumberSet": [NUMBER], "SmsSdkAppId": "1400000000",
                                         "SignName": "阿米库斯", "TemplateId": "SMS_1002",
                                         "TemplateParamSet": ["Amicus 培训", "123456"]}
    assert second["headers"]["Authorization"] == tencent_sdk_authorization(second["headers"], second["body"])
    body = json.loads(second["body"])
    assert body["TemplateId"] == "SMS_1001" and body["TemplateParamSet"] == ["Amicus"]


def test_tencent_refusals_raise_the_providers_code(app, monkeypatch, gateway):
    configure(monkeypatch, app, AMICUS_SMS_BACKEND="tencent", AMICUS_SMS_ENDPOINT=gateway.url,
              AMICUS_SMS_REGION="ap-beijing", **CLOUD)
    gateway.answer_json(200, {"Response": {"Error": {"Code": "LimitExceeded.PhoneNumberDailyLimit",
                                                     "Message": "单个手机号日下发条数超过设定的上限"}, "RequestId": "x"}})
    with pytest.raises(sms.SmsError) as refused:
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    assert str(refused.value) == "tencent LimitExceeded.PhoneNumberDailyLimit"
    assert gateway.received[-1]["headers"]["X-TC-Region"] == "ap-beijing"

    # The request is accepted but the number is refused: the code of its status.
    gateway.answer_json(200, {"Response": {"SendStatusSet": [{"Code": "InvalidParameterValue.IncorrectPhoneNumber",
                                                              "PhoneNumber": NUMBER}], "RequestId": "x"}})
    with pytest.raises(sms.SmsError, match="^tencent InvalidParameterValue.IncorrectPhoneNumber$"):
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
    gateway.answer = (200, b"not json")
    with pytest.raises(sms.SmsError, match="^tencent unreadable answer$"):
        sms.send(NUMBER, "update", TEXT, {"site": "Amicus"})
