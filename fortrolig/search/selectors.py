"""Candidate search: full text over names, profiles and documents, typo-tolerant names,
filters, ranking, highlighted snippets and pagination, within one agency.

Restricted candidates (P-23) never appear: the refresh removes their entry, and the rows of
every page are checked against the candidate's own `restricted` flag, so that the moment
between a restriction and its refresh shows nothing either.

PostgreSQL (production)
    One SQL statement per page (and two SET LOCALs for the planner around it). Entries carry
    `search_vector`: names (weight A), roles and skills (B), summary and location (C) and
    documents (D), each stemmed as Norwegian and as English, with a GIN index; and
    `profile_vector`, A to C only, small enough to stay in the row. The query is
    `websearch_to_tsquery` in both configurations, OR-ed with a Norwegian prefix variant
    (`fortrolig_search_prefix_tsquery`, see schema.py) that lets "sykepleier" and
    "sykepleiere" find each other: the Snowball stemmer alone maps them to different stems.
    Names also match by pg_trgm similarity (`full_name % text` or `text <% full_name`, GIN
    trigram index), so that "Kristofer Hansn" finds "Kristoffer Hansen".

    Order: first the candidates whose profile or name matches, by `ts_rank_cd` over the
    profile vector plus the name's trigram similarity, then those found only in their
    documents, by last activity. Ranking by the documents' vector would mean decompressing a
    CV for every match. Up to RANK_CAP matches, every match is counted and ranked; a word
    found in more (a common one is in tens of thousands of CVs at 100,000 candidates) gets
    a lower-bound total (`total_capped`) and, within each of the three groups, the most
    recently active candidates first: counting or ranking them all would take far longer
    than a search may (bench/search_bench.py). Snippets: `ts_headline` over the HTML-escaped
    text, for the rows of the page only.

SQLite (the embedded default) differs:
    - FTS5 with the Porter (English) stemmer: no Norwegian stemmer. Each query word is cut
      to a rough Norwegian stem ("sykepleiere" → "sykeplei") and matched as a prefix, which
      covers the common plural and definite forms, and more words than a stemmer would.
    - Query syntax: words (all must match), "quoted phrases" and -excluded words; no "or".
    - Typo tolerance on names only, and weaker: the FTS5 trigram table finds names sharing
      trigrams with the query, and a trigram similarity computed here keeps the close ones.
    - Rank: bm25 over all columns (names weigh most, documents least) plus the same name
      similarity; documents count in the rank. Pagination, totals and the merge of text and
      name hits happen here, not in one statement: fine for the thousands of candidates an
      embedded installation holds.
"""

import html
import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from fortrolig.candidates.models import Availability, Source
from fortrolig.core.errors import ValidationFailed
from fortrolig.core.models import Agency

from .models import CandidateSearchEntry
from .schema import FTS_TABLE, NAME_TABLE, TABLE

MAX_PAGE_SIZE = 100
MAX_TEXT_CHARS = 200
# The SQLite stand-in's threshold for its name similarity (see name_similarity).
NAME_SIMILARITY_THRESHOLD = 0.4

MSG_PAGE = _("The page must be a whole number from 1.")
MSG_PAGE_SIZE = _("The page size must be a whole number from 1 to %(max)d.")
MSG_TEXT = _("Search for at most %(max)d characters.")
MSG_CHOICE = _("Choose one of the listed values.")


@dataclass(frozen=True)
class CandidateSearchQuery:
    text: str = ""
    skills: tuple[str, ...] = ()
    city: str = ""
    availability: str = ""
    source: str = ""
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class CandidateSearchRow:
    candidate_id: uuid.UUID
    full_name: str
    city: str
    skills: list[str]
    availability: str
    # Safe HTML: the text is escaped and only <mark> tags are added around hits.
    snippet: str
    rank: float


