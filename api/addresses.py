"""The client's address: what every throttle and the login lockout count by.

`X-Forwarded-For` is written by whoever sends the request, so only the entries
the operator's own proxies appended can be believed: with `NUM_PROXIES = n` the
client is the n-th address from the right (each proxy appends the address it
was connected from), and with 0 the header is ignored and the client is the
peer gunicorn sees. Anything that is not a plain IP address falls back to that peer,
so a forged header can at worst put its sender together with everyone behind
the proxy, never give it a fresh address per request. (docs/operations.md,
"Brute force and lockouts", says how to set NUM_PROXIES.)
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return peer
    addresses = forwarded.split(",")
    candidate = addresses[-min(proxies, len(addresses))].strip()
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return peer
    # A zone (`fe80::1%eth0`) names an interface of the sender's own machine.
    return peer if getattr(address, "scope_id", None) else str(address)
