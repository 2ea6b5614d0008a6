"""Database objects the ORM cannot declare for both databases: PostgreSQL's indexes, query
function and the trigger that writes the vectors, and SQLite's FTS5 tables with the
triggers that keep them in sync.

Installed by migration 0002, each only on its own database vendor.
"""

from typing import Any

from django.contrib.postgres.indexes import GinIndex

TABLE = "search_candidatesearchentry"
FTS_TABLE = "search_candidate_fts"
NAME_TABLE = "search_candidate_name_fts"

# Prefix matching starts at stems of this many characters: shorter stems ("lær", "jav")
# would match too many unrelated words.
PREFIX_MIN_CHARS = 5

# The Norwegian Snowball stemmer removes only the final "e" of plurals in "-ere"
# ("sykepleiere" → "sykepleier") but "-er" from the singular ("sykepleier" → "sykeplei"), so
# the two forms never meet. This function stems each Norwegian query lexeme once more and
# matches it as a prefix: both forms then become "sykeplei:*", which matches the stems of
# the singular, the plural and the definite forms in the document.
POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION fortrolig_search_prefix_tsquery(query text) RETURNS tsquery
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    source text := websearch_to_tsquery('norwegian', query)::text;
    result text := '';
    part text[];
    lexeme text;
    stem text;
BEGIN
    IF source = '' THEN
        RETURN ''::tsquery;
    END IF;
    FOR part IN SELECT regexp_matches(source, '''((?:[^'']|'''')*)''|([^'']+)', 'g') LOOP
        IF part[1] IS NULL THEN
            -- Operators, parentheses and spaces: kept as they are.
            result := result || part[2];
        ELSE
            lexeme := replace(part[1], '''''', '''');
            IF char_length(lexeme) >= {PREFIX_MIN_CHARS} AND strpos(lexeme, '\\') = 0 THEN
                stem := coalesce((ts_lexize('norwegian_stem', lexeme))[1], lexeme);
                result := result || '''' || replace(stem, '''', '''''') || ''':*';
            ELSE
                result := result || '''' || part[1] || '''';
            END IF;
        END IF;
    END LOOP;
    RETURN result::tsquery;
END
$$
"""


# The vectors are computed by the database as the row is written, in the same statement:
# computing them in Python made a rebuild of 100,000 candidates four times slower, and a
# separate UPDATE writes every row twice. Names weigh most (A), then roles and skills (B),
# the summary and location (C), and the documents (D); each part is stemmed both as
# Norwegian and as English. profile_vector repeats A to C for ranking (models.py).
POSTGRES_VECTOR_TRIGGER = [
    """
    CREATE OR REPLACE FUNCTION search_entry_vectors() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.profile_vector :=
            setweight(to_tsvector('norwegian', NEW.full_name), 'A')
            || setweight(to_tsvector('english', NEW.full_name), 'A')
            || setweight(to_tsvector('norwegian', NEW.roles_text), 'B')
            || setweight(to_tsvector('english', NEW.roles_text), 'B')
            || setweight(to_tsvector('norwegian', NEW.summary_text), 'C')
            || setweight(to_tsvector('english', NEW.summary_text), 'C');
        NEW.search_vector := NEW.profile_vector
            || setweight(to_tsvector('norwegian', NEW.documents_text), 'D')
            || setweight(to_tsvector('english', NEW.documents_text), 'D');
        RETURN NEW;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS search_entry_vectors ON search_candidatesearchentry",
    """
    CREATE TRIGGER search_entry_vectors
    BEFORE INSERT OR UPDATE ON search_candidatesearchentry
    FOR EACH ROW EXECUTE FUNCTION search_entry_vectors()
    """,
]
POSTGRES_VECTOR_TRIGGER_REMOVE = [
    "DROP TRIGGER IF EXISTS search_entry_vectors ON search_candidatesearchentry",
    "DROP FUNCTION IF EXISTS search_entry_vectors()",
]