@dataclass(frozen=True)
class CandidateSearchPage:
    rows: list[CandidateSearchRow]
    total: int
    page: int
    pages: int
    page_size: int
    # True when the search matched more candidates than it ranks (PostgreSQL, RANK_CAP):
    # `total` is then a lower bound ("2 000+"), and the pages reach no further.
    total_capped: bool = False


def _validated(query: CandidateSearchQuery) -> CandidateSearchQuery:
    errors: dict[str, list[str]] = {}
    if not isinstance(query.page, int) or query.page < 1:
        errors["page"] = [str(MSG_PAGE)]
    if not isinstance(query.page_size, int) or not 1 <= query.page_size <= MAX_PAGE_SIZE:
        errors["page_size"] = [str(MSG_PAGE_SIZE) % {"max": MAX_PAGE_SIZE}]
    if len(query.text) > MAX_TEXT_CHARS:
        errors["text"] = [str(MSG_TEXT) % {"max": MAX_TEXT_CHARS}]
    if query.availability and query.availability not in Availability.values:
        errors["availability"] = [str(MSG_CHOICE)]
    if query.source and query.source not in Source.values:
        errors["source"] = [str(MSG_CHOICE)]
    if errors:
        raise ValidationFailed(field_errors=errors)
    return query


def _skill_keys(query: CandidateSearchQuery) -> list[str]:
    return sorted({s.strip().lower() for s in query.skills if s.strip()})


def _filtered(agency: Agency, query: CandidateSearchQuery) -> QuerySet[CandidateSearchEntry]:
    """The agency's entries that pass the filters. Entries of restricted candidates are
    removed by the refresh; the rows of a page are checked once more (`_shown`)."""
    entries = CandidateSearchEntry.objects.filter(agency=agency, restricted=False)
    if query.city.strip():
        entries = entries.filter(city__iexact=query.city.strip())
    if query.availability:
        entries = entries.filter(availability=query.availability)
    if query.source:
        entries = entries.filter(source=query.source)
    keys = _skill_keys(query)
    if keys and connection.vendor == "postgresql":
        # jsonb @> with the GIN index on skill_keys.
        entries = entries.filter(skill_keys__contains=keys)
    elif keys:
        # SQLite has no JSON containment; one json_each check per skill.
        for key in keys:
            entries = entries.filter(
                RawSQL(  # noqa: S611 - the skill is a parameter
                    f"EXISTS (SELECT 1 FROM json_each({TABLE}.skill_keys) WHERE value = %s)",  # noqa: S608
                    (key,),
                    output_field=BooleanField(),
                )
            )
    return entries


def _page_count(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))


_ROW_FIELDS = ("candidate_id", "full_name", "city", "skills", "availability")


