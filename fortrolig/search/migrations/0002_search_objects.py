"""PostgreSQL: pg_trgm, the GIN indexes and the query function. SQLite: the FTS5 tables and
their triggers. Each only on its own database (see fortrolig/search/schema.py)."""

from django.db import migrations

from fortrolig.search import schema


def install(apps, schema_editor):
    schema.install(schema_editor, apps.get_model("search", "CandidateSearchEntry"))


def remove(apps, schema_editor):
    schema.remove(schema_editor, apps.get_model("search", "CandidateSearchEntry"))


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
