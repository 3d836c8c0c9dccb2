"""The forms that add and change a player: each calls its service while it
validates, so what the service refuses becomes a form error."""

from __future__ import annotations

from typing import Any

from django import forms

from hiscores.modes import GameMode
from hiscores.usernames import InvalidUsername

from ..deadlines import staff_fetch_at
from ..errors import (
    HiscoresUnreachable,
    IntervalOutOfBounds,
    PlayerAlreadyTracked,
    PlayerNotOnHiscores,
)
from ..models import Player
from ..tracking import DETECT, player_fetch_at, player_track, player_update


class PlayerAddForm(forms.ModelForm):
    """Adds a player by calling `player_track` while the form validates: what the
    service refuses (a bad name, a name already tracked, one not on the hiscores,
    the hiscores down) is known only by asking, and so becomes a form error
    instead of a 500."""

    game_mode = forms.ChoiceField(
        choices=[*GameMode.choices, (DETECT, "Detect from the hiscores")],
        initial=GameMode.REGULAR,
        help_text="Detect asks up to four hiscores tables which ones know the account.",
    )

    # Who adds: PlayerAdmin.get_form sets it to the staff member asking.
    added_by = None

    class Meta:
        model = Player
        fields = ["username", "game_mode", "fetch_interval_minutes"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.instance = player_track(**data, added_by=self.added_by)
        except InvalidUsername as exc:
            self.add_error("username", str(exc))
        except (PlayerAlreadyTracked, PlayerNotOnHiscores) as exc:
            self.add_error("username", str(exc.detail))
        except IntervalOutOfBounds as exc:
            self.add_error("fetch_interval_minutes", exc.details["fetch_interval_minutes"])
        except HiscoresUnreachable as exc:
            self.add_error(None, f"{exc.detail} ({exc.details['reason']})")
        return data

    def _post_clean(self) -> None:
        # `player_track` is this form's model validation, and has saved the player;
        # the model alone would also refuse the "detect" choice.
        pass


class PlayerChangeForm(forms.ModelForm):
    """Changes the schedule by calling `player_update` while the form validates,
    as the add form tracks: the service checks the interval, and what it refuses
    becomes a form error. (The instance still holds the stored values here, which
    the service compares with the new ones to reschedule.)"""

    fetch_at = forms.DateTimeField(
        required=False,
        label="Fetch at",
        help_text="A deadline: the player is fetched within 10 minutes before it "
        "(UTC; empty for none).",
    )

    class Meta:
        model = Player
        fields = ["is_active", "fetch_interval_minutes", "pinned"]
        help_texts = {
            "fetch_interval_minutes": "The most often the player is fetched; "
            "exactly this often when pinned.",
            "pinned": "Fetch at the fixed interval above instead of the learned rhythm.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["fetch_at"].initial = staff_fetch_at(self.instance)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        fetch_at = data.pop("fetch_at", None)
        try:
            self.instance = player_update(player=self.instance, **data)
        except IntervalOutOfBounds as exc:
            self.add_error("fetch_interval_minutes", exc.details["fetch_interval_minutes"])
            return data
        if "fetch_at" in self.changed_data:
            self.instance = player_fetch_at(player=self.instance, at=fetch_at)
        return data

    def _post_clean(self) -> None:
        pass  # `player_update` has validated and saved.
