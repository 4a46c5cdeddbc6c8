from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        # The services enqueue through claims.services.enqueue; the tasks (which import the
        # services) are handed to it here, at the edge, so services never import claims.tasks.
        from claims import tasks, verbose_names
        from claims.services import enqueue

        enqueue.register(
            process_source_task=tasks.process_source_task,
            process_sources_task=tasks.process_sources_task,
            rebuild_part_task=tasks.rebuild_part_task,
            rebuild_warm_task=tasks.rebuild_warm_task,
            refresh_statuses_task=tasks.refresh_statuses_task,
        )
        # With the database cache (settings.CACHES), `migrate` also creates its table, so a
        # deployment cannot forget it and answer every throttled request with a 500.
        post_migrate.connect(create_cache_tables, sender=self)
        # The admin's names for models and fields, translated, without touching migration state.
        verbose_names.apply()


def create_cache_tables(**kwargs) -> None:
    """``manage.py createcachetable`` for the migrated database (a no-op without a database cache)."""
    from django.core.management import call_command

    call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)
