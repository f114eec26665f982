"""SQL of the benchmark: each endpoint's floor, and the Datasette requests compared with (a)–(d).

The **floor** of an endpoint is the cheapest SQL that fetches the same data straight from the
database: the same rows and columns, the same visibility rules (published records only, a
figure public only when what it is attributed to is published), to-many relations aggregated
per row. bench/run.py times each statement with EXPLAIN (ANALYZE, TIMING) on PostgreSQL; an
endpoint's floor is the sum over its statements. What the app adds on top (Python, rendering,
the network) is the ratio p50 / floor.

The same statements, translated to SQLite (`for_sqlite`), are Datasette's canned queries for
(a)–(d): the comparison asks Datasette for the same data, not for something easier.

Where a floor is not the app's exact computation it says so: (d) and (e) sum with GROUP BY,
while the app applies the honesty rules in Python (latest cumulative snapshot per series,
itemised records covered by reported counts). GROUP BY is what a maintained rollup would make
of it, hence the cheapest way to the same figures.
"""

import re

# --- Shared pieces -------------------------------------------------------------------------------

PROJECT_COLUMNS = """
    p.id, p.title, p.title_en, p.kind, p.field, p.status,
    p.starts_on, p.starts_on_precision, p.ends_on, p.ends_on_precision,
    p.opened_on, p.opened_on_precision, p.floor_area_m2, p.floor_area_qualifier, p.address,
    p.funding_yuan, p.funding_qualifier, p.funding_note, p.summary, p.summary_en,
    p.source_passage, p.state, p.created_at, p.updated_at,
    d.id AS district_id, d.code AS district_code, d.name AS district_name,
    d.name_en AS district_name_en,
    a.id AS agreement_id, a.title AS agreement_title, a.title_en AS agreement_title_en,
    up.id AS part_of_id, up.title AS part_of_title, up.title_en AS part_of_title_en,
    s.id AS source_id, s.title AS source_title, s.url AS source_url,
    (SELECT COALESCE(json_agg(json_build_object(
                'district_id', pd.id, 'district_code', pd.code, 'district_name', pd.name,
                'district_name_en', pd.name_en, 'institution_id', i.id,
                'institution_name', i.name, 'institution_name_en', i.name_en,
                'role', pp.role, 'note', pp.note)), '[]')
       FROM partnerships_projectparticipant pp
       LEFT JOIN partnerships_district pd ON pd.id = pp.district_id
       LEFT JOIN partnerships_institution i ON i.id = pp.institution_id
      WHERE pp.project_id = p.id AND (pp.institution_id IS NULL OR i.state = 'published')
    ) AS participants,
    (SELECT COALESCE(json_agg(json_build_object(
                'enterprise_id', e.id, 'enterprise_name', e.name,
                'enterprise_name_en', e.name_en, 'role', pe.role, 'note', pe.note)), '[]')
       FROM companies_projectenterprise pe
       JOIN companies_enterprise e ON e.id = pe.enterprise_id
      WHERE pe.project_id = p.id AND e.state = 'published'
    ) AS enterprise_participants"""

PROJECT_JOINS = """
    JOIN partnerships_district d ON d.id = p.district_id
    LEFT JOIN partnerships_agreement a ON a.id = p.agreement_id AND a.state = 'published'
    LEFT JOIN partnerships_project up ON up.id = p.part_of_id AND up.state = 'published'
    LEFT JOIN partnerships_source s ON s.id = p.source_id"""

OUTCOME_COLUMNS = """
    o.id, o.kind, o.description, o.form, o.title, o.title_en, o.quantity, o.unit,
    o.qualifier, o.reported_text, o.basis, o.as_of, o.as_of_precision,
    o.period_start, o.period_start_precision, o.period_end, o.period_end_precision,
    o.patent_type, o.patent_status, o.patent_number, o.software_copyright_number,
    o.standard_number, o.standard_level, o.enterprise_category, o.source_passage, o.state,
    o.created_at, o.updated_at,
    od.id AS district_id, od.code AS district_code, od.name AS district_name,
    od.name_en AS district_name_en,
    pr.id AS project_id, pr.title AS project_title, pr.title_en AS project_title_en,
    ag.id AS agreement_id, ag.title AS agreement_title, ag.title_en AS agreement_title_en,
    ins.id AS institution_id, ins.name AS institution_name, ins.name_en AS institution_name_en,
    en.id AS enterprise_id, en.name AS enterprise_name, en.name_en AS enterprise_name_en,
    os.id AS source_id, os.title AS source_title, os.url AS source_url,
    os.published_on AS source_published_on"""

