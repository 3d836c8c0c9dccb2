"""The control API under `/_control/`: JSON in, JSON out, for tests, demos and
benchmarks driving a fake that runs in another process.

    GET    /_control/                         state: growth, faults, request count
    GET    /_control/faults                   armed faults
    POST   /_control/faults                   {"kind": "503", "times": 5, "probability": null,
                                               "player": null, "delay": null, "amount": null,
                                               "seed": 0, "values": null}
                                              ("values", hostile only: {slug: {field: n}})
    DELETE /_control/faults[/{id}]            clear all, or one
    GET    /_control/players                  named players and the generated count
    POST   /_control/players                  {"name", "mode", "skills": {slug: xp},
                                               "bosses": {slug: kc}, "activities": {slug: n},
                                               "grows": false}: add or update
    GET    /_control/players/{name}[?mode=m]  what the JSON endpoint answers now
    DELETE /_control/players/{name}           the name answers 404 from now on (a ban)
    POST   /_control/players/{name}/gain      {"metric": slug, "amount": n}
    POST   /_control/players/{name}/rollback  {"amount": xp}: every trained skill loses
                                              xp for good, scores a share of it
    POST   /_control/players/{name}/mode      {"mode": m, "old_tables": "frozen"|"removed"}:
                                              a de-iron, a hardcore death; the tables
                                              left keep the values frozen (default) or 404

    POST   /_control/players/{name}/rename    {"new_name"}: the account takes that name
                                              (stats go with it; the old name answers 404)
    GET    /_control/growth                   {"enabled": bool, "step_seconds": s}
    POST   /_control/growth                   {"enabled": bool}
    POST   /_control/reset                    everything back to how it started
    GET    /_control/requests[?since=t]       {"count", "times": [...]} (unix seconds);
                                              with detail=1 also table and player
    DELETE /_control/requests                 forget them
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from hiscores.fake.app import JSON, FakeHiscores, Reply
from hiscores.fake.players import UnknownPlayer


class ControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _reply(payload: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(payload).encode(), JSON)


def _object(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ControlError(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ControlError(400, "The body must be a JSON object.")
    return data


def _only(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ControlError(400, f"Unknown fields: {', '.join(unknown)}.")


def _float(query: dict[str, list[str]], name: str) -> float | None:
    if name not in query:
        return None
    try:
        return float(query[name][0])
    except ValueError:
        raise ControlError(400, f"{name} must be a number.") from None


@dataclass(frozen=True, slots=True)
class _Request:
    parts: list[str]  # the path after /_control/, decoded
    query: dict[str, list[str]]
    data: dict[str, Any]  # the JSON body


def handle(
    fake: FakeHiscores, method: str, path: str, query: dict[str, list[str]], body: bytes
) -> Reply:
    """The reply to a control request; `path` starts with /_control."""
    parts = [unquote(p) for p in path.split("/")[2:] if p]
    try:
        handler = _route(method, parts)
        data = _object(body) if method == "POST" else {}
        return handler(fake, _Request(parts, query, data))
    except ControlError as error:
        return _reply({"detail": error.detail}, error.status)
    except UnknownPlayer as error:
        return _reply({"detail": f"No such player: {error}."}, 404)
    except ValueError as error:  # bad arguments, as the Python API reports them
        return _reply({"detail": str(error)}, 400)


Handler = Callable[[FakeHiscores, _Request], Reply]


def _route(method: str, parts: list[str]) -> Handler:
    # The path shape, with the free segment (a name or an id) as "*".
    shape = "/".join(parts[:1] + ["*"] * (len(parts) > 1) + parts[2:])
    routes: dict[str, dict[str, Handler]] = {
        "": {"GET": _state},
        "faults": {"GET": _faults, "POST": _fault_add, "DELETE": _faults_clear},
        "faults/*": {"DELETE": _faults_clear},
        "players": {"GET": _players, "POST": _player_put},
        "players/*": {"GET": _player_get, "DELETE": _player_remove},
        "players/*/gain": {"POST": _player_gain},
        "players/*/rollback": {"POST": _player_rollback},
        "players/*/mode": {"POST": _player_mode},
        "players/*/rename": {"POST": _player_rename},
        "growth": {"GET": _growth, "POST": _growth_set},
        "reset": {"POST": _reset},
        "requests": {"GET": _requests, "DELETE": _requests_clear},
    }
    methods = routes.get(shape)
    if methods is None:
        raise ControlError(404, "No such control endpoint.")
    if method not in methods:
        raise ControlError(405, f"Use {' or '.join(methods)}.")
    return methods[method]


def _state(fake: FakeHiscores, request: _Request) -> Reply:
    return _reply(
        {
            "growing": fake.growing,
            "step_seconds": fake.clock.step_seconds,
            "generated": fake.players.generated,
            "faults": [f.as_json() for f in fake.faults()],
            "request_count": fake.request_count,
        }
    )


def _faults(fake: FakeHiscores, request: _Request) -> Reply:
    return _reply([f.as_json() for f in fake.faults()])


def _fault_add(fake: FakeHiscores, request: _Request) -> Reply:
    data = request.data
    _only(data, {"kind", "times", "probability", "player", "delay", "amount", "seed", "values"})
    if "kind" not in data:
        raise ControlError(400, "kind is required.")
    options = {k: v for k, v in data.items() if k != "kind"}
    return _reply(fake.set_fault(data["kind"], **options).as_json(), 201)


def _faults_clear(fake: FakeHiscores, request: _Request) -> Reply:
    fault_id = None
    if len(request.parts) > 1:
        if not request.parts[1].isdigit():
            raise ControlError(404, "No such fault.")
        fault_id = int(request.parts[1])
    cleared = fake.clear_faults(fault_id)
    if fault_id is not None and not cleared:
        raise ControlError(404, "No such fault.")
    return _reply({"cleared": cleared})


def _players(fake: FakeHiscores, request: _Request) -> Reply:
    generated = fake.players.generated
    return _reply({"named": fake.player_names(), "generated": generated})


def _player_put(fake: FakeHiscores, request: _Request) -> Reply:
    data = request.data
    _only(data, {"name", "mode", "skills", "bosses", "activities", "grows"})
    if not isinstance(data.get("name"), str):
        raise ControlError(400, "name is required.")
    for field in ("skills", "bosses", "activities"):
        if not isinstance(data.get(field, {}), dict):
            raise ControlError(400, f"{field} must be an object of slug: value.")
    if not isinstance(data.get("grows", False), bool):
        raise ControlError(400, "grows must be true or false.")
    name = fake.add_player(
        data["name"],
        mode=data.get("mode"),
        skills=data.get("skills"),
        bosses=data.get("bosses"),
        activities=data.get("activities"),
        grows=data.get("grows", False),
    )
    return _reply(fake.document(name))


def _player_get(fake: FakeHiscores, request: _Request) -> Reply:
    mode = request.query.get("mode", ["regular"])[0]
    return _reply(fake.document(request.parts[1], mode))


def _player_remove(fake: FakeHiscores, request: _Request) -> Reply:
    fake.remove_player(request.parts[1])
    return _reply({"removed": request.parts[1]})


def _player_rename(fake: FakeHiscores, request: _Request) -> Reply:
    data = request.data
    _only(data, {"new_name"})
    if not isinstance(data.get("new_name"), str):
        raise ControlError(400, "new_name is required.")
    name = fake.rename_player(request.parts[1], data["new_name"])
    return _reply(fake.document(name))


def _player_gain(fake: FakeHiscores, request: _Request) -> Reply:
    data = request.data
    _only(data, {"metric", "amount"})
    amount = data.get("amount")
    if not isinstance(data.get("metric"), str):
        raise ControlError(400, "metric is required.")
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ControlError(400, "amount must be an integer.")
    fake.gain(request.parts[1], data["metric"], amount)
    return _reply(fake.document(request.parts[1]))


def _player_rollback(fake: FakeHiscores, request: _Request) -> Reply:
    data = request.data
    _only(data, {"amount"})
    amount = data.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ControlError(400, "amount must be an integer.")
    fake.roll_back(request.parts[1], amount)
    return _reply(fake.document(request.parts[1]))


def _player_mode(fake: FakeHiscores, request: _Request) -> Reply:
    data = request.data
    _only(data, {"mode", "old_tables"})
    if not isinstance(data.get("mode"), str):
        raise ControlError(400, "mode is required.")
    old_tables = data.get("old_tables", "frozen")
    if old_tables not in ("frozen", "removed"):
        raise ControlError(400, 'old_tables must be "frozen" or "removed".')
    fake.change_mode(request.parts[1], data["mode"], keep_old=old_tables == "frozen")
    return _reply(fake.document(request.parts[1], data["mode"]))


def _growth(fake: FakeHiscores, request: _Request) -> Reply:
    return _reply({"enabled": fake.growing, "step_seconds": fake.clock.step_seconds})


def _growth_set(fake: FakeHiscores, request: _Request) -> Reply:
    _only(request.data, {"enabled"})
    if not isinstance(request.data.get("enabled"), bool):
        raise ControlError(400, "enabled must be true or false.")
    fake.set_growth(request.data["enabled"])
    return _growth(fake, request)


def _reset(fake: FakeHiscores, request: _Request) -> Reply:
    fake.reset()
    return _state(fake, request)


def _requests(fake: FakeHiscores, request: _Request) -> Reply:
    entries = fake.log.entries(_float(request.query, "since"))
    payload: dict[str, Any] = {"count": fake.request_count, "times": [e[0] for e in entries]}
    if request.query.get("detail", ["0"])[0] not in ("0", "", "false"):
        payload["requests"] = [{"at": at, "table": t, "player": p} for at, t, p in entries]
    return _reply(payload)


def _requests_clear(fake: FakeHiscores, request: _Request) -> Reply:
    fake.log.clear()
    return _reply({"count": 0})