def _postgres_indexes() -> list[GinIndex]:
    return [
        GinIndex(fields=["search_vector"], name="search_entry_vector_gin"),
        # For the most recent profile matches of a common word: lets the planner choose
        # between this index and walking the candidates by last activity.
        GinIndex(fields=["profile_vector"], name="search_entry_profile_gin"),
        GinIndex(fields=["full_name"], opclasses=["gin_trgm_ops"], name="search_entry_name_trgm"),
        GinIndex(
            fields=["skill_keys"], opclasses=["jsonb_path_ops"], name="search_entry_skills_gin"
        ),
    ]


# The names are written out (TABLE, FTS_TABLE, NAME_TABLE above) rather than formatted in.
SQLITE_INSTALL = [
    # External content: the text lives once, in the entry table; FTS5 keeps only the index.
    # Porter stems English; unicode61 folds case and, with remove_diacritics 2, "å" to "a".
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS search_candidate_fts USING fts5(
        full_name, roles_text, summary_text, documents_text,
        content='search_candidatesearchentry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    # Trigrams of the name, for typo-tolerant name search (SQLite 3.34 and later).
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS search_candidate_name_fts USING fts5(
        full_name, content='search_candidatesearchentry', content_rowid='id', tokenize='trigram'
    )
    """,
    """
    CREATE TRIGGER IF NOT EXISTS search_entry_fts_insert AFTER INSERT
    ON search_candidatesearchentry BEGIN
        INSERT INTO search_candidate_fts(rowid, full_name, roles_text, summary_text, documents_text)
        VALUES (new.id, new.full_name, new.roles_text, new.summary_text, new.documents_text);
        INSERT INTO search_candidate_name_fts(rowid, full_name) VALUES (new.id, new.full_name);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS search_entry_fts_delete AFTER DELETE
    ON search_candidatesearchentry BEGIN
        INSERT INTO search_candidate_fts(search_candidate_fts, rowid, full_name, roles_text,
            summary_text, documents_text)
        VALUES ('delete', old.id, old.full_name, old.roles_text, old.summary_text,
            old.documents_text);
        INSERT INTO search_candidate_name_fts(search_candidate_name_fts, rowid, full_name)
        VALUES ('delete', old.id, old.full_name);
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS search_entry_fts_update AFTER UPDATE
    ON search_candidatesearchentry BEGIN
        INSERT INTO search_candidate_fts(search_candidate_fts, rowid, full_name, roles_text,
            summary_text, documents_text)
        VALUES ('delete', old.id, old.full_name, old.roles_text, old.summary_text,
            old.documents_text);
        INSERT INTO search_candidate_name_fts(search_candidate_name_fts, rowid, full_name)
        VALUES ('delete', old.id, old.full_name);
        INSERT INTO search_candidate_fts(rowid, full_name, roles_text, summary_text, documents_text)
        VALUES (new.id, new.full_name, new.roles_text, new.summary_text, new.documents_text);
        INSERT INTO search_candidate_name_fts(rowid, full_name) VALUES (new.id, new.full_name);
    END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TABLE IF EXISTS search_candidate_name_fts",
    "DROP TABLE IF EXISTS search_candidate_fts",
]


def install(schema_editor: Any, model: Any) -> None:
    """Create the vendor's search objects. `model` is the migration's historical model."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Trusted extension since PostgreSQL 13: the database owner may create it.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(POSTGRES_FUNCTION)
        for sql in POSTGRES_VECTOR_TRIGGER:
            schema_editor.execute(sql)
        for index in _postgres_indexes():
            schema_editor.execute(index.create_sql(model, schema_editor))
    elif vendor == "sqlite":
        for sql in SQLITE_INSTALL:
            schema_editor.execute(sql)
    else:
        raise RuntimeError(f"no search index for database vendor {vendor!r}")


def remove(schema_editor: Any, model: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for index in _postgres_indexes():
            schema_editor.execute(index.remove_sql(model, schema_editor))
        schema_editor.execute("DROP FUNCTION IF EXISTS fortrolig_search_prefix_tsquery(text)")
        for sql in POSTGRES_VECTOR_TRIGGER_REMOVE:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        for sql in SQLITE_REMOVE:
            schema_editor.execute(sql)
