"""The admin for groups and competitions. Staff read the members with their
roles and status, and the standings; every change goes through the services
(`groups.services`, `groups.competitions`), as the API's do."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from api.errors import ApiError

from . import competitions as comp
from .models import Competition, Group, Membership, Role
from .services import group_create, group_delete, group_update, member_remove, members_add

# The change page shows this many members; the API lists them all.
SHOWN_MEMBERS = 500


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.replace(",", "\n").splitlines() if name.strip()]


class GroupForm(forms.ModelForm):
    add_members = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Names to add, one a line: tracked names join at once, others as pending.",
    )
    add_role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER, required=False)
    remove_members = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Names to remove."
    )

    class Meta:
        model = Group
        fields = ["name", "description", "leaders"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    form = GroupForm
    list_display = ["name", "slug", "owner", "members", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug", "owner", "created_at", "member_table"]
    filter_horizontal = ["leaders"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(count=Count("memberships"))

    @admin.display(ordering="count")
    def members(self, group: Group) -> int:
        return group.count

    @admin.display(description="Members (role, status)")
    def member_table(self, group: Group) -> str:
        if group.pk is None:
            return "-"
        rows = Membership.objects.filter(group=group).select_related("player")[:SHOWN_MEMBERS]
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (m.player.username if m.player else m.pending_name, m.role, m.status, m.joined_at)
                for m in rows
            ),
        )
        return format_html(
            "<table><tr><th>name</th><th>role</th><th>status</th><th>joined</th></tr>{}</table>",
            body,
        )

    def save_model(self, request, obj: Group, form, change: bool) -> None:
        data = form.cleaned_data
        try:
            if change:
                group_update(
                    group=obj,
                    name=data["name"],
                    description=data["description"],
                    leaders=list(data["leaders"]),
                )
            else:
                group, _ = group_create(
                    name=data["name"], description=data["description"], owner=request.user
                )
                group.leaders.set(data["leaders"])
                obj.pk, obj.slug = group.pk, group.slug
            for name in _names(data.get("remove_members", "")):
                member_remove(group=obj, username=name)
            if names := _names(data.get("add_members", "")):
                results = members_add(group=obj, usernames=names, role=data["add_role"] or "member")
                added = sum(r.result == "added" for r in results)
                messages.info(request, f"{added} of {len(names)} names added.")
        except ApiError as exc:
            messages.error(request, str(exc.detail))

    def save_related(self, request, form, formsets, change: bool) -> None:
        """The leaders were set by the service."""

    def delete_model(self, request, obj: Group) -> None:
        group_delete(group=obj)

    def delete_queryset(self, request, queryset) -> None:
        for group in queryset:
            group_delete(group=group)


class CompetitionForm(forms.ModelForm):
    class Meta:
        model = Competition
        fields = ["title", "ends_at"]


@admin.register(Competition)
class CompetitionAdmin(admin.ModelAdmin):
    form = CompetitionForm
    list_display = ["title", "starts_at", "ends_at", "group", "created_by", "state"]
    list_filter = ["group"]
    search_fields = ["title"]
    readonly_fields = ["metrics", "starts_at", "group", "created_by", "standing_table"]

    def has_add_permission(self, request) -> bool:
        return False  # created through the API, which checks the lineup

    @admin.display(description="status")
    def state(self, competition: Competition) -> str:
        return comp.status_of(competition, timezone.now())

    @admin.display(description="Standings")
    def standing_table(self, competition: Competition) -> Any:
        rows, teams = comp.standings(competition)
        metrics = list(competition.metrics)
        head = format_html_join("", "<th>{}</th>", ((m,) for m in metrics))
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
            (
                (
                    r.rank,
                    r.username,
                    r.team or "",
                    r.score,
                    format_html_join(
                        "",
                        "<td>{} (#{}){}</td>",
                        (
                            (s.gained, s.rank, " ~" if s.approximate else "")
                            for s in r.metrics.values()
                        ),
                    ),
                )
                for r in rows
            ),
        )
        team_rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (t.rank, t.name, t.score, ", ".join(f"{k} {v}" for k, v in t.gained.items()))
                for t in teams
            ),
        )
        return format_html(
            "<table><tr><th>rank</th><th>player</th><th>team</th><th>score</th>{}</tr>{}</table>"
            "<table><tr><th>rank</th><th>team</th><th>score</th><th>gained</th></tr>{}</table>",
            head,
            body,
            team_rows,
        )

    def save_model(self, request, obj: Competition, form, change: bool) -> None:
        try:
            comp.competition_update(
                competition=Competition.objects.get(pk=obj.pk),
                title=form.cleaned_data["title"] if "title" in form.changed_data else None,
                ends_at=form.cleaned_data["ends_at"] if "ends_at" in form.changed_data else None,
            )
        except ApiError as exc:
            messages.error(request, str(exc.detail))

    def delete_model(self, request, obj: Competition) -> None:
        comp.competition_delete(competition=obj)

    def delete_queryset(self, request, queryset) -> None:
        for competition in queryset:
            comp.competition_delete(competition=competition)
