"""How the services queue background work without importing claims.tasks (which imports them).

claims.apps.ClaimsConfig.ready() registers the Celery tasks here at start-up; the services look
them up by name when they enqueue, inside the same ``transaction.on_commit`` hooks as before.
Imports nothing from the project.
"""

from typing import Any

_tasks: dict[str, Any] = {}


def register(**tasks: Any) -> None:
    """Make tasks available by name (called from ClaimsConfig.ready())."""
    _tasks.update(tasks)


def registered_task(name: str) -> Any:
    """The registered task `name`, e.g. ``"process_source_task"``."""
    try:
        return _tasks[name]
    except KeyError:
        raise LookupError(f"task {name!r} is not registered (ClaimsConfig.ready() registers them)") from None
