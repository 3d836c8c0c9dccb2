"""The address guard refuses every URL that resolves to a non-public address, by
name or by number, unless WEBHOOKS_ALLOW_PRIVATE (docs/api.md, "Webhooks")."""

from __future__ import annotations

import pytest

from webhooks import addresses
from webhooks.addresses import UnsafeUrl


@pytest.fixture(autouse=True)
def guarded(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False


@pytest.fixture
def dns(monkeypatch):
    """Names resolve to what the test says, never through the network."""
    table: dict[str, list[str]] = {}

    real = addresses.resolve

    def resolve(host, port):
        if host[0].isdigit() or ":" in host:
            return real(host, port)  # an address resolves to itself, with no lookup
        if host not in table:
            raise UnsafeUrl(f"The host {host!r} does not resolve.")
        return table[host]

    monkeypatch.setattr(addresses, "resolve", resolve)
    return table


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.8.9.10:8080/hook",
        "http://10.0.0.5/hook",
        "http://172.16.3.4/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://100.64.0.1/hook",
        "http://240.0.0.1/hook",
    ],
)
def test_non_public_addresses_are_refused(url):
    with pytest.raises(UnsafeUrl, match="not a public address"):
        addresses.check(url)


def test_a_name_that_resolves_to_loopback_is_refused(dns):
    dns["hooks.example.com"] = ["127.0.0.1"]
    with pytest.raises(UnsafeUrl, match=r"127\.0\.0\.1"):
        addresses.check("https://hooks.example.com/x")


def test_one_private_answer_among_public_ones_is_enough_to_refuse(dns):
    dns["mixed.example.com"] = ["93.184.216.34", "10.1.2.3"]
    with pytest.raises(UnsafeUrl, match=r"10\.1\.2\.3"):
        addresses.check("https://mixed.example.com/x")


def test_a_public_name_gives_the_checked_address_to_connect_to(dns):
    dns["hooks.example.com"] = ["93.184.216.34"]
    target = addresses.check("https://hooks.example.com:8443/in?x=1")
    assert (target.scheme, target.host, target.port, target.ip, target.path) == (
        "https",
        "hooks.example.com",
        8443,
        "93.184.216.34",
        "/in?x=1",
    )


def test_a_name_that_does_not_resolve_is_refused(dns):
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        addresses.check("https://nowhere.invalid/x")


@pytest.mark.parametrize(
    "url",
    ["ftp://93.184.216.34/x", "file:///etc/passwd", "http:///x", "https://u:p@93.184.216.34/x",
     "http://93.184.216.34:99999/x"],
)  # fmt: skip
def test_other_schemes_credentials_and_bad_ports_are_refused(url):
    with pytest.raises(UnsafeUrl):
        addresses.check(url)


def test_the_setting_allows_private_addresses(settings, dns):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    dns["localhost.test"] = ["127.0.0.1"]
    assert addresses.check("http://127.0.0.1:8000/x").ip == "127.0.0.1"
    assert addresses.check("http://[::1]/x").ip == "::1"
    assert addresses.check("http://localhost.test/x").ip == "127.0.0.1"
