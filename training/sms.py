"""Text messages through a small gateway interface (issue #21): one message, sent by one backend.

The backend is chosen by ``AMICUS_SMS_BACKEND``: ``file`` (development and tests: one JSON line
per message in ``AMICUS_SMS_FILE``), ``webhook`` (a POST of JSON to a gateway of the organisation's
own), ``aliyun`` or ``tencent`` (the SMS APIs organisations in China use). Credentials come from
the configuration, never from the repository.

Python's own ``urllib``, ``hmac`` and ``hashlib`` do the work: each provider's SDK is a heavy
package (HTTP clients, retries, every product of the cloud) for the one call made here, and both
providers document their signatures. The tests check our signatures against the official SDKs
(aliyun-python-sdk-core, tencentcloud-sdk-python-common: dev dependencies only).

The cloud providers send only templates: in mainland China a message must use a signature and a
template registered with the provider beforehand, so they get no text, only the template's
parameters. Two templates are registered: an update (AMICUS_SMS_TEMPLATE_UPDATE, e.g.
"您在{site}有一条新消息", parameter ``site``) and a code (AMICUS_SMS_TEMPLATE_CODE, ``site`` then
``code``; Tencent's numbered placeholders take them in that order: {1} the site, {2} the code).
The file and webhook backends get the full text as well.

Errors give a reason (an exception's type, an HTTP status, a provider's error code), never the
number, the text or a provider's message: they are logged and stored with the delivery.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

TIMEOUT = 15  # seconds, for one request to a gateway
ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
TENCENT_ENDPOINT = "https://sms.tencentcloudapi.com/"
TENCENT_JSON = "application/json; charset=utf-8"

# Each kind's template parameters, in the order of Tencent's numbered placeholders.
PARAMS = {"update": ("site",), "code": ("site", "code")}

_CLOUD = ("AMICUS_SMS_KEY_ID", "AMICUS_SMS_KEY_SECRET", "AMICUS_SMS_SIGN_NAME", "AMICUS_SMS_TEMPLATE_UPDATE",
          "AMICUS_SMS_TEMPLATE_CODE")
_REQUIRED = {
    "file": ("AMICUS_SMS_FILE",),
    "webhook": ("AMICUS_SMS_WEBHOOK_URL",),
    "aliyun": _CLOUD,
    "tencent": (*_CLOUD, "AMICUS_SMS_APP_ID"),
}

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class SmsError(Exception):
    """The gateway could not be reached or refused the message (a reason without content, at most
    64 characters)."""

    def __init__(self, reason: str):
        super().__init__(" ".join(str(reason).split())[:64])


def enabled() -> bool:
    config = current_app.config
    required = _REQUIRED.get(config["AMICUS_SMS_BACKEND"])
    return required is not None and all(config.get(key) for key in required)


def send(to: str, kind: str, text: str, params: dict) -> None:
    """Send ``text`` (file, webhook) or the ``kind`` template with ``params`` (aliyun, tencent) to
    ``to``, a number in E.164 form ("+8613812345678"). Raises SmsError when it was not sent."""
    if kind not in PARAMS:
        raise ValueError(f"unknown kind of text message: {kind!r}")
    if not enabled():
        raise SmsError("no SMS backend configured")
    if not _E164.fullmatch(to):
        raise SmsError("not an E.164 number")
    params = {key: str(params[key]) for key in PARAMS[kind]}  # only what the template has
    _BACKENDS[current_app.config["AMICUS_SMS_BACKEND"]](to, kind, text, params)


# --- file and webhook -----------------------------------------------------------------------------


def _send_file(to: str, kind: str, text: str, params: dict) -> None:
    """Append one JSON line: the development outbox, read back by the tests."""
    line = {"to": to, "kind": kind, "text": text, "params": params,
            "at": datetime.now(UTC).isoformat(timespec="seconds")}
    path = Path(current_app.config["AMICUS_SMS_FILE"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as outbox:
            outbox.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as error:
        raise SmsError(type(error).__name__) from None


def _send_webhook(to: str, kind: str, text: str, params: dict) -> None:
    """POST the message as JSON to the organisation's own gateway; any 2xx answer means sent."""
    config = current_app.config
    headers = {"Content-Type": "application/json"}
    if config["AMICUS_SMS_WEBHOOK_TOKEN"]:
        headers["Authorization"] = f"Bearer {config['AMICUS_SMS_WEBHOOK_TOKEN']}"
    body = json.dumps({"to": to, "kind": kind, "text": text, "params": params}, ensure_ascii=False).encode()
    status, _ = _fetch(urllib.request.Request(config["AMICUS_SMS_WEBHOOK_URL"], body, headers, method="POST"))
    if not 200 <= status < 300:
        raise SmsError(f"HTTP {status}")