# What an outcome is attributed to; it is public only when each of them is published.
FIGURE_JOINS = """
    LEFT JOIN partnerships_project pr ON pr.id = o.project_id
    LEFT JOIN partnerships_agreement ag ON ag.id = o.agreement_id
    LEFT JOIN partnerships_institution ins ON ins.id = o.institution_id
    LEFT JOIN companies_enterprise en ON en.id = o.enterprise_id"""
OUTCOME_JOINS = f"""
    JOIN partnerships_district od ON od.id = o.district_id
    JOIN partnerships_source os ON os.id = o.source_id{FIGURE_JOINS}"""
PUBLIC_FIGURE = """o.state = 'published'
    AND (o.project_id IS NULL OR pr.state = 'published')
    AND (o.agreement_id IS NULL OR ag.state = 'published')
    AND (o.institution_id IS NULL OR ins.state = 'published')
    AND (o.enterprise_id IS NULL OR en.state = 'published')"""

TARGET_COLUMNS = """
    o.id, o.kind, o.description, o.quantity, o.unit, o.qualifier, o.quantity_is_stated,
    o.due_on, o.due_on_precision, o.period_start, o.period_start_precision, o.district_id,
    o.project_id, o.agreement_id, o.institution_id, o.enterprise_id, o.source_id"""

# --- (a), (b): a list page of projects, first and deep ------------------------------------------

PROJECT_PAGE = f"""
SELECT {PROJECT_COLUMNS}
  FROM partnerships_project p {PROJECT_JOINS}
 WHERE p.district_id IN ({{districts}}) AND p.state = 'published' AND p.id > :after
 ORDER BY p.id
 LIMIT 101"""

# --- (c): a project and its outcomes -------------------------------------------------------------

PROJECT_DETAIL = f"""
SELECT {PROJECT_COLUMNS}
  FROM partnerships_project p {PROJECT_JOINS}
 WHERE p.id = :project AND p.state = 'published'"""

PROJECT_OUTCOMES = f"""
SELECT {OUTCOME_COLUMNS}
  FROM outcomes_outcome o {OUTCOME_JOINS}
 WHERE o.project_id = :project AND {PUBLIC_FIGURE}
 ORDER BY o.id
 LIMIT 101"""

# --- (d): one district's outcomes summed by kind, unit and year ---------------------------------

EFFECTIVE_YEAR = "YEAR_OF(COALESCE(o.as_of, o.period_end, o.period_start, os.published_on))"
DISTRICT_STATS = f"""
SELECT o.kind, o.unit, {EFFECTIVE_YEAR} AS year, SUM(o.quantity) AS quantity,
       COUNT(*) AS outcomes
  FROM outcomes_outcome o
  JOIN partnerships_source os ON os.id = o.source_id {FIGURE_JOINS}
 WHERE o.district_id = :district AND {PUBLIC_FIGURE}
 GROUP BY o.kind, o.unit, {EFFECTIVE_YEAR}
 ORDER BY o.kind, o.unit, {EFFECTIVE_YEAR}"""

# --- (e): the dashboard's figures from scratch --------------------------------------------------

DASHBOARD = [
    # Key counts: agreements (phases), projects (sub-projects).
    """
SELECT (SELECT COUNT(*) FROM partnerships_agreement WHERE state = 'published') AS agreements,
       (SELECT COUNT(*) FROM partnerships_agreement
         WHERE state = 'published' AND part_of_id IS NOT NULL) AS phases,
       (SELECT COUNT(*) FROM partnerships_project WHERE state = 'published') AS projects,
       (SELECT COUNT(*) FROM partnerships_project
         WHERE state = 'published' AND part_of_id IS NOT NULL) AS sub_projects""",
    # Partner institutions: published top-level institutions taking part in published work.
    """
SELECT COUNT(DISTINCT COALESCE(i.parent_id, i.id)) AS partner_institutions
  FROM partnerships_projectparticipant pp
  JOIN partnerships_project p ON p.id = pp.project_id AND p.state = 'published'
  JOIN partnerships_institution i ON i.id = pp.institution_id AND i.state = 'published'""",
    # Charts: projects by district, year and field; agreements by district and year;
    # enterprises by district.
    """
SELECT p.district_id, d.name, d.name_en, YEAR_OF(p.starts_on) AS year, p.field, COUNT(*)
  FROM partnerships_project p JOIN partnerships_district d ON d.id = p.district_id
 WHERE p.state = 'published'
 GROUP BY p.district_id, d.name, d.name_en, YEAR_OF(p.starts_on), p.field""",
    """
SELECT a.district_id, d.name, d.name_en, YEAR_OF(a.signed_on) AS year, COUNT(*)
  FROM partnerships_agreement a JOIN partnerships_district d ON d.id = a.district_id
 WHERE a.state = 'published'
 GROUP BY a.district_id, d.name, d.name_en, YEAR_OF(a.signed_on)""",
    """
SELECT e.district_id, d.name, d.name_en, COUNT(*)
  FROM companies_enterprise e JOIN partnerships_district d ON d.id = e.district_id
 WHERE e.state = 'published'
 GROUP BY e.district_id, d.name, d.name_en""",
    # The ten institutions with the most published projects (sub-units count for their parent).
    """
SELECT COALESCE(i.parent_id, i.id) AS institution, COUNT(DISTINCT pp.project_id) AS projects
  FROM partnerships_projectparticipant pp
  JOIN partnerships_project p ON p.id = pp.project_id AND p.state = 'published'
  JOIN partnerships_institution i ON i.id = pp.institution_id AND i.state = 'published'
 GROUP BY COALESCE(i.parent_id, i.id)
 ORDER BY projects DESC
 LIMIT 10""",
    # Outcome totals by kind and unit, and by category for the broken-down kinds.
    f"""
SELECT o.kind, o.unit, SUM(o.quantity), COUNT(*)
  FROM outcomes_outcome o {FIGURE_JOINS}
 WHERE {PUBLIC_FIGURE}
 GROUP BY o.kind, o.unit""",
    f"""
SELECT o.kind, o.unit, o.patent_type, o.patent_status, o.enterprise_category,
       SUM(o.quantity), COUNT(*)
  FROM outcomes_outcome o {FIGURE_JOINS}
 WHERE {PUBLIC_FIGURE} AND o.kind IN ('patent', 'enterprises_cultivated')
 GROUP BY o.kind, o.unit, o.patent_type, o.patent_status, o.enterprise_category""",
    # The twelve public targets due soonest (their progress is a total per target's scope).
    f"""
SELECT {TARGET_COLUMNS}
  FROM outcomes_target o {FIGURE_JOINS}
 WHERE {PUBLIC_FIGURE}
 ORDER BY o.due_on NULLS LAST, o.kind, o.id
 LIMIT 12""",
]

