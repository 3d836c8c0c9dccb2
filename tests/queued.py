"""The unit tests' broker is in memory: these read what was queued, and run it."""

from __future__ import annotations

from celery import current_app


def drain(queue: str = "fetch") -> list[tuple[str, list, dict]]:
    """Take every message off `queue`: (task name, args, kwargs), in order."""
    messages = []
    with current_app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        while simple.qsize():
            message = simple.get(timeout=1)
            args, kwargs, _ = message.payload
            messages.append((message.headers["task"], args, kwargs))
            message.ack()
        simple.close()
    return messages


def queued_player_ids(queue: str = "fetch") -> list[int]:
    """The players queued for fetching, whether one per task or in batches."""
    ids: list[int] = []
    for name, args, _ in drain(queue):
        ids.extend(args[0] if name.endswith("fetch_players") else [args[0]])
    return ids


def run_queued(queue: str = "fetch") -> int:
    """Run queued tasks here, ignoring their countdowns, until none are left."""
    ran = 0
    while messages := drain(queue):
        for name, args, kwargs in messages:
            current_app.tasks[name].apply(args=args, kwargs=kwargs)
            ran += 1
    return ran
