"""Indexes for the clerk inbox on PostgreSQL; nothing on other databases (SQLite).

- a partial index on routed cases in inbox order (authority, newest first, id): the first
  page of an inbox reads 26 index entries instead of sorting the authority's history;
- a trigram GIN index on UPPER(applicant_name): the case-insensitive substring search
  (`icontains`, which Django writes as UPPER(col::text) LIKE UPPER('%…%')).
The reference prefix search uses the `varchar_pattern_ops` index Django already creates
for the unique `reference` column.

Not in the model state (they are PostgreSQL-only), so `makemigrations` never sees them.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

INDEXES = [
    (
        "cases_case_inbox_routed",
        "CREATE INDEX IF NOT EXISTS cases_case_inbox_routed ON cases_case "
        "(authority_id, submitted_at DESC, id DESC) WHERE routed_at IS NOT NULL",
    ),
    (
        "cases_case_applicant_trgm",
        "CREATE INDEX IF NOT EXISTS cases_case_applicant_trgm ON cases_case "
        "USING gin (UPPER(applicant_name::text) gin_trgm_ops)",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(INDEXES[0][1])
        try:
            # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may add it.
            with transaction.atomic(using=schema_editor.connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cursor.execute(INDEXES[1][1])
        except Exception:  # noqa: BLE001 - without pg_trgm the search still works, unindexed
            logger.warning("pg_trgm unavailable: the applicant name search is not indexed")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _sql in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_pipeline_documents_workflow")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
