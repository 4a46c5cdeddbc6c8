"""Repair metadata stored before the readers validated it (sources.validation).

- `published_at` outside 1900..2100 (UTC): Python cannot represent some of these once shifted to
  UTC, and every page listing such a row failed. Set to NULL; the old value is kept in `error`.
  A row left `processing` by the crash it caused becomes `failed`, so ingesting it again retries it.
- `url` not http(s) (e.g. `javascript:`), which the API served as a link: blanked, old value in `error`.
- `language` not one of the choices: `other`, old value in `error`.

Raw SQL, because the ORM cannot load the rows it repairs. Not reversible (the old values are in `error`).
"""

from django.db import migrations

REPAIRS = [
    """
    UPDATE sources_source
    SET error = concat_ws(E'\\n', NULLIF(error, ''),
            'published_at ' || published_at::text || ' was outside the years 1900..2100 and was cleared'),
        status = CASE WHEN status = 'processing' THEN 'failed' ELSE status END,
        published_at = NULL
    WHERE published_at < '1900-01-01T00:00:00+00:00' OR published_at >= '2101-01-01T00:00:00+00:00'
    """,
    """
    UPDATE sources_source
    SET error = concat_ws(E'\\n', NULLIF(error, ''), 'url ' || left(url, 200) || ' was not http(s) and was cleared'),
        url = ''
    WHERE url <> '' AND url !~* '^https?://[^[:space:]]+$'
    """,
    """
    UPDATE sources_source
    SET error = concat_ws(E'\\n', NULLIF(error, ''), 'language ' || left(language, 20) || ' was not a choice, set to other'),
        language = 'other'
    WHERE language NOT IN ('ar', 'en', 'mixed', 'other')
    """,
]


def repair(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        for sql in REPAIRS:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("sources", "0002_source_kind")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop, elidable=True)]