# --- (f): a project's page -----------------------------------------------------------------------

# The project and its sub-projects at any depth: its outcomes and targets are theirs too.
PROJECT_FAMILY = """
WITH RECURSIVE family(id) AS (
    SELECT CAST(:project AS bigint)
    UNION SELECT c.id FROM partnerships_project c JOIN family f ON c.part_of_id = f.id
)"""

PROJECT_PAGE_STATEMENTS = [
    PROJECT_DETAIL,
    """
SELECT c.id, c.title, c.title_en, c.starts_on, c.starts_on_precision, c.status
  FROM partnerships_project c
 WHERE c.part_of_id = :project AND c.state = 'published'
 ORDER BY c.starts_on NULLS LAST, c.title, c.id""",
    f"""{PROJECT_FAMILY}
SELECT {OUTCOME_COLUMNS}
  FROM outcomes_outcome o {OUTCOME_JOINS}
 WHERE o.project_id IN (SELECT id FROM family) AND {PUBLIC_FIGURE}
 ORDER BY o.kind, o.unit, o.id""",
    f"""{PROJECT_FAMILY}
SELECT {TARGET_COLUMNS}
  FROM outcomes_target o {FIGURE_JOINS}
 WHERE o.project_id IN (SELECT id FROM family) AND {PUBLIC_FIGURE}
 ORDER BY o.due_on NULLS LAST, o.kind, o.id""",
]

# --- (g): an institution's page ------------------------------------------------------------------

INSTITUTION_FAMILY = """
WITH RECURSIVE family(id) AS (
    SELECT CAST(:institution AS bigint)
    UNION SELECT c.id FROM partnerships_institution c JOIN family f ON c.parent_id = f.id
)"""

