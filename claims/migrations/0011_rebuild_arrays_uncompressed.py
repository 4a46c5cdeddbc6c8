"""A rebuild's job and parts hold arrays written once and read once, within the rebuild (a few MB
at 10,000 claims): stored without PostgreSQL's compression (STORAGE EXTERNAL), which took half of
writing the job (1.1-1.3 -> 0.7-0.9 s at 10,000 claims) and gained little on float bytes."""

from django.db import migrations

COLUMNS = [
    ("claims_rebuildjob", "claim_ids"),
    ("claims_rebuildjob", "nearest_cosines"),
    ("claims_rebuildjob", "clause_texts"),
    ("claims_rebuildpart", "pairs"),
    ("claims_rebuildpart", "cosines"),
    ("claims_rebuildpart", "scores"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0010_rebuild_job_clause_texts"),
    ]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL",
            reverse_sql=f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTENDED",
        )
        for table, column in COLUMNS
    ]
