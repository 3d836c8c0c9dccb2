"""The groups admin: members with roles and status, standings, and changes made
through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from groups.competitions import competition_create
from groups.models import Competition, Group, Membership
from groups.services import group_create
from tests.factories import PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def group(db):
    PlayerFactory(username="Zezima")
    group, _ = group_create(name="Clan", owner=UserFactory(), members=["Zezima", "Pend"])
    return group


def test_the_group_page_lists_members_with_role_and_status(staff_client, group):
    page = staff_client.get(f"/admin/groups/group/{group.pk}/change/").content.decode()
    assert "Zezima" in page and "tracked" in page
    assert "Pend" in page and "pending" in page
    assert "member" in page


def test_members_are_added_and_removed_from_the_group_page(staff_client, group):
    response = staff_client.post(
        f"/admin/groups/group/{group.pk}/change/",
        {
            "name": "Clan",
            "description": "",
            "add_members": "Newcomer\nzezima",
            "add_role": "leader",
            "remove_members": "Pend",
        },
    )
    assert response.status_code == 302
    names = sorted((m.pending_name or m.player.username, m.role) for m in Membership.objects.all())
    assert names == [("Newcomer", "leader"), ("Zezima", "member")]


def test_staff_add_a_group_they_then_own(staff_client):
    response = staff_client.post(
        "/admin/groups/group/add/", {"name": "Staff Clan", "description": "", "add_role": "member"}
    )
    assert response.status_code == 302
    assert Group.objects.get().owner.username == "boss"


def test_the_competition_page_shows_the_standings(staff_client, group):
    start = timezone.now() + timedelta(days=1)
    competition = competition_create(
        title="SOTW",
        metrics=["attack", "zulrah"],
        starts_at=start,
        ends_at=start + timedelta(days=3),
        created_by=group.owner,
        group=group,
    )
    page = staff_client.get(f"/admin/groups/competition/{competition.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Standings" in text and "Zezima" in text and "zulrah" in text
    response = staff_client.post(
        f"/admin/groups/competition/{competition.pk}/change/",
        {
            "title": "Renamed",
            "ends_at_0": competition.ends_at.strftime("%Y-%m-%d"),
            "ends_at_1": competition.ends_at.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302
    assert Competition.objects.get().title == "Renamed"
