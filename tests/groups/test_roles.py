"""Who may change a group or a competition (docs/api.md, "Groups",
"Competitions"): a matrix of every changing endpoint against every role. Each
refused call is the contract's 403 and changes nothing; each allowed one is not
a 403."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from groups.competitions import competition_create
from groups.models import Competition, Group, Membership
from groups.services import group_create
from tests.conftest import bearer_client
from tests.factories import PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("stranger", "owner", "leader", "staff", "creator")


@pytest.fixture
def world(db):
    """A group owned by `owner` with `leader` named, and a competition of that
    group created by `creator` (a plain user)."""
    users = {role: UserFactory(username=role, is_staff=role == "staff") for role in ROLES}
    PlayerFactory(username="Zezima")
    group, _ = group_create(name="Clan", owner=users["owner"], members=["Zezima", "Pend"])
    group.leaders.add(users["leader"])
    start = timezone.now() + timedelta(days=1)
    competition = competition_create(
        title="SOTW",
        metrics=["attack"],
        starts_at=start,
        ends_at=start + timedelta(days=7),
        created_by=users["creator"],
        group=group,
    )
    return users, group, competition


GROUP_CALLS = [
    ("PATCH", "/api/groups/clan", {"description": "changed"}),
    ("POST", "/api/groups/clan/members", {"usernames": ["Newcomer"]}),
    ("DELETE", "/api/groups/clan/members/Zezima", None),
    ("DELETE", "/api/groups/clan", None),
]
COMPETITION_CALLS = [
    ("PATCH", "/api/competitions/{id}", {"title": "changed"}),
    ("DELETE", "/api/competitions/{id}", None),
]
# Who may make each kind of call.
MAY = {
    "group": {"owner", "leader", "staff"},
    "competition": {"creator", "owner", "leader", "staff"},
}
# Only the owner or staff name the leaders.
LEADERS_CALL = ("PATCH", "/api/groups/clan", {"leaders": []})


def snapshot() -> tuple:
    return (
        list(Group.objects.values_list("name", "description")),
        sorted(Membership.objects.values_list("pending_name", "player_id")),
        list(Competition.objects.values_list("title")),
        sorted(Group.objects.get().leaders.values_list("username", flat=True))
        if Group.objects.exists()
        else [],
    )


def call(user, method, path, body):
    return bearer_client(user).generic(
        method,
        path,
        "" if body is None else json.dumps(body),
        content_type="application/json",
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("kind", "method", "path", "body"),
    [("group", *c) for c in GROUP_CALLS] + [("competition", *c) for c in COMPETITION_CALLS],
)
def test_each_role_may_or_may_not_change(world, role, kind, method, path, body):
    users, _, competition = world
    before = snapshot()
    response = call(users[role], method, path.format(id=competition.pk), body)
    if role in MAY[kind]:
        assert response.status_code in (200, 204), response.content
        assert snapshot() != before
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error_code"] == "permission_denied"
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_or_staff_name_leaders(world, role):
    users, _, _ = world
    before = snapshot()
    response = call(users[role], *LEADERS_CALL)
    if role in {"owner", "staff"}:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_every_read_is_open_to_any_user(world, role):
    users, _, competition = world
    client = bearer_client(users[role])
    for path in (
        "/api/groups",
        "/api/groups/clan",
        "/api/groups/clan/gains",
        "/api/groups/clan/hiscores",
        "/api/groups/clan/records",
        "/api/groups/clan/statistics",
        "/api/competitions",
        f"/api/competitions/{competition.pk}",
    ):
        assert client.get(path).status_code == 200, path


def test_any_user_creates_groups_and_competitions(world):
    client = bearer_client(world[0]["stranger"])
    assert client.post("/api/groups", {"name": "Mine"}, format="json").status_code == 201
    start = timezone.now() + timedelta(days=1)
    body = {
        "title": "Mine",
        "metrics": ["overall"],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=1)).isoformat(),
        "participants": ["Zezima"],
    }
    assert client.post("/api/competitions", body, format="json").status_code == 201