def _shown(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop the rows of candidates restricted since their entry was written (P-23). Checked
    on the page's rows only: joining every match to the candidates would cost a scan."""
    return [row for row in rows if not row["candidate_restricted"]]


def _row(values: dict[str, Any], snippet: str = "", rank: float = 0.0) -> CandidateSearchRow:
    skills = values["skills"]
    if isinstance(skills, str):
        # A raw cursor may hand jsonb over as text.
        skills = json.loads(skills)
    return CandidateSearchRow(
        candidate_id=values["candidate_id"],
        full_name=values["full_name"],
        city=values["city"],
        skills=[str(skill) for skill in skills or []],
        availability=values["availability"],
        snippet=snippet,
        rank=rank,
    )


def _listing(agency: Agency, query: CandidateSearchQuery) -> CandidateSearchPage:
    """No search text: the candidates with the latest activity first."""
    entries = _filtered(agency, query)
    offset = (query.page - 1) * query.page_size
    rows = _shown(
        list(
            entries.order_by("-last_activity_at", "id").values(
                *_ROW_FIELDS, candidate_restricted=F("candidate__restricted")
            )[offset : offset + query.page_size]
        )
    )
    # A second statement: a window count would read every row, not just the index.
    total = entries.count()
    return CandidateSearchPage(
        rows=[_row(values) for values in rows],
        total=total,
        page=query.page,
        pages=_page_count(total, query.page_size),
        page_size=query.page_size,
    )


def candidate_search(*, agency: Agency, query: CandidateSearchQuery) -> CandidateSearchPage:
    """One page of the agency's candidates matching `query`, best match first; without
    search text, the whole list by last activity. Filters narrow either.

    Raises ValidationFailed for a page below 1, a page size outside 1..100, search text
    over 200 characters, or an unknown availability or source.
    """
    query = _validated(query)
    text = " ".join(query.text.split())
    if not re.search(r"\w", text):
        return _listing(agency, query)
    if connection.vendor == "postgresql":
        return _search_postgres(agency, query, text)
    return _search_sqlite(agency, query, text)


# PostgreSQL --------------------------------------------------------------------------------

# Up to this many matches, every one is counted and ranked. A common word is in tens of
# thousands of CVs, and ranking or even counting all of them would cost more than a search
# may take (bench/search_bench.py); beyond it the total is a lower bound (`total_capped`)
# and the order is by last activity within each kind of match.
RANK_CAP = 2000
# At most this many names similar to the text are considered: a typo search that comes
# close to hundreds of names (every Hansen) must be narrowed anyway, and each one costs
# the trigram index a recheck of several rows.
NAME_CAP = 200

# The query as a tsquery: Norwegian and English stemming, and the Norwegian prefix variant.
_TSQUERY = (
    "(websearch_to_tsquery('norwegian', %(text)s)"
    " || websearch_to_tsquery('english', %(text)s)"
    " || fortrolig_search_prefix_tsquery(%(text)s))"
)
# Escaped before ts_headline adds its <mark> tags, so that the snippet is safe HTML.
_ESCAPED_TEXT = (
    "replace(replace(replace(replace(replace("
    "e.roles_text || chr(10) || e.summary_text || chr(10) || e.documents_text, "
    "'&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '\"', '&quot;'), chr(39), '&#x27;')"
)
_HEADLINE_OPTIONS = (
    'StartSel="<mark>", StopSel="</mark>", MaxFragments=2, MaxWords=18, MinWords=6, '
    'FragmentDelimiter=" … "'
)
# One statement. m: the matches (GIN index on search_vector), at most RANK_CAP + 1 of them,
# in no order: a bitmap scan that stops early, never reading a CV's vector. n: names
# similar to the text (GIN trigram index: similarity over pg_trgm's threshold, or word
# similarity for a part of the name). When neither reaches the cap, every match is ranked
# (`ranked`): first those whose profile or name matches, by ts_rank_cd over the small
# profile vector plus the name's similarity, then those found in their documents only, by
# last activity. Otherwise (`recent_*`): the name matches, then the profile matches by last
# activity, then the document matches, taking only as many rows as the page needs. Every
# value, user input included, is a parameter; only `scope` is formatted in, and it is made
# of fixed conditions.
_SEARCH = f"""
WITH matches AS MATERIALIZED (
    SELECT e.id
    FROM search_candidatesearchentry e
    WHERE {{scope}} AND e.search_vector @@ {_TSQUERY}
),
m AS MATERIALIZED (
    SELECT id FROM matches LIMIT %(cap)s + 1
),
n AS MATERIALIZED (
    SELECT e.id, e.last_activity_at,
        greatest(similarity(e.full_name, %(text)s), word_similarity(%(text)s, e.full_name))
            AS name_rank
    FROM search_candidatesearchentry e
    WHERE {{scope}} AND (e.full_name %% %(text)s OR %(text)s <%% e.full_name)
    LIMIT %(name_cap)s + 1
),
sizes AS MATERIALIZED (
    SELECT (SELECT count(*) FROM m) > %(cap)s OR (SELECT count(*) FROM n) > %(name_cap)s
        AS capped
),
ranked AS (
    SELECT e.id, e.last_activity_at,
        CASE WHEN n.id IS NOT NULL OR coalesce(e.profile_vector @@ {_TSQUERY}, false)
            THEN 1 ELSE 2 END AS tier,
        coalesce(ts_rank_cd(e.profile_vector, {_TSQUERY}, 32), 0) + coalesce(n.name_rank, 0)
            AS rank
    FROM (SELECT id FROM m UNION SELECT id FROM n) AS ids
    JOIN search_candidatesearchentry e ON e.id = ids.id
    LEFT JOIN n ON n.id = ids.id
    WHERE NOT (SELECT capped FROM sizes)
),
recent_profile AS MATERIALIZED (
    SELECT e.id, e.last_activity_at
    FROM search_candidatesearchentry e
    WHERE (SELECT capped FROM sizes) AND {{scope}} AND e.profile_vector @@ {_TSQUERY}
    ORDER BY e.last_activity_at DESC
    LIMIT %(offset)s + %(limit)s
),
recent_rest AS (
    SELECT e.id, e.last_activity_at
    FROM search_candidatesearchentry e
    WHERE (SELECT capped FROM sizes) AND {{scope}} AND e.search_vector @@ {_TSQUERY}
        AND NOT coalesce(e.profile_vector @@ {_TSQUERY}, false)
        AND e.id NOT IN (SELECT id FROM n)
    ORDER BY e.last_activity_at DESC
    LIMIT greatest(0, %(offset)s + %(limit)s - (SELECT count(*) FROM recent_profile))
),
hits AS (
    SELECT id, tier, rank, last_activity_at FROM ranked
    UNION ALL
    SELECT id, 1, max(rank), max(last_activity_at)
    FROM (SELECT id, name_rank AS rank, last_activity_at FROM n WHERE (SELECT capped FROM sizes)
          UNION ALL SELECT id, 0, last_activity_at FROM recent_profile) AS first_tier
    GROUP BY id
    UNION ALL
    SELECT id, 2, 0, last_activity_at FROM recent_rest
),
page AS (
    SELECT id, tier, rank, last_activity_at
    FROM hits
    ORDER BY tier, rank DESC, last_activity_at DESC, id
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT (SELECT count(*) FROM (SELECT id FROM m UNION SELECT id FROM n) AS ids),
    (SELECT capped FROM sizes),
    e.candidate_id, e.full_name, e.city, e.skills, e.availability, page.rank, c.restricted,
    ts_headline('norwegian', {_ESCAPED_TEXT}, {_TSQUERY}, %(headline_options)s)
FROM (SELECT 1) AS one
LEFT JOIN page ON true
LEFT JOIN search_candidatesearchentry e ON e.id = page.id
LEFT JOIN candidates_candidate c ON c.id = e.candidate_id
ORDER BY page.tier, page.rank DESC, page.last_activity_at DESC, page.id
"""  # noqa: S608 - fixed SQL; every value is a parameter
# For the search statement only. The planner expects a sequential scan to find the first
# RANK_CAP matches of a common word sooner than the GIN index, but each row it reads means
# decompressing a CV's vector: 45 to 95 ms instead of 3 to 5 at 100,000 candidates. The
# trigram threshold (pg_trgm's default is 0.3) keeps "Kristofer Hansn" from matching every
# Kristoffer and every Hansen, which also spares the index thousands of rechecks.
_PLANNER_SETTINGS = "SET LOCAL enable_seqscan = off; SET LOCAL pg_trgm.similarity_threshold = 0.4"
_PLANNER_DEFAULTS = (
    "SET LOCAL enable_seqscan TO DEFAULT; SET LOCAL pg_trgm.similarity_threshold TO DEFAULT"
)
_ROW_COLUMNS = (
    "candidate_id",
    "full_name",
    "city",
    "skills",
    "availability",
    "rank",
    "candidate_restricted",
    "snippet",
)


def _postgres_scope(agency: Agency, query: CandidateSearchQuery) -> tuple[str, dict[str, Any]]:
    """The conditions every part shares (agency, filters), with their parameters."""
    conditions = ["e.agency_id = %(agency)s", "NOT e.restricted"]
    params: dict[str, Any] = {"agency": agency.id}
    if query.city.strip():
        conditions.append("upper(e.city) = upper(%(city)s)")
        params["city"] = query.city.strip()
    if query.availability:
        conditions.append("e.availability = %(availability)s")
        params["availability"] = query.availability
    if query.source:
        conditions.append("e.source = %(source)s")
        params["source"] = query.source
    keys = _skill_keys(query)
    if keys:
        conditions.append("e.skill_keys @> %(skills)s::jsonb")
        params["skills"] = json.dumps(keys)
    return " AND ".join(conditions), params


def _search_postgres(agency: Agency, query: CandidateSearchQuery, text: str) -> CandidateSearchPage:
    # Raw SQL: the ORM cannot say these CTEs, nor leave the headline to the page's rows.
    scope, params = _postgres_scope(agency, query)
    params.update(
        text=text,
        cap=RANK_CAP,
        name_cap=NAME_CAP,
        limit=query.page_size,
        offset=(query.page - 1) * query.page_size,
        headline_options=_HEADLINE_OPTIONS,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_PLANNER_SETTINGS)
        cursor.execute(_SEARCH.format(scope=scope), params)
        found = cursor.fetchall()
        # Put the settings back at once, in case the caller's transaction runs on.
        cursor.execute(_PLANNER_DEFAULTS)
    total, capped = int(found[0][0]), bool(found[0][1])
    rows = [dict(zip(_ROW_COLUMNS, row[2:], strict=True)) for row in found]
    return CandidateSearchPage(
        rows=[
            _row(values, " ".join((values["snippet"] or "").split()), float(values["rank"]))
            for values in _shown([r for r in rows if r["candidate_id"] is not None])
        ],
        total=total,
        page=query.page,
        pages=_page_count(total, query.page_size),
        page_size=query.page_size,
        total_capped=capped,
    )


# SQLite ------------------------------------------------------------------------------------

_OPEN, _CLOSE = "\x02", "\x03"
# Norwegian endings (and the English plural s): cut from a query word before matching it
# as a prefix, longest first, leaving at least five letters.
_ENDINGS = sorted(
    ("ene", "ere", "erne", "ane", "het", "en", "er", "et", "ar", "a", "e", "s"),
    key=len,
    reverse=True,
)
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\w+)', re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)


