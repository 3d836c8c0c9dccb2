"""The groups and competitions endpoints (docs/api.md, "Groups", "Competitions"):
reads here, writes through `groups.services` and `groups.competitions`. Every
view answers `text/csv` too (`api.csv`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.csv import CsvViewMixin
from api.pagination import BoundedLimitOffsetPagination
from api.params import PERIODS, PeriodField, QueryParams, WindowParams
from progress.bests import METRICS
from progress.leaderboards import metric_slugs

from . import competitions as comp
from . import reads
from .access import can_manage_competition, can_manage_group
from .errors import CompetitionNotFound, GroupNotFound, invalid
from .models import Competition, Group, Membership
from .serializers import (
    CompetitionCreateSerializer,
    CompetitionDetailSerializer,
    CompetitionSerializer,
    CompetitionUpdateSerializer,
    GainRowSerializer,
    GroupAchievementSerializer,
    GroupCreatedSerializer,
    GroupCreateSerializer,
    GroupDetailSerializer,
    GroupRecordSerializer,
    GroupSerializer,
    GroupUpdateSerializer,
    HiscoreRowSerializer,
    MembersAddedSerializer,
    MembersAddSerializer,
    StatisticsSerializer,
)
from .services import (
    ADDED,
    group_create,
    group_delete,
    group_update,
    member_remove,
    members_add,
)

_403 = OpenApiResponse(description="permission_denied: not the owner, a leader or staff.")
_404_GROUP = OpenApiResponse(description="group_not_found.")
_404_COMPETITION = OpenApiResponse(description="competition_not_found.")
_422 = OpenApiResponse(description="validation_error: `details` names each bad field.")
_503 = OpenApiResponse(description="leaderboards_building: the deltas are being built.")


def _group(slug: str) -> Group:
    group = Group.objects.select_related("owner").filter(slug=slug).first()
    if group is None:
        raise GroupNotFound(details={"slug": slug})
    return group


def _manageable(request: Request, group: Group) -> None:
    if not can_manage_group(request.user, group):
        raise PermissionDenied("Only the group's owner, its leaders or staff may do this.")


def _group_body(group: Group, *, count: int | None = None) -> dict[str, Any]:
    return {
        "name": group.name,
        "slug": group.slug,
        "description": group.description,
        "owner": group.owner.get_username(),
        "leaders": [u.get_username() for u in group.leaders.all()],
        "member_count": count if count is not None else group.memberships.count(),
        "created_at": group.created_at,
    }


def _members(group: Group) -> list[dict[str, Any]]:
    rows = Membership.objects.filter(group=group).select_related("player")
    return [
        {
            "username": m.player.username if m.player else m.pending_name,
            "status": m.status,
            "role": m.role,
            "joined_at": m.joined_at,
        }
        for m in rows
    ]


def _paginated(view: APIView, request: Request, rows: list) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(page)


class GroupSearchParams(QueryParams):
    search = serializers.CharField(required=False, max_length=64, help_text="Part of the name.")


class GroupListView(CsvViewMixin, APIView):
    csv_columns = tuple(GroupSerializer().fields)
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        tags=["groups"],
        operation_id="group_list",
        parameters=[GroupSearchParams],
        responses={200: GroupSerializer(many=True), 422: _422},
    )
    def get(self, request: Request) -> Response:
        params = GroupSearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        groups = (
            Group.objects.select_related("owner")
            .prefetch_related("leaders")
            .annotate(count=Count("memberships"))
        )
        if search := params.validated_data.get("search"):
            groups = groups.filter(Q(name__icontains=search) | Q(slug__icontains=search))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(groups.order_by("slug"), request, view=self)
        return paginator.get_paginated_response([_group_body(g, count=g.count) for g in page])

    @extend_schema(
        tags=["groups"],
        operation_id="group_create",
        request=GroupCreateSerializer,
        description="The creator owns the group. `members` get a result each, as with "
        "`POST /api/groups/{slug}/members`.",
        responses={201: GroupCreatedSerializer, 422: _422},
    )
    def post(self, request: Request) -> Response:
        body = GroupCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        group, results = group_create(
            name=data["name"],
            description=data.get("description", ""),
            owner=request.user,
            members=data.get("members", []),
        )
        return Response(
            {
                **_group_body(group),
                "members": _members(group),
                "results": [asdict(r) for r in results],
            },
            status=status.HTTP_201_CREATED,
        )


class GroupDetailView(CsvViewMixin, APIView):
    csv_columns = ("username", "status", "role", "joined_at")

    def csv_rows(self, data: dict) -> list:
        return data.get("members", [])

    @extend_schema(
        tags=["groups"],
        operation_id="group_detail",
        description="The CSV form lists the members.",
        responses={200: GroupDetailSerializer, 404: _404_GROUP},
    )
    def get(self, request: Request, slug: str) -> Response:
        group = _group(slug)
        return Response({**_group_body(group), "members": _members(group)})

    @extend_schema(
        tags=["groups"],
        operation_id="group_update",
        request=GroupUpdateSerializer,
        responses={200: GroupDetailSerializer, 403: _403, 404: _404_GROUP, 422: _422},
    )
    def patch(self, request: Request, slug: str) -> Response:
        group = _group(slug)
        _manageable(request, group)
        body = GroupUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        leaders = None
        if "leaders" in data:
            if not (request.user.is_staff or group.owner_id == request.user.pk):
                raise PermissionDenied("Only the owner or staff may change the leaders.")
            users = list(get_user_model().objects.filter(username__in=data["leaders"]))
            unknown = set(data["leaders"]) - {u.get_username() for u in users}
            if unknown:
                raise invalid("leaders", f"No such users: {', '.join(sorted(unknown))}.")
            leaders = users
        group_update(
            group=group,
            name=data.get("name"),
            description=data.get("description"),
            leaders=leaders,
        )
        return Response({**_group_body(group), "members": _members(group)})

    @extend_schema(
        tags=["groups"],
        operation_id="group_delete",
        responses={204: None, 403: _403, 404: _404_GROUP},
    )
    def delete(self, request: Request, slug: str) -> Response:
        group = _group(slug)
        _manageable(request, group)
        group_delete(group=group)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMembersView(CsvViewMixin, APIView):
    csv_columns = ("username", "result", "status", "message")

    def csv_rows(self, data: dict) -> list:
        return data.get("results", [])

    @extend_schema(
        tags=["groups"],
        operation_id="group_members_add",
        request=MembersAddSerializer,
        description="One result per name, in the order sent: `added` (status `tracked`, "
        "or `pending` until the collector checks the name), `already_member`, "
        "`invalid_name`, `duplicate` (named earlier in the call) or `group_full`. "
        "Never asks the hiscores; one bad name never fails the others.",
        responses={200: MembersAddedSerializer, 403: _403, 404: _404_GROUP, 422: _422},
    )
    def post(self, request: Request, slug: str) -> Response:
        group = _group(slug)
        _manageable(request, group)
        body = MembersAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results = members_add(
            group=group,
            usernames=body.validated_data["usernames"],
            role=body.validated_data["role"],
        )
        return Response(
            {
                "added": sum(r.result == ADDED for r in results),
                "results": [asdict(r) for r in results],
            }
        )


class GroupMemberView(APIView):
    @extend_schema(
        tags=["groups"],
        operation_id="group_member_remove",
        responses={
            204: None,
            403: _403,
            404: OpenApiResponse(description="group_not_found or member_not_found."),
        },
    )
    def delete(self, request: Request, slug: str, username: str) -> Response:
        group = _group(slug)
        _manageable(request, group)
        member_remove(group=group, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MetricParams(QueryParams):
    metric = serializers.ChoiceField(choices=metric_slugs(), default="overall")


class GainsParams(WindowParams):
    metric = serializers.ChoiceField(choices=metric_slugs(), default="overall")

    def to_internal_value(self, data: Any) -> dict:
        # No window at all means the last week, as the leaderboards do.
        if "start" not in data and "period" not in data:
            data = {**data.dict(), "period": "week"} if hasattr(data, "dict") else data
        return super().to_internal_value(data)

    def validate(self, attrs: dict) -> dict:
        metric = attrs.pop("metric", "overall")
        period = attrs.get("period")
        window = super().validate(attrs)
        return {**window, "metric": metric, "period": period}


class GroupGainsView(CsvViewMixin, APIView):
    csv_columns = tuple(GainRowSerializer().fields)
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        tags=["groups"],
        operation_id="group_gains",
        parameters=[GainsParams],
        description="Every tracked member's gain of `metric`, ranked (gain 0 included). "
        "`period` reads the maintained deltas; `start`/`end` reads two records per member. "
        "Default: the last week.",
        responses={200: GainRowSerializer(many=True), 404: _404_GROUP, 422: _422, 503: _503},
    )
    def get(self, request: Request, slug: str) -> Response:
        group = _group(slug)
        params = GainsParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if data["period"] is not None and "end" not in request.query_params:
            period = next(name for name, span in PERIODS.items() if span == data["period"])
            rows = reads.gains_over_period(
                group=group, metric=data["metric"], period=period, now=timezone.now()
            )
        else:
            rows = reads.gains_between(
                group=group, metric=data["metric"], start=data["start"], end=data["end"]
            )
        return _paginated(self, request, rows)


class GroupHiscoresView(CsvViewMixin, APIView):
    csv_columns = tuple(HiscoreRowSerializer().fields)
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        tags=["groups"],
        operation_id="group_hiscores",
        parameters=[MetricParams],
        description="Tracked members ranked by their latest value of `metric` (unknown last).",
        responses={200: HiscoreRowSerializer(many=True), 404: _404_GROUP, 422: _422},
    )
    def get(self, request: Request, slug: str) -> Response:
        group = _group(slug)
        params = MetricParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return _paginated(
            self, request, reads.hiscores(group=group, metric=params.validated_data["metric"])
        )


class RecordsParams(QueryParams):
    metric = serializers.ChoiceField(choices=list(METRICS), default="overall")
    period = PeriodField(default=PERIODS["week"], help_text="day, week, month or year.")


class GroupRecordsView(CsvViewMixin, APIView):
    csv_columns = tuple(GroupRecordSerializer().fields)
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        tags=["groups"],
        operation_id="group_records",
        parameters=[RecordsParams],
        description="The tracked members' records (largest gain in any window of the "
        "period's length) of `metric`, largest first; members without one are not listed.",
        responses={200: GroupRecordSerializer(many=True), 404: _404_GROUP, 422: _422},
    )
    def get(self, request: Request, slug: str) -> Response:
        group = _group(slug)
        params = RecordsParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        period = next(n for n, s in PERIODS.items() if s == params.validated_data["period"])
        rows = reads.records(group=group, metric=params.validated_data["metric"], period=period)
        return _paginated(self, request, rows)


class GroupAchievementsView(CsvViewMixin, APIView):
    csv_columns = tuple(GroupAchievementSerializer().fields)
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        tags=["groups"],
        operation_id="group_achievements",
        description="The tracked members' dated achievements, most recent first.",
        responses={200: GroupAchievementSerializer(many=True), 404: _404_GROUP, 422: _422},
    )
    def get(self, request: Request, slug: str) -> Response:
        return _paginated(self, request, reads.achievements(group=_group(slug)))


class GroupStatisticsView(CsvViewMixin, APIView):
    csv_columns = tuple(StatisticsSerializer().fields)

    @extend_schema(
        tags=["groups"],
        operation_id="group_statistics",
        responses={200: StatisticsSerializer, 404: _404_GROUP},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(reads.statistics(group=_group(slug)))


# --- competitions -------------------------------------------------------------------


def _competition(pk: int) -> Competition:
    competition = (
        Competition.objects.select_related("group", "created_by")
        .annotate(count=Count("participants"))
        .filter(pk=pk)
        .first()
    )
    if competition is None:
        raise CompetitionNotFound(details={"id": pk})
    return competition


def _competition_body(c: Competition, now) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "metrics": list(c.metrics),
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "status": comp.status_of(c, now),
        "group": c.group.slug if c.group else None,
        "created_by": c.created_by.get_username(),
        "participant_count": getattr(c, "count", None) or c.participants.count(),
        "created_at": c.created_at,
    }


def _detail(c: Competition) -> dict[str, Any]:
    now = timezone.now()
    rows, teams = comp.standings(c, now=now)
    return {
        **_competition_body(c, now),
        "scoring": comp.scoring_of(c.metrics),
        "standings": [
            {
                "rank": r.rank,
                "username": r.username,
                "team": r.team,
                "score": r.score,
                "metrics": {
                    m: {
                        "start": s.start,
                        "end": s.end,
                        "gained": s.gained,
                        "rank": s.rank,
                        "approximate": s.approximate,
                    }
                    for m, s in r.metrics.items()
                },
            }
            for r in rows
        ],
        "teams": [
            {
                "rank": t.rank,
                "name": t.name,
                "members": t.members,
                "score": t.score,
                "gained": t.gained,
            }
            for t in teams
        ],
    }


class CompetitionListParams(QueryParams):
    status = serializers.ChoiceField(
        choices=[comp.UPCOMING, comp.ONGOING, comp.FINISHED], required=False
    )
    group = serializers.CharField(required=False, max_length=80, help_text="A group's slug.")


class CompetitionListView(CsvViewMixin, APIView):
    csv_columns = tuple(CompetitionSerializer().fields)

    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        tags=["competitions"],
        operation_id="competition_list",
        parameters=[CompetitionListParams],
        responses={200: CompetitionSerializer(many=True), 422: _422},
    )
    def get(self, request: Request) -> Response:
        params = CompetitionListParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data, now = params.validated_data, timezone.now()
        rows = Competition.objects.select_related("group", "created_by").annotate(
            count=Count("participants")
        )
        if "group" in data:
            rows = rows.filter(group__slug=data["group"])
        wanted = data.get("status")
        if wanted == comp.UPCOMING:
            rows = rows.filter(starts_at__gt=now)
        elif wanted == comp.ONGOING:
            rows = rows.filter(starts_at__lte=now, ends_at__gt=now)
        elif wanted == comp.FINISHED:
            rows = rows.filter(ends_at__lte=now)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows.order_by("-starts_at", "-pk"), request, view=self)
        return paginator.get_paginated_response([_competition_body(c, now) for c in page])

    @extend_schema(
        tags=["competitions"],
        operation_id="competition_create",
        request=CompetitionCreateSerializer,
        description="Participants are tracked players: the group's tracked members, "
        "`participants`, and `teams` (a player is in one team at most). A start in the "
        "past, an end before the start, an unknown metric or an untracked name is a 422.",
        responses={201: CompetitionDetailSerializer, 404: _404_GROUP, 422: _422},
    )
    def post(self, request: Request) -> Response:
        body = CompetitionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        group = _group(data["group"]) if "group" in data else None
        competition = comp.competition_create(
            title=data["title"],
            metrics=data["metrics"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            created_by=request.user,
            group=group,
            participants=data.get("participants"),
            teams=[dict(t) for t in data.get("teams", [])] or None,
        )
        return Response(_detail(_competition(competition.pk)), status=status.HTTP_201_CREATED)


class CompetitionDetailView(CsvViewMixin, APIView):
    # The metric columns follow, from the rows.
    csv_columns = ("rank", "username", "team", "score")

    def csv_rows(self, data: dict) -> list:
        return data.get("standings", [])

    @extend_schema(
        tags=["competitions"],
        operation_id="competition_detail",
        description="With standings. The CSV form lists the standings, one row per "
        "participant (`metrics_<metric>_gained` and so on).",
        responses={200: CompetitionDetailSerializer, 404: _404_COMPETITION},
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(_detail(_competition(id)))

    @extend_schema(
        tags=["competitions"],
        operation_id="competition_update",
        request=CompetitionUpdateSerializer,
        responses={
            200: CompetitionDetailSerializer,
            403: OpenApiResponse(
                description="permission_denied: not the creator, a manager of its group or staff."
            ),
            404: _404_COMPETITION,
            409: OpenApiResponse(
                description="competition_started: its start and metrics are fixed."
            ),
            422: _422,
        },
    )
    def patch(self, request: Request, id: int) -> Response:
        competition = _competition(id)
        if not can_manage_competition(request.user, competition):
            raise PermissionDenied("Only the creator, the group's managers or staff may do this.")
        body = CompetitionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        comp.competition_update(
            competition=competition,
            title=data.get("title"),
            metrics=data.get("metrics"),
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            participants=data.get("participants"),
            teams=[dict(t) for t in data["teams"]] if "teams" in data else None,
        )
        return Response(_detail(_competition(id)))

    @extend_schema(
        tags=["competitions"],
        operation_id="competition_delete",
        responses={
            204: None,
            403: OpenApiResponse(
                description="permission_denied: not the creator, a manager of its group or staff."
            ),
            404: _404_COMPETITION,
        },
    )
    def delete(self, request: Request, id: int) -> Response:
        competition = _competition(id)
        if not can_manage_competition(request.user, competition):
            raise PermissionDenied("Only the creator, the group's managers or staff may do this.")
        comp.competition_delete(competition=competition)
        return Response(status=status.HTTP_204_NO_CONTENT)