INSTITUTION_PAGE_STATEMENTS = [
    """
SELECT i.id, i.name, i.name_en, i.short_name, i.kind, i.location, i.school_code, i.uscc,
       i.ror_id, i.website, i.description, i.source_passage,
       d.id, d.code, d.name, d.name_en, pa.id, pa.name, pa.name_en, s.id, s.title, s.url
  FROM partnerships_institution i
  JOIN partnerships_district d ON d.id = i.district_id
  LEFT JOIN partnerships_institution pa ON pa.id = i.parent_id
  LEFT JOIN partnerships_source s ON s.id = i.source_id
 WHERE i.id = :institution AND i.state = 'published'""",
    """
SELECT c.id, c.name, c.name_en, c.kind
  FROM partnerships_institution c
 WHERE c.parent_id = :institution AND c.state = 'published'
 ORDER BY c.kind, c.name, c.id""",
    f"""{INSTITUTION_FAMILY}
SELECT pp.id, pp.role, pp.note, pp.institution_id, p.id, p.title, p.title_en, p.kind,
       p.status, p.starts_on, p.starts_on_precision, p.ends_on, p.ends_on_precision
  FROM partnerships_projectparticipant pp
  JOIN partnerships_project p ON p.id = pp.project_id AND p.state = 'published'
 WHERE pp.institution_id IN (SELECT id FROM family)
 ORDER BY p.starts_on DESC NULLS LAST, p.title, pp.id""",
    f"""{INSTITUTION_FAMILY}
SELECT ap.id, ap.role, ap.note, ap.institution_id, a.id, a.title, a.title_en, a.kind,
       a.status, a.signed_on, a.signed_on_precision
  FROM partnerships_agreementparty ap
  JOIN partnerships_agreement a ON a.id = ap.agreement_id AND a.state = 'published'
 WHERE ap.institution_id IN (SELECT id FROM family)
 ORDER BY a.signed_on DESC NULLS LAST, a.title, ap.id""",
    f"""{INSTITUTION_FAMILY}
SELECT e.id, e.name, e.name_en, e.founded_on, e.founded_on_precision
  FROM companies_enterprise e
 WHERE e.incubator_id IN (SELECT id FROM family) AND e.state = 'published'
 ORDER BY e.name, e.id""",
    # Its outcomes: attributed to it or a sub-unit, or to a project or agreement they take part in.
    f"""{INSTITUTION_FAMILY}
SELECT {OUTCOME_COLUMNS}
  FROM outcomes_outcome o {OUTCOME_JOINS}
 WHERE (o.institution_id IN (SELECT id FROM family)
        OR o.project_id IN (SELECT project_id FROM partnerships_projectparticipant
                             WHERE institution_id IN (SELECT id FROM family))
        OR o.agreement_id IN (SELECT agreement_id FROM partnerships_agreementparty
                               WHERE institution_id IN (SELECT id FROM family)))
   AND {PUBLIC_FIGURE}
 ORDER BY o.kind, o.unit, o.id""",
    f"""{INSTITUTION_FAMILY}
SELECT {TARGET_COLUMNS}
  FROM outcomes_target o {FIGURE_JOINS}
 WHERE (o.institution_id IN (SELECT id FROM family)
        OR o.project_id IN (SELECT project_id FROM partnerships_projectparticipant
                             WHERE institution_id IN (SELECT id FROM family))
        OR o.agreement_id IN (SELECT agreement_id FROM partnerships_agreementparty
                               WHERE institution_id IN (SELECT id FROM family)))
   AND {PUBLIC_FIGURE}
 ORDER BY o.due_on NULLS LAST, o.kind, o.id""",
]


def floor_statements(key: str) -> list[str]:
    """The floor of endpoint `key` ("a" … "g"), as statements with `:name` parameters."""
    return {
        "a": [PROJECT_PAGE],
        "b": [PROJECT_PAGE],
        "c": [PROJECT_DETAIL, PROJECT_OUTCOMES],
        "d": [DISTRICT_STATS],
        "e": DASHBOARD,
        "f": PROJECT_PAGE_STATEMENTS,
        "g": INSTITUTION_PAGE_STATEMENTS,
    }[key]


# --- Dialects ------------------------------------------------------------------------------------

PARAMETER = re.compile(r"(?<![:\w]):([a-z_]+)\b")


def with_districts(sql: str, district_ids) -> str:
    # Whole numbers picked from the data, never input: safe to write into the statement.
    return sql.replace("{districts}", ", ".join(str(int(i)) for i in district_ids))


def for_postgresql(sql: str) -> str:
    """`:name` parameters as psycopg's `%(name)s`; YEAR_OF as date_part."""
    return PARAMETER.sub(r"%(\1)s", sql.replace("YEAR_OF(", "date_part('year', "))


def for_sqlite(sql: str) -> str:
    """SQLite's names for the JSON aggregates and the year; `:name` parameters stay."""
    return (
        sql.replace("json_build_object(", "json_object(")
        .replace("json_agg(", "json_group_array(")
        .replace("YEAR_OF(", "strftime('%Y', ")
    )


# --- Datasette -----------------------------------------------------------------------------------
# Canned queries (Datasette's named, parameterised SQL) for (a)–(d), and a table request for
# (b) through Datasette's own keyset paging (`_next`), which has no joins.

DATASETTE_QUERIES = {
    "project_page": PROJECT_PAGE,
    "project_detail": PROJECT_DETAIL,
    "project_outcomes": PROJECT_OUTCOMES,
    "district_stats": DISTRICT_STATS,
}
# Nested lists arrive as JSON text; `_json` makes Datasette send them as JSON, as we do.
NESTED = "_json=participants&_json=enterprise_participants"


def datasette_metadata(database: str, district_ids) -> dict:
    return {
        "databases": {
            database: {
                "queries": {
                    name: {"sql": for_sqlite(with_districts(sql, district_ids)).strip()}
                    for name, sql in DATASETTE_QUERIES.items()
                }
            }
        }
    }
