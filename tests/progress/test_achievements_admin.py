"""The Player change page shows recent achievements and marks them on the overall
chart: the page carries the achievements API's address and the script that reads it
(players/static/players/player_achievements.js)."""

from __future__ import annotations

import re

import pytest

from tests.factories import PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_change_page_reads_the_players_achievements(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    player = PlayerFactory(username="Zezima")
    html = client.get(f"/admin/players/player/{player.pk}/change/").content.decode()
    assert 'data-achievements-url="/api/players/zezima/achievements"' in html
    assert 'id="player-achievements"' in html
    sources = re.findall(r'<script[^>]* src="([^"]+)"', html)
    # Registered before the charts are made, so their marks are drawn.
    marks = sources.index("/static/players/player_achievements.js")
    assert marks < sources.index("/static/players/player_charts.js")
    assert client.get("/api/players/zezima/achievements").status_code == 200
