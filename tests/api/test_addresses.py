"""The client address every throttle and the login lockout count by: only the
entries the operator's own proxies wrote are believed."""

import pytest
from django.test import RequestFactory

from api.addresses import client_address


def request_from(peer: str, forwarded: str | None = None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


@pytest.mark.parametrize("forwarded", [None, "203.0.113.7", "1.1.1.1, 2.2.2.2", "garbage"])
def test_without_proxies_the_header_is_ignored(settings, forwarded):
    settings.NUM_PROXIES = 0
    assert client_address(request_from("198.51.100.1", forwarded)) == "198.51.100.1"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.NUM_PROXIES = 1
    # The client wrote "6.6.6.6" itself; the proxy appended the address it saw.
    request = request_from("10.0.0.2", "6.6.6.6, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.NUM_PROXIES = 2
    request = request_from("10.0.0.3", "6.6.6.6, 203.0.113.7, 10.0.0.2")
    assert client_address(request) == "203.0.113.7"


def test_a_shorter_header_than_the_proxies_gives_its_first_entry(settings):
    settings.NUM_PROXIES = 2
    assert client_address(request_from("10.0.0.3", "203.0.113.7")) == "203.0.113.7"


@pytest.mark.parametrize(
    "forwarded", ["not-an-address", "", " , ", "203.0.113.7:443", "fe80::1%eth0", "1.2.3.4\x00"]
)
def test_an_entry_that_is_not_a_plain_address_falls_back_to_the_peer(settings, forwarded):
    settings.NUM_PROXIES = 1
    assert client_address(request_from("10.0.0.2", forwarded)) == "10.0.0.2"


def test_ipv6_addresses_are_written_one_way(settings):
    settings.NUM_PROXIES = 1
    request = request_from("10.0.0.2", "2001:DB8:0:0::1")
    assert client_address(request) == "2001:db8::1"