def _rough_stem(word: str) -> str:
    for ending in _ENDINGS:
        if len(word) - len(ending) >= 5 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _fts_query(text: str) -> str:
    """An FTS5 query from the user's text: words as prefixes of their rough stems, "quoted
    phrases" as phrases, -words excluded. FTS5 syntax in the text is never passed on."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        negated = bool(match.group(1) or match.group(3))
        if match.group(2) is not None:
            words = _WORD.findall(match.group(2))
            if not words:
                continue
            term = _fts_quote(" ".join(words))
        else:
            term = _fts_quote(_rough_stem(match.group(4))) + "*"
        (unwanted if negated else wanted).append(term)
    if not wanted:
        return ""
    fts = " AND ".join(wanted)
    if unwanted:
        fts = f"({fts}) NOT ({' OR '.join(unwanted)})"
    return fts


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _similarity(a: str, b: str) -> float:
    ta, tb = _trigrams(a), _trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def name_similarity(query_text: str, name: str) -> float:
    """How close the query is to the name, 0..1: each query word's best trigram
    similarity to a word of the name, averaged. SQLite's stand-in for pg_trgm."""
    query_words = _WORD.findall(query_text.lower())
    name_words = _WORD.findall(name.lower())
    if not query_words or not name_words:
        return 0.0
    best = [max(_similarity(q, n) for n in name_words) for q in query_words]
    return sum(best) / len(best)


