"""OpenAPI descriptions of the progress bodies (built as plain dicts by
`progress.reports` and `progress.leaderboards`; these only document them)."""

from __future__ import annotations

import functools

from rest_framework import serializers

from api.slugs import slug_map
from hiscores import catalogue

from .states import Baseline

_SKILLS = ("overall", *catalogue.SKILL_SLUGS)
_EVERY_METRIC = (*_SKILLS, *catalogue.BOSS_SLUGS, *catalogue.ACTIVITY_SLUGS)


def _ints(name: str, slugs: tuple[str, ...], help_text: str) -> serializers.Serializer:
    return slug_map(name, slugs, serializers.IntegerField, help_text=help_text)


class AnomalySerializer(serializers.Serializer):
    metric = serializers.CharField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True, help_text="null: no longer ranked.")


class _Compared(serializers.Serializer):
    username = serializers.CharField()
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    baseline = serializers.ChoiceField(
        choices=[b.value for b in Baseline],
        help_text="at_start: the state at period_start is known; first_record: the player "
        "was first seen inside the period, so its first record is the baseline; "
        "mode_changed: the account changed game mode, so the start is the end record's "
        "table's state at period_start, or its first record after it.",
    )
    start_record_at = serializers.DateTimeField(help_text="When the start state was first seen.")
    end_record_at = serializers.DateTimeField(help_text="When the end state was first seen.")


class ProgressAnalysisSerializer(_Compared):
    experience_gained = _ints("ExperienceGained", _SKILLS, "Every skill, and overall.")
    levels_gained = _ints("LevelsGained", _SKILLS, "Real levels (1..99); overall: total level.")
    virtual_levels_gained = _ints("VirtualLevelsGained", _SKILLS, "Levels up to 126.")
    boss_kills_gained = _ints("BossKillsGained", catalogue.BOSS_SLUGS, "Every boss.")
    activity_scores_gained = _ints(
        "ActivityScoresGained", catalogue.ACTIVITY_SLUGS, "Clues, minigames and points."
    )
    daily_rates = slug_map(
        "DailyRates",
        _EVERY_METRIC,
        functools.partial(serializers.FloatField, allow_null=True),
        help_text="Gain per day over the time between the two records compared; null "
        'when they are less than a day apart (docs/api.md, "Rates").',
    )
    anomalies = AnomalySerializer(
        many=True, help_text="Values that went down (hiscores rollbacks): counted as 0."
    )
    approximate = serializers.ListField(
        child=serializers.CharField(),
        help_text="Metrics whose gain is a lower bound (e.g. unranked at the start).",
    )
    ehp_gained = serializers.FloatField(
        help_text="Efficient hours played gained: both ends under one rate table; never negative."
    )
    ehb_gained = serializers.FloatField(help_text="Efficient hours bossed gained; never negative.")


class _Trend(serializers.Serializer):
    recent_rate_per_day = serializers.FloatField(
        allow_null=True,
        help_text="Gain per day over the last 7 days (or since the first record); "
        "null over less than a day, and then nothing is projected.",
    )
    window_rate_per_day = serializers.FloatField(
        allow_null=True,
        help_text="Gain per day over the window (or since the first record); null over "
        "less than a day.",
    )


class SkillTrendSerializer(_Trend):
    next_level = serializers.IntegerField(allow_null=True, help_text="Virtual, up to 126.")
    next_level_at = serializers.DateTimeField(allow_null=True, help_text="At the recent rate.")
    level_99_at = serializers.DateTimeField(allow_null=True)


class BossTrendSerializer(_Trend):
    next_milestone = serializers.IntegerField(
        allow_null=True, help_text="50 below 100 kills, then the next multiple of 100."
    )
    next_milestone_at = serializers.DateTimeField(allow_null=True, help_text="At the recent rate.")


class SkillValueSerializer(serializers.Serializer):
    experience = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)
    virtual_level = serializers.IntegerField(allow_null=True)


class SkillPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    experience = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)


class KillsSerializer(serializers.Serializer):
    kc = serializers.IntegerField(allow_null=True)


class BossPointSerializer(KillsSerializer):
    at = serializers.DateTimeField()


class _OneMetric(_Compared):
    days = serializers.IntegerField()
    rate_per_day = serializers.FloatField(
        allow_null=True,
        help_text="Gain per day over the time between the two records compared; null "
        "when they are less than a day apart.",
    )
    approximate = serializers.BooleanField(help_text="The gain is a lower bound.")
    anomaly = AnomalySerializer(allow_null=True, help_text="Set when the value went down.")


class SkillProgressSerializer(_OneMetric):
    skill = serializers.CharField()
    start = SkillValueSerializer()
    end = SkillValueSerializer()
    experience_gained = serializers.IntegerField()
    levels_gained = serializers.IntegerField()
    virtual_levels_gained = serializers.IntegerField()
    timeline = SkillPointSerializer(
        many=True,
        help_text="The state at the window start, then up to 199 records sampled "
        "at evenly spaced moments.",
    )
    trend = SkillTrendSerializer()


class BossProgressSerializer(_OneMetric):
    boss = serializers.CharField()
    start = KillsSerializer()
    end = KillsSerializer()
    kills_gained = serializers.IntegerField()
    timeline = BossPointSerializer(many=True)
    trend = BossTrendSerializer()


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    username = serializers.CharField()
    gained = serializers.IntegerField()
    start = serializers.IntegerField(allow_null=True, help_text="Value at the period start.")
    end = serializers.IntegerField(allow_null=True, help_text="Latest value.")
    approximate = serializers.BooleanField()