# --- Aliyun (Dysmsapi SendSms, RPC API, signature version 1.0) ------------------------------------


def _send_aliyun(to: str, kind: str, text: str, params: dict) -> None:
    config = current_app.config
    query = {
        "Action": "SendSms", "Version": "2017-05-25", "Format": "JSON",
        "AccessKeyId": config["AMICUS_SMS_KEY_ID"],
        "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "RegionId": config["AMICUS_SMS_REGION"] or "cn-hangzhou",
        "PhoneNumbers": aliyun_number(to),
        "SignName": config["AMICUS_SMS_SIGN_NAME"],
        "TemplateCode": _template(kind),
        "TemplateParam": json.dumps(params, ensure_ascii=False),
    }
    query["Signature"] = aliyun_signature(query, config["AMICUS_SMS_KEY_SECRET"])
    url = (config["AMICUS_SMS_ENDPOINT"] or ALIYUN_ENDPOINT) + "?" + _aliyun_query(query)
    status, body = _fetch(urllib.request.Request(url, method="GET"))
    code = str(_answer(status, body, "aliyun").get("Code") or "")
    if code == "OK" and 200 <= status < 300:
        return
    raise SmsError(f"aliyun {code}" if code not in ("", "OK") else f"aliyun HTTP {status}")


def aliyun_number(to: str) -> str:
    """Aliyun's form of an E.164 number: a mainland number without its +86 (11 digits), any other
    as country code and number without "+" (their docs: "国际区号+号码", e.g. 85200000000)."""
    return to.removeprefix("+86") if to.startswith("+86") else to.removeprefix("+")


def _aliyun_encode(value) -> str:
    """Aliyun's percent-encoding (RFC 3986): everything but A-Z a-z 0-9 - _ . ~, UTF-8. ``quote``
    already writes a space as %20 and * as %2A and leaves ~ alone, which is what the replacements
    in Aliyun's docs (+ to %20, * to %2A, %7E to ~) fix in Java's URLEncoder."""
    return urllib.parse.quote(str(value), safe="~")


def _aliyun_query(params: dict) -> str:
    """The canonicalized query: encoded names and values, sorted by name."""
    return "&".join(f"{_aliyun_encode(key)}={_aliyun_encode(params[key])}" for key in sorted(params))


def aliyun_signature(params: dict, secret: str, method: str = "GET") -> str:
    """The RPC signature (version 1.0, HMAC-SHA1) of ``params`` (without Signature), keyed by the
    AccessKey secret and "&"."""
    string_to_sign = f"{method}&{_aliyun_encode('/')}&{_aliyun_encode(_aliyun_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# --- Tencent Cloud (SMS API 2021-01-11 SendSms, TC3-HMAC-SHA256) ----------------------------------