def _search_sqlite(agency: Agency, query: CandidateSearchQuery, text: str) -> CandidateSearchPage:
    allowed_sql, allowed_params = _filtered(agency, query).values("id").query.sql_with_params()
    scores: dict[int, float] = {}
    fts_query = _fts_query(text)
    with connection.cursor() as cursor:
        if fts_query:
            # bm25 is lower for better matches; weights: name, roles, summary, documents.
            cursor.execute(
                f"SELECT rowid, -bm25({FTS_TABLE}, 10.0, 4.0, 2.0, 1.0) FROM {FTS_TABLE} "  # noqa: S608
                f"WHERE {FTS_TABLE} MATCH %s AND rowid IN ({allowed_sql})",
                [fts_query, *allowed_params],
            )
            for rowid, score in cursor.fetchall():
                score = max(float(score), 0.0)
                scores[rowid] = score / (1.0 + score)
        name_terms = sorted(
            {t for w in _WORD.findall(text.lower()) for t in _trigrams(w) if " " not in t}
        )
        if name_terms:
            cursor.execute(
                f"SELECT e.id, e.full_name FROM {NAME_TABLE} "  # noqa: S608
                f"JOIN {TABLE} e ON e.id = {NAME_TABLE}.rowid "
                f"WHERE {NAME_TABLE} MATCH %s AND e.id IN ({allowed_sql}) "
                f"ORDER BY bm25({NAME_TABLE}) LIMIT 200",
                [" OR ".join(_fts_quote(t) for t in name_terms), *allowed_params],
            )
            for rowid, full_name in cursor.fetchall():
                similarity = name_similarity(text, full_name)
                if similarity >= NAME_SIMILARITY_THRESHOLD or rowid in scores:
                    scores[rowid] = scores.get(rowid, 0.0) + similarity
    if not scores:
        return CandidateSearchPage(
            rows=[], total=0, page=query.page, pages=1, page_size=query.page_size
        )
    activity: dict[int, datetime] = dict(
        CandidateSearchEntry.objects.filter(pk__in=list(scores)).values_list(
            "id", "last_activity_at"
        )
    )
    ordered = sorted(
        scores, key=lambda rowid: (-scores[rowid], -activity[rowid].timestamp(), rowid)
    )
    offset = (query.page - 1) * query.page_size
    page_ids = ordered[offset : offset + query.page_size]
    values = {
        v["id"]: v
        for v in _shown(
            list(
                CandidateSearchEntry.objects.filter(pk__in=page_ids).values(
                    "id", *_ROW_FIELDS, candidate_restricted=F("candidate__restricted")
                )
            )
        )
    }
    snippets = _sqlite_snippets(page_ids, fts_query)
    return CandidateSearchPage(
        rows=[
            _row(values[rowid], snippets.get(rowid, ""), scores[rowid])
            for rowid in page_ids
            if rowid in values
        ],
        total=len(ordered),
        page=query.page,
        pages=_page_count(len(ordered), query.page_size),
        page_size=query.page_size,
    )


def _sqlite_snippets(rowids: list[int], fts_query: str) -> dict[int, str]:
    if not rowids or not fts_query:
        return {}
    placeholders = ", ".join(["%s"] * len(rowids))
    with connection.cursor() as cursor:
        # Columns 1 roles, 2 summary, 3 documents; the name is shown on its own.
        cursor.execute(
            f"SELECT rowid, snippet({FTS_TABLE}, 1, %s, %s, '…', 12), "  # noqa: S608
            f"snippet({FTS_TABLE}, 2, %s, %s, '…', 12), "
            f"snippet({FTS_TABLE}, 3, %s, %s, '…', 12) "
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({placeholders})",
            [_OPEN, _CLOSE] * 3 + [fts_query, *rowids],
        )
        found = cursor.fetchall()
    snippets: dict[int, str] = {}
    for rowid, *parts in found:
        marked = [part for part in parts if part and _OPEN in part]
        chosen = marked or [part for part in parts if part]
        snippets[rowid] = _safe_snippet(" … ".join(chosen[:2]))
    return snippets


def _safe_snippet(raw: str) -> str:
    """Escape the text, then turn the markers FTS5 put around hits into <mark> tags."""
    escaped = html.escape(" ".join(raw.split()), quote=True)
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
