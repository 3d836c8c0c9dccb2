"""How the processes share their metrics: `runstack` gives web and worker one fresh
directory, gunicorn forgets a dead worker's live gauges, and docker-compose gives
the web container a directory of its own."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import yaml

from osrsdiff.management.commands.runstack import fresh_metrics_dir

ROOT = Path(__file__).resolve().parents[2]


def test_runstack_empties_the_metrics_directory_of_an_earlier_run(tmp_path):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_4242.db").write_bytes(b"stale")
    (directory / "README").write_text("not ours")

    assert fresh_metrics_dir({"PROMETHEUS_MULTIPROC_DIR": str(directory)}) == directory

    assert sorted(p.name for p in directory.iterdir()) == ["README"]


def test_runstack_defaults_to_a_directory_under_var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    directory = fresh_metrics_dir({})
    assert directory == tmp_path / "prometheus"
    assert directory.is_dir()


def test_gunicorn_forgets_a_dead_workers_live_gauges_but_keeps_its_counts(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name in ("gauge_livesum_77.db", "counter_77.db", "gauge_livesum_78.db"):
        (tmp_path / name).write_bytes(b"")
    child_exit = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["child_exit"]

    child_exit(None, SimpleNamespace(pid=77))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_77.db", "gauge_livesum_78.db"]


def test_compose_gives_the_web_container_a_fresh_metrics_directory():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    directory = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert any(mount.split(":")[0] == directory for mount in web["tmpfs"])
    # Everything else the app services share is still there.
    assert (
        web["environment"]["DATABASE_URL"]
        == compose["services"]["worker"]["environment"]["DATABASE_URL"]
    )


def test_the_image_ships_the_gunicorn_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "gunicorn.conf.py" in dockerfile
