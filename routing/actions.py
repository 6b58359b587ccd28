"""What a tier's rules do: match a lead, and send webhooks and e-mails."""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Leadscore-Signature"
TIMESTAMP_HEADER = "X-Leadscore-Timestamp"
# The address cloud providers answer metadata requests on, named so the check
# never depends on how a library classifies it.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


class UnsafeUrlError(ValueError):
    """A webhook URL Leadscore refuses to call."""


@dataclass
class SendResult:
    ok: bool
    status_code: int | None
    response_ms: float
    error: str = ""


def rule_matches(filter_field: str, filter_value: str, fields: dict) -> bool:
    """Return whether a lead's fields pass a rule's optional field filter.

    Text is compared without case or surrounding spaces, so "france" in a
    rule matches "France " from a form.
    """
    if not filter_field:
        return True
    value = fields.get(filter_field)
    if value is None:
        return False
    return str(value).strip().lower() == filter_value.strip().lower()


def check_webhook_url(url: str) -> list[str]:
    """Return the addresses a webhook URL resolves to, if every one is safe.

    Only http and https are allowed. Loopback, private, link-local, reserved
    and metadata addresses are refused unless the host is listed in the
    WEBHOOK_ALLOWED_HOSTS setting.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrlError("Webhook URLs must start with http:// or https://.")
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeUrlError(f"The host {host} cannot be found ({error}).") from None
    addresses = sorted({info[4][0] for info in infos})
    if host not in settings.WEBHOOK_ALLOWED_HOSTS:
        for address in addresses:
            if not _is_public(ipaddress.ip_address(address.split("%")[0])):
                raise UnsafeUrlError(
                    f"{host} points to {address}, an internal address; webhooks "
                    "may only call public hosts."
                )
    return addresses


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return (
        address.is_global
        and address not in METADATA_ADDRESSES
        and not (address.is_multicast or address.is_reserved)
    )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value for a webhook body.

    The receiver recomputes HMAC-SHA256 over "<timestamp>.<body>" with the
    rule's secret, and rejects old timestamps to stop replays.
    """
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post_webhook(url: str, secret: str, payload: dict) -> SendResult:
    """POST the payload as signed JSON; never follow redirects."""
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Leadscore-Webhook/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    started = time.perf_counter()
    try:
        # Resolved and checked again now: DNS may have changed since saving,
        # and the connection goes to the address that was checked.
        address = check_webhook_url(url)[0]
        status = _post(url, address, body, headers)
    except UnsafeUrlError as error:
        return SendResult(False, None, _ms(started), str(error))
    except (OSError, http.client.HTTPException) as error:
        error_text = f"{type(error).__name__}: {error}"
        return SendResult(False, None, _ms(started), error_text)
    ok = 200 <= status < 300
    return SendResult(ok, status, _ms(started), "" if ok else f"HTTP {status}")


def _post(url: str, address: str, body: bytes, headers: dict) -> int:
    parts = urlsplit(url)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    if parts.scheme == "https":
        connection = _PinnedHTTPS(parts.hostname, parts.port, address, timeout)
    else:
        connection = _PinnedHTTP(parts.hostname, parts.port, address, timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        context = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        # The certificate is still checked against the host name, not the IP.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def send_email(recipients: list[str], subject: str, text: str) -> SendResult:
    """Send one plain-text e-mail through Django's mail backend."""
    started = time.perf_counter()
    if not recipients:
        return SendResult(False, None, 0.0, "No recipient: the lead has no owner.")
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    except (OSError, ValueError) as error:
        return SendResult(False, None, _ms(started), f"{type(error).__name__}: {error}")
    return SendResult(True, None, _ms(started))


def split_addresses(text: str) -> list[str]:
    """Return the addresses in a comma- or line-separated list."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
