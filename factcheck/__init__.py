"""The Django project: settings, URLs, the Celery app, WSGI and the embedded PostgreSQL.

May import Django, Celery and the apps' settings defaults (newsclaims for the pair-model threshold).
"""

# Load the Celery app with Django so that @shared_task binds to it and on_commit enqueues work.
from .celery import app as celery_app

__all__ = ("celery_app",)
