from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        # The services enqueue through claims.services.enqueue; the tasks (which import the
        # services) are handed to it here, at the edge, so services never import claims.tasks.
        from claims import tasks
        from claims.services import enqueue

        enqueue.register(
            process_source_task=tasks.process_source_task,
            process_sources_task=tasks.process_sources_task,
        )
