"""Claims' vectors copied to a table of their own, which carries the HNSW index (`ClaimVector`).

A trigger on the claims table copies a claim's vector when it is inserted, and again when its
vector or model changes (not when only its cluster, cosines or floor do: that is the point). The
existing vectors are copied, the claims table's HNSW indexes dropped and built again on the copy,
one per dimension in use (at 100,000 claims this takes some minutes; the claims table is
locked for writes meanwhile, so run it between ingests).
"""

import django.db.models.deletion
import pgvector.django.vector
from django.db import migrations, models

FORWARD = """
CREATE FUNCTION claims_claim_copy_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.embedding IS NULL THEN
        DELETE FROM claims_claimvector WHERE claim_id = NEW.id;
    ELSE
        INSERT INTO claims_claimvector (claim_id, embedding_model, embedding)
        VALUES (NEW.id, NEW.embedding_model, NEW.embedding)
        ON CONFLICT (claim_id) DO UPDATE
        SET embedding_model = EXCLUDED.embedding_model, embedding = EXCLUDED.embedding;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER claims_claim_vector_inserted AFTER INSERT ON claims_claim
FOR EACH ROW WHEN (NEW.embedding IS NOT NULL) EXECUTE FUNCTION claims_claim_copy_vector();

-- An ORM save() names every column, so "UPDATE OF embedding" alone would fire on a cluster's change.
CREATE TRIGGER claims_claim_vector_changed AFTER UPDATE OF embedding, embedding_model ON claims_claim
FOR EACH ROW WHEN (
    OLD.embedding IS DISTINCT FROM NEW.embedding OR OLD.embedding_model IS DISTINCT FROM NEW.embedding_model
) EXECUTE FUNCTION claims_claim_copy_vector();

INSERT INTO claims_claimvector (claim_id, embedding_model, embedding)
SELECT id, embedding_model, embedding FROM claims_claim WHERE embedding IS NOT NULL;

-- The copies' foreign key checks, deferred to the commit, would keep the table "in use" for CREATE INDEX.
SET CONSTRAINTS ALL IMMEDIATE;

DO $$
DECLARE
    name text;
    dimension int;
BEGIN
    FOREACH name IN ARRAY ARRAY(
        SELECT indexname FROM pg_indexes WHERE tablename = 'claims_claim' AND indexname LIKE 'claims_claim_embedding_hnsw_%'
    ) LOOP
        EXECUTE format('DROP INDEX %I', name);
    END LOOP;
    -- An array, not a loop over a query: an open cursor on the table would forbid indexing it.
    FOREACH dimension IN ARRAY ARRAY(SELECT DISTINCT vector_dims(embedding) FROM claims_claimvector) LOOP
        EXECUTE format(
            'CREATE INDEX claims_claimvector_hnsw_%s ON claims_claimvector '
            'USING hnsw ((embedding::vector(%s)) vector_cosine_ops) WHERE vector_dims(embedding) = %s',
            dimension, dimension, dimension
        );
    END LOOP;
END
$$;
"""

BACKWARD = """
DROP TRIGGER claims_claim_vector_changed ON claims_claim;
DROP TRIGGER claims_claim_vector_inserted ON claims_claim;
DROP FUNCTION claims_claim_copy_vector();

DO $$
DECLARE
    dimension int;
BEGIN
    FOREACH dimension IN ARRAY ARRAY(
        SELECT DISTINCT vector_dims(embedding) FROM claims_claim WHERE embedding IS NOT NULL
    ) LOOP
        EXECUTE format(
            'CREATE INDEX claims_claim_embedding_hnsw_%s ON claims_claim '
            'USING hnsw ((embedding::vector(%s)) vector_cosine_ops) WHERE vector_dims(embedding) = %s',
            dimension, dimension, dimension
        );
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0015_claim_fillfactor"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClaimVector",
            fields=[
                (
                    "claim",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="claims.claim",
                    ),
                ),
                ("embedding_model", models.CharField(blank=True, max_length=300)),
                ("embedding", pgvector.django.vector.VectorField()),
            ],
        ),
        migrations.RunSQL(FORWARD, reverse_sql=BACKWARD),
    ]
