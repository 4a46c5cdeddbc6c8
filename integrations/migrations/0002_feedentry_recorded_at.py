"""FeedEntry.recorded_at: when the poll that took an entry recorded its source or its error.

Entries stored before this column are taken as recorded when seen: an entry without a source or an
error from before may be one whose source an editor deleted, and must not be ingested again."""

from django.db import migrations, models
from django.db.models import F


def recorded_when_seen(apps, schema_editor):
    FeedEntry = apps.get_model("integrations", "FeedEntry")
    FeedEntry.objects.filter(recorded_at__isnull=True).update(recorded_at=F("seen_at"))


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="feedentry",
            name="recorded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="recorded at"),
        ),
        migrations.RunPython(recorded_when_seen, migrations.RunPython.noop),
    ]
