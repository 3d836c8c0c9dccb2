"""The beat's work for groups and competitions: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from .competitions import announce_boundaries
from .services import check_pending_members


@shared_task(ignore_result=True)
def check_pending() -> int:
    """A few pending member names checked against the hiscores, within the budget."""
    return check_pending_members()


@shared_task(ignore_result=True)
def announce_competitions() -> tuple[int, int]:
    """Competitions whose start or end passed are announced, once each."""
    return announce_boundaries()