def _send_tencent(to: str, kind: str, text: str, params: dict) -> None:
    config = current_app.config
    endpoint = config["AMICUS_SMS_ENDPOINT"] or TENCENT_ENDPOINT
    # Signed with the Host header actually sent: the endpoint's host (and port, if it names one).
    host = urllib.parse.urlsplit(endpoint).netloc
    payload = json.dumps({
        "PhoneNumberSet": [to], "SmsSdkAppId": config["AMICUS_SMS_APP_ID"], "SignName": config["AMICUS_SMS_SIGN_NAME"],
        "TemplateId": _template(kind), "TemplateParamSet": [params[key] for key in PARAMS[kind]],
    }, ensure_ascii=False).encode()
    timestamp = int(datetime.now(UTC).timestamp())
    headers = {
        "Host": host, "Content-Type": TENCENT_JSON,
        "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11", "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": config["AMICUS_SMS_REGION"] or "ap-guangzhou",
        "Authorization": tencent_authorization(config["AMICUS_SMS_KEY_ID"], config["AMICUS_SMS_KEY_SECRET"], host,
                                               payload, timestamp),
    }
    status, body = _fetch(urllib.request.Request(endpoint, payload, headers, method="POST"))
    response = _answer(status, body, "tencent").get("Response")
    if not isinstance(response, dict):
        raise SmsError(f"tencent HTTP {status}")
    if isinstance(response.get("Error"), dict):
        raise SmsError(f"tencent {response['Error'].get('Code')}")
    codes = [item.get("Code") if isinstance(item, dict) else None for item in response.get("SendStatusSet") or []]
    if not codes:
        raise SmsError(f"tencent HTTP {status} without SendStatusSet")
    refused = [code for code in codes if code != "Ok"]
    if refused:
        raise SmsError(f"tencent {refused[0]}")
    if not 200 <= status < 300:
        raise SmsError(f"tencent HTTP {status}")


def tencent_authorization(secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int,
                          service: str = "sms", headers_content_type: str = TENCENT_JSON) -> str:
    """The Authorization header of a POST to "/" (TC3-HMAC-SHA256): the signed headers are
    content-type and host, names and values in lower case, as in Tencent's docs."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{headers_content_type.strip().lower()}\nhost:{host.strip().lower()}\n"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, "content-type;host", hashlib.sha256(payload).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = f"TC3{secret_key}".encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


# --- shared --------------------------------------------------------------------------------------


def _template(kind: str) -> str:
    return current_app.config["AMICUS_SMS_TEMPLATE_UPDATE" if kind == "update" else "AMICUS_SMS_TEMPLATE_CODE"]


class _EveryAnswer(urllib.request.HTTPErrorProcessor):
    """Every answer is returned as it came: a provider's refusal says why in its body, and no
    redirect is followed (urllib would repeat the Authorization header to wherever it points)."""

    def http_response(self, request, response):
        return response

    https_response = http_response


_OPENER = urllib.request.build_opener(_EveryAnswer)


def _fetch(request: urllib.request.Request) -> tuple[int, bytes]:
    """The HTTP status and body of the gateway's answer, whatever the status."""
    if urllib.parse.urlsplit(request.full_url).scheme not in ("http", "https"):
        raise SmsError("not an http(s) URL")
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            return response.status, response.read()
    except (OSError, http.client.HTTPException) as error:
        raise SmsError(_reason(error)) from None


def _reason(error: Exception) -> str:
    """The kind of failure, never its text (a URL with its token, a number can be in it)."""
    cause = getattr(error, "reason", None)  # URLError wraps the socket's error
    return f"{type(error).__name__} {type(cause).__name__}" if isinstance(cause, BaseException) else type(error).__name__


def _answer(status: int, body: bytes, provider: str) -> dict:
    """A provider's JSON answer. Without one, a failure is told by its HTTP status."""
    try:
        parsed = json.loads(body)
    except ValueError:  # not JSON, or not UTF-8
        parsed = None
    if isinstance(parsed, dict):
        return parsed
    raise SmsError(f"{provider} unreadable answer" if 200 <= status < 300 else f"{provider} HTTP {status}")


_BACKENDS = {"file": _send_file, "webhook": _send_webhook, "aliyun": _send_aliyun, "tencent": _send_tencent}
