"""GIVEN the web tier as deployed (gunicorn, two workers), WHEN 1,000 password
guesses arrive one after another, each with a random X-Forwarded-For, THEN at most
LOGIN_FAILURE_LIMIT of them reach a password check (exactly that many: the guesses
come one after another), however many proxies the
deployment declares: with none the header is ignored and the address locks; with
one every guess comes from a new address and the username locks. Every refused
guess is the contract's 429 `locked_out` with Retry-After."""

from __future__ import annotations

import random
import secrets
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.factories import UserFactory
from tests.integration.stack import wait_for
from tests.reliability.password_checks import checks_in, counted_password

pytestmark = pytest.mark.django_db(transaction=True)

GUESSES = 1000
LIMIT = 5
# The lockout is under test, not the per-address throttle: it must not answer first.
NO_THROTTLE = "1000000/min"


def random_address(rng: random.Random) -> str:
    return ".".join(str(rng.randrange(1, 255)) for _ in range(4))


def counted_user(username: str, password: str) -> None:
    user = UserFactory(username=username)
    user.password = counted_password(password)
    user.save(update_fields=["password"])


def start_web(launch, tmp_path: Path, *, proxies: int) -> tuple[str, Path]:
    ledger = tmp_path / f"password-checks-{proxies}"
    stack = launch(
        "http://127.0.0.1:9",  # no hiscores needed: only logins are made
        DJANGO_SETTINGS_MODULE="tests.reliability.password_checks_settings",
        PASSWORD_CHECKS_FILE=str(ledger),
        NUM_PROXIES=str(proxies),
        AUTH_THROTTLE_RATE=NO_THROTTLE,
        LOGIN_FAILURE_LIMIT=str(LIMIT),
    )
    web_url = stack.start_web(workers=2)
    wait_for(lambda: _answers(web_url), timeout=60, what="gunicorn to answer")
    return web_url, ledger


def guess(client: httpx.Client, web_url: str, username: str, forwarded: str) -> httpx.Response:
    return client.post(
        f"{web_url}/api/auth/login",
        json={"username": username, "password": secrets.token_urlsafe(12)},
        headers={"X-Forwarded-For": forwarded},
    )


def assert_refused_as_the_contract_says(responses: list[httpx.Response]) -> Counter:
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {401, 429}, statuses
    for response in responses:
        if response.status_code == 429:
            body = response.json()
            assert body["error_code"] == "locked_out"
            assert int(response.headers["Retry-After"]) == body["details"]["retry_after"] > 0
    return statuses


@pytest.mark.parametrize("proxies", [0, 1])
def test_a_thousand_guesses_at_one_account_from_forged_addresses(launch, tmp_path, proxies):
    counted_user("victim", "the real passphrase")
    web_url, ledger = start_web(launch, tmp_path, proxies=proxies)
    rng = random.Random(proxies)

    with httpx.Client(timeout=30) as client:
        responses = [guess(client, web_url, "victim", random_address(rng)) for _ in range(GUESSES)]
        # Even the right password is refused now, from yet another address.
        right = client.post(
            f"{web_url}/api/auth/login",
            json={"username": "victim", "password": "the real passphrase"},
            headers={"X-Forwarded-For": random_address(rng)},
        )

    statuses = assert_refused_as_the_contract_says([*responses, right])
    assert checks_in(ledger) == LIMIT, statuses
    assert statuses[401] == LIMIT - 1  # the guess that reached the limit is told at once
    assert right.status_code == 429


def test_a_thousand_guesses_at_many_usernames_from_forged_addresses(launch, tmp_path):
    """Password spraying: every guess names another user, and forges another address."""
    for n in range(3):
        counted_user(f"member{n}", f"secret {n}")
    web_url, ledger = start_web(launch, tmp_path, proxies=0)
    rng = random.Random(7)
    usernames = [f"member{n % 3}" if n % 2 else f"nobody{n}" for n in range(GUESSES)]

    with httpx.Client(timeout=30) as client:
        responses = [guess(client, web_url, name, random_address(rng)) for name in usernames]

    statuses = assert_refused_as_the_contract_says(responses)
    assert checks_in(ledger) == LIMIT, statuses


def _answers(web_url: str) -> bool:
    try:
        return httpx.get(f"{web_url}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
