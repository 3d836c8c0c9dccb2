"""Who an account is: the table each record came from (existing records are
backfilled from their player's game mode), flagged records and the flags that hold
them, archived players, and game-mode changes (docs/api.md, "Flags" and "Game modes")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill_record_modes(apps, schema_editor):
    # One statement: every record takes its player's mode, the only table it was read from.
    Player = apps.get_model("players", "Player")
    HiscoreRecord = apps.get_model("players", "HiscoreRecord")
    mode = Player.objects.filter(pk=OuterRef("player_id")).values("game_mode")[:1]
    HiscoreRecord.objects.update(game_mode=Subquery(mode))


class Migration(migrations.Migration):

    dependencies = [
        ('players', '0007_name_changes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='hiscorerecord',
            name='flagged',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='hiscorerecord',
            name='game_mode',
            field=models.CharField(choices=[('regular', 'Regular'), ('ironman', 'Ironman'), ('hardcore_ironman', 'Hardcore ironman'), ('ultimate_ironman', 'Ultimate ironman'), ('deadman', 'Deadman'), ('seasonal', 'Seasonal (leagues)'), ('tournament', 'Tournament'), ('fresh_start', 'Fresh start'), ('skiller_defence', '1 defence pure'), ('skiller', 'Level 3 skiller')], default='regular', max_length=20),
        ),
        migrations.AddField(
            model_name='player',
            name='archived',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name='player',
            name='modes_checked_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='fetchattempt',
            name='outcome',
            field=models.CharField(choices=[('stored', 'Stored a new record'), ('flagged', 'Stored a flagged record'), ('unchanged', 'Unchanged'), ('not_found', 'Not found'), ('throttled', 'Throttled'), ('unavailable', 'Unavailable'), ('deferred', 'Deferred (no request made)'), ('error', 'Error')], max_length=12),
        ),
        migrations.CreateModel(
            name='GameModeChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_mode', models.CharField(choices=[('regular', 'Regular'), ('ironman', 'Ironman'), ('hardcore_ironman', 'Hardcore ironman'), ('ultimate_ironman', 'Ultimate ironman'), ('deadman', 'Deadman'), ('seasonal', 'Seasonal (leagues)'), ('tournament', 'Tournament'), ('fresh_start', 'Fresh start'), ('skiller_defence', '1 defence pure'), ('skiller', 'Level 3 skiller')], max_length=20)),
                ('to_mode', models.CharField(choices=[('regular', 'Regular'), ('ironman', 'Ironman'), ('hardcore_ironman', 'Hardcore ironman'), ('ultimate_ironman', 'Ultimate ironman'), ('deadman', 'Deadman'), ('seasonal', 'Seasonal (leagues)'), ('tournament', 'Tournament'), ('fresh_start', 'Fresh start'), ('skiller_defence', '1 defence pure'), ('skiller', 'Level 3 skiller')], max_length=20)),
                ('kind', models.CharField(choices=[('deironed', 'De-ironed'), ('hardcore_death', 'Hardcore ironman died'), ('ultimate_lost', 'Ultimate ironman status lost'), ('other', 'Other change')], max_length=20)),
                ('changed_after', models.DateTimeField(blank=True, null=True)),
                ('changed_before', models.DateTimeField()),
                ('recorded_at', models.DateTimeField()),
                ('player', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mode_changes', to='players.player')),
            ],
            options={
                'ordering': ['-changed_before'],
                'indexes': [models.Index(fields=['player', '-changed_before'], name='modechange_player_idx')],
            },
        ),
        migrations.CreateModel(
            name='PlayerFlag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('rollback', 'Rollback (Jagex restored an older state)'), ('name_transfer', 'Name transfer (another account owns the name)')], editable=False, max_length=20)),
                ('evidence', models.JSONField(default=dict, editable=False)),
                ('status', models.CharField(choices=[('open', 'Open'), ('resolved', 'Resolved')], default='open', editable=False, max_length=10)),
                ('created_at', models.DateTimeField(editable=False)),
                ('resolved_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('resolution', models.CharField(blank=True, choices=[('rollback', 'Rollback (Jagex restored an older state)'), ('name_transfer', 'Name transfer (another account owns the name)')], editable=False, max_length=20)),
                ('archived_player', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='players.player')),
                ('player', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='flags', to='players.player')),
                ('record', models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='players.hiscorerecord')),
                ('resolved_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['player', 'status'], name='playerflag_player_status_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'open')), fields=('player',), name='playerflag_one_open_per_player')],
            },
        ),
        migrations.CreateModel(
            name="ArchivedPlayer",
            fields=[],
            options={"verbose_name": "archived player", "proxy": True, "indexes": [], "constraints": []},
            bases=("players.player",),
        ),
        migrations.RunPython(backfill_record_modes, migrations.RunPython.noop, elidable=True),
    ]
