"""Where the services announce what happened to clusters, for clients (webhooks), without
importing the app that tells them.

The services call `emit(event, cluster_ids)` where a status or verdict changes. The
integrations app registers its emitter here from IntegrationsConfig.ready(), the same way
claims.apps hands the Celery tasks to claims.services.enqueue: claims never imports
integrations (which imports claims.models and the services), so there is no import cycle and
claims works without it. An emitter that fails is logged and never raises into the service
that changed the cluster: a client's webhook must not stop ingestion or an editor's verdict.

Imports nothing from the project.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

logger = logging.getLogger("claims.services")

STATUS_CHANGED = "cluster.status_changed"
VERDICT_SET = "cluster.verdict_set"
CONTRADICTION = "cluster.contradiction"
EVENTS = (STATUS_CHANGED, VERDICT_SET, CONTRADICTION)

# emitter(event, cluster_ids, details): details maps a cluster id to what the event adds about it
# (for status changes, the previous status).
Emitter = Callable[[str, list[int], Mapping[int, Mapping[str, Any]]], None]
_emitters: list[Emitter] = []


def register(emitter: Emitter) -> None:
    """Have `emitter` told of every event (called from an AppConfig.ready(); registering twice is once)."""
    if emitter not in _emitters:
        _emitters.append(emitter)


def emit(event: str, cluster_ids: Iterable[int], details: Mapping[int, Mapping[str, Any]] | None = None) -> None:
    """Tell every registered emitter that `event` happened to these clusters. Never raises."""
    ids = sorted(set(cluster_ids))
    if not ids:
        return
    for emitter in list(_emitters):
        try:
            emitter(event, ids, details or {})
        except Exception:
            logger.exception("emitting %s for clusters %s failed; the change itself stands", event, ids[:20])
