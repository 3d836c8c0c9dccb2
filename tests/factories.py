"""Test data. Values are built the way the service builds them (catalogue slugs,
XP table levels) so tests read like real players."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from hiscores import catalogue, levels
from hiscores.usernames import normalise
from players.models import Player
from players.records import HiscoreRecord

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class PlayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Player

    username = factory.Sequence(lambda n: f"Player {n}")
    username_key = factory.LazyAttribute(lambda p: normalise(p.username))
    next_fetch_at = factory.LazyFunction(timezone.now)


def skills_data(experience: int | dict[str, int]) -> dict:
    """Every catalogue skill at the given experience (one number, or per slug)."""
    data = {}
    for metric in catalogue.SKILLS:
        xp = experience if isinstance(experience, int) else experience.get(metric.slug, 0)
        data[metric.slug] = {"rank": 1000, "level": levels.level(xp), "experience": xp}
    return data


class HiscoreRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HiscoreRecord

    player = factory.SubFactory(PlayerFactory)
    fetched_at = factory.LazyFunction(timezone.now)
    last_checked_at = factory.LazyAttribute(lambda r: r.fetched_at)
    skills_data = factory.LazyFunction(lambda: skills_data(100_000))
    overall_rank = 5000
    overall_experience = factory.LazyAttribute(
        lambda r: sum((v or {}).get("experience") or 0 for v in r.skills_data.values())
    )
    overall_level = factory.LazyAttribute(
        lambda r: sum((v or {}).get("level") or 1 for v in r.skills_data.values())
    )
    bosses_data = factory.LazyFunction(lambda: {m.slug: None for m in catalogue.BOSSES})
    activities_data = factory.LazyFunction(
        lambda: {m.slug: None for m in catalogue.OTHER_ACTIVITIES}
    )
