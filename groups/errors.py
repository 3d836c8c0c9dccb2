"""The API errors the groups app raises: each subclasses one of the contract's
generic errors (`api.errors`) with a code of its own (docs/api.md)."""

from __future__ import annotations

from api.errors import Conflict, NotFound, Unprocessable


class GroupNotFound(NotFound):
    error_code = "group_not_found"
    default_detail = "No group has that slug."


class MemberNotFound(NotFound):
    error_code = "member_not_found"
    default_detail = "That name is not a member of the group."


class CompetitionNotFound(NotFound):
    error_code = "competition_not_found"
    default_detail = "No competition has that id."


class GroupFull(Unprocessable):
    error_code = "group_full"
    default_detail = "The group would have more members than GROUP_MAX_MEMBERS allows."


class CompetitionStarted(Conflict):
    error_code = "competition_started"
    default_detail = "The competition has started: its start and metrics are fixed."


def invalid(field: str, message: str) -> Unprocessable:
    """A 422 for one bad body field, shaped as the serializers' are."""
    return Unprocessable(f"{field}: {message}", details={field: [message]})
