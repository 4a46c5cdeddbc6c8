from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("API clients")

    def ready(self) -> None:
        # drf-spectacular finds the token scheme through this extension once it is imported.
        from claims.services import enqueue
        from clients import schema, tasks  # noqa: F401

        enqueue.register(fetch_source_task=tasks.fetch_source_task)
