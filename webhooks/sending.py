"""The one way a delivery goes out: to the address the guard checked, with short
timeouts, no redirects, and no more of the answer read than its status
(docs/api.md, "Webhooks")."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from .addresses import Target

USER_AGENT = "osrsdiff-webhooks/1"


@dataclass(frozen=True)
class Sent:
    """What came of one request: an HTTP status, or the error that stopped it."""

    http_status: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


def _url(target: Target) -> str:
    ip = f"[{target.ip}]" if ":" in target.ip else target.ip
    return f"{target.scheme}://{ip}:{target.port}{target.path}"


def post(target: Target, *, body: bytes, headers: dict[str, str]) -> Sent:
    """POST `body` to the target. The connection is made to `target.ip`; the name
    goes in the Host header and, over TLS, in SNI, where the certificate is checked
    against it. A redirect is an answer like any other non-2xx: following one
    would go wherever it says, past the guard."""
    timeout = settings.WEBHOOKS_TIMEOUT_SECONDS
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.port != default_port:
        host = f"{host}:{target.port}"
    started = time.monotonic()
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as client,
            client.stream(
                "POST",
                _url(target),
                content=body,
                headers={
                    **headers,
                    "Host": host,
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                },
                extensions={"sni_hostname": target.host},
            ) as response,
        ):
            status = response.status_code
    except httpx.TimeoutException:
        return Sent(None, f"timed out after {timeout:g} s", _since(started))
    except httpx.HTTPError as error:
        return Sent(None, f"{type(error).__name__}: {error}"[:500], _since(started))
    return Sent(status, "" if 200 <= status < 300 else f"HTTP {status}", _since(started))


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
