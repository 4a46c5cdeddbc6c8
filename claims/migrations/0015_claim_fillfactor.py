"""Room on each page of the claims table for updated rows (fillfactor 75).

Assignment and rebuilds rewrite a claim's nearest cosines and candidate floor far more often than
its cluster: with full pages every such update put the row on another page, and PostgreSQL then
inserted it into every index of the table, the HNSW index over the vectors too (at 100,000
claims, 101,055 updates had made 1 HOT update). With a quarter of each page free, an update that
leaves the indexed columns alone stays on its page and touches no index: assignment p50 at
100,000 claims went from 202 to 107-125 ms (p95 455 -> 278-314) on a 2-core AMD EPYC (`manage.py bench scale`).
Pages written from now on keep the room; `VACUUM FULL claims_claim` gives it to an archive's
existing pages at once (it rewrites the table and its indexes, holding it locked)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0014_candidate_cosines"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE claims_claim SET (fillfactor = 75)",
            reverse_sql="ALTER TABLE claims_claim RESET (fillfactor)",
        ),
    ]
