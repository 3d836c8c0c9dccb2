"""Who may change a group and what belongs to it (docs/api.md, "Groups")."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from .models import Competition, Group


def can_manage_group(user: AbstractBaseUser | None, group: Group) -> bool:
    """The group's owner, one of the users it names as leaders, or staff."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or group.owner_id == user.pk:
        return True
    return group.leaders.filter(pk=user.pk).exists()


def can_manage_competition(user: AbstractBaseUser | None, competition: Competition) -> bool:
    """The competition's creator, its group's managers, or staff."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or competition.created_by_id == user.pk:
        return True
    return competition.group is not None and can_manage_group(user, competition.group)
