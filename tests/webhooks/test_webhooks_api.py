"""POST/GET/DELETE /api/webhooks (docs/api.md, "Webhooks"): who may do what, the
secret shown once, and each bad input a clear 4xx."""

from __future__ import annotations

import pytest

from groups.models import Group
from tests.conftest import bearer_client
from tests.factories import UserFactory
from webhooks import addresses
from webhooks.models import Webhook

pytestmark = pytest.mark.django_db

PUBLIC = "https://hooks.example.com/osrs"


@pytest.fixture(autouse=True)
def dns(monkeypatch, settings):
    """Names resolve without the network: the example name to a public address,
    "loopback.example.com" to 127.0.0.1; addresses to themselves."""
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    real = addresses.resolve
    names = {"hooks.example.com": ["93.184.216.34"], "loopback.example.com": ["127.0.0.1"]}

    def resolve(host, port):
        return names[host] if host in names else real(host, port)

    monkeypatch.setattr(addresses, "resolve", resolve)


@pytest.fixture
def people():
    owner, leader, member, staff = (
        UserFactory(username="owner"),
        UserFactory(username="leader"),
        UserFactory(username="member"),
        UserFactory(username="boss", is_staff=True),
    )
    group = Group.objects.create(name="Clan", slug="clan", owner=owner)
    group.leaders.add(leader)
    return {"owner": owner, "leader": leader, "member": member, "staff": staff, "group": group}


def client(people, who):
    from rest_framework.test import APIClient

    return APIClient() if who == "anon" else bearer_client(people[who])


def body(**extra):
    return {"url": PUBLIC, "events": ["achievement", "member.joined"], **extra}


@pytest.mark.parametrize(
    ("who", "with_group", "status"),
    [
        ("owner", True, 201),
        ("leader", True, 201),
        ("member", True, 403),
        ("staff", True, 201),
        ("anon", True, 401),
        ("owner", False, 403),
        ("leader", False, 403),
        ("member", False, 403),
        ("staff", False, 201),
        ("anon", False, 401),
    ],
)
def test_who_may_make_a_webhook(people, who, with_group, status):
    extra = {"group": "clan"} if with_group else {}
    response = client(people, who).post("/api/webhooks", body(**extra), format="json")
    assert response.status_code == status, response.json()
    if status != 201:
        assert response.json()["error_code"] in ("permission_denied", "not_authenticated")
        assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    ("who", "sees"),
    [("owner", {"clan"}), ("leader", {"clan"}), ("member", set()), ("staff", {"clan", None})],
)
def test_who_sees_which_webhooks(people, who, sees):
    staff = client(people, "staff")
    assert staff.post("/api/webhooks", body(group="clan"), format="json").status_code == 201
    assert staff.post("/api/webhooks", body(), format="json").status_code == 201

    response = client(people, who).get("/api/webhooks")

    assert response.status_code == 200
    assert {hook["group"] for hook in response.json()["results"]} == sees
    assert all("secret" not in hook for hook in response.json()["results"])


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 204), ("leader", 204), ("member", 404), ("staff", 204), ("anon", 401)],
)
def test_who_may_delete_a_groups_webhook(people, who, status):
    made = client(people, "owner").post("/api/webhooks", body(group="clan"), format="json")
    path = f"/api/webhooks/{made.json()['id']}"

    assert client(people, who).get(path).status_code == (200 if status == 204 else status)
    assert client(people, who).delete(path).status_code == status
    assert Webhook.objects.exists() is (status != 204)


def test_the_secret_is_shown_once_and_signs(people):
    owner = client(people, "owner")
    made = owner.post("/api/webhooks", body(group="clan", format="discord"), format="json")
    assert made.status_code == 201
    hook = made.json()
    assert len(hook["secret"]) == 64
    assert Webhook.objects.get().secret == hook["secret"]
    assert (hook["group"], hook["format"], hook["is_active"]) == ("clan", "discord", True)
    assert hook["events"] == ["achievement", "member.joined"]
    shown = owner.get(f"/api/webhooks/{hook['id']}").json()
    assert "secret" not in shown
    assert shown["url"] == PUBLIC


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://loopback.example.com/hook",
    ],
)
def test_a_url_that_is_not_public_is_refused(people, settings, url):
    staff = client(people, "staff")
    response = staff.post("/api/webhooks", body(url=url), format="json")
    assert response.status_code == 422
    assert response.json()["error_code"] == "validation_error"
    assert "not a public address" in response.json()["details"]["url"][0]
    assert not Webhook.objects.exists()

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert staff.post("/api/webhooks", body(url=url), format="json").status_code == 201


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "https://nowhere.invalid/x"}, "url"),
        ({"url": "https://" + "a" * 2000 + ".com/"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["achievement", "everything"]}, "events"),
        ({"events": "achievement"}, "events"),
        ({"format": "xml"}, "format"),
        ({"group": "no-such-group"}, "group"),
    ],
)
def test_bad_fields_are_422_naming_the_field(people, fields, field):
    response = client(people, "staff").post("/api/webhooks", body(**fields), format="json")
    assert response.status_code == 422, response.json()
    assert field in response.json()["details"]


def test_the_same_event_twice_is_kept_once(people):
    response = client(people, "staff").post(
        "/api/webhooks", body(events=["achievement", "achievement"]), format="json"
    )
    assert response.json()["events"] == ["achievement"]


def test_a_user_makes_at_most_the_allowed_number(people, settings):
    settings.WEBHOOKS_PER_OWNER = 2
    owner = client(people, "owner")
    for _ in range(2):
        assert owner.post("/api/webhooks", body(group="clan"), format="json").status_code == 201
    response = owner.post("/api/webhooks", body(group="clan"), format="json")
    assert response.status_code == 409
    assert response.json()["error_code"] == "too_many_webhooks"


@pytest.mark.parametrize("hook_id", ["0", "99999999999999999999999999", "x", "-1"])
def test_an_id_no_webhook_can_have_is_404(people, hook_id):
    assert client(people, "staff").delete(f"/api/webhooks/{hook_id}").status_code == 404
