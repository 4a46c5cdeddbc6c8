from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        # The claims services announce status and verdict changes through claims.services.events;
        # the emitter that turns them into webhook deliveries is handed over here, so claims never
        # imports integrations (see claims/services/events.py).
        from claims.services import events
        from integrations import services

        events.register(services.emit)
