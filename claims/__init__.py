"""The claims Django app: models, choices, admin, the REST API (api/), Celery tasks, management
commands, and the domain services (services/) every entry point calls.

May import Django, DRF, Celery, sources and newsclaims; never evaluation or training at run
time (the evaluate command imports evaluation inside the command only).
"""
