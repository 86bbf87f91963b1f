"""A region's or a bureau's subtree: the rule that files an article under every place and
police unit above the ones it names.

A region's page, feed, counts and search filter cover its cities and districts; a bureau's
its sub-units. Regions nest three levels (province › city › county), agencies deeper
(ministry › department › bureau › sub-bureau › station), and staff may create a cycle among
agencies by mistake: every walk, down (``subtree_ids``) or up (``ANCESTORS_SQL``,
``climb``), follows ``parent`` at most ``MAX_DEPTH`` steps and visits a node once.
"""

from archive import sql
from config.replicas import reading

MAX_DEPTH = 8

# Down from ``%(ids)s``: one index lookup on the parent a level.
_DESCENDANTS_SQL = """
WITH RECURSIVE tree(id, depth) AS (
    SELECT unnest(%(ids)s::bigint[]), 0
    UNION
    SELECT t.id, tree.depth + 1 FROM {table} t JOIN tree ON t.parent_id = tree.id
    WHERE tree.depth < %(depth)s
)
SELECT DISTINCT id FROM tree
"""

# Up, as a CTE for other queries (archive.counts): ``{name}(node_id, ancestor_id)`` pairs
# each node of ``{nodes}`` (a query of ids) with itself and every node above it.
ANCESTORS_SQL = """
{name}_up(node_id, ancestor_id, depth) AS (
    SELECT id, id, 0 FROM ({nodes}) seed(id)
    UNION
    SELECT up.node_id, t.parent_id, up.depth + 1
    FROM {name}_up up JOIN {table} t ON t.id = up.ancestor_id
    WHERE t.parent_id IS NOT NULL AND up.depth < {depth}
),
{name}(node_id, ancestor_id) AS (SELECT DISTINCT node_id, ancestor_id FROM {name}_up)
"""


def ancestors_cte(name, model, nodes):
    """``ANCESTORS_SQL`` for ``model``'s tree, named ``name``, over the ids ``nodes`` select."""
    return ANCESTORS_SQL.format(name=name, table=model._meta.db_table, nodes=nodes, depth=MAX_DEPTH)


def subtree_ids(node):
    """The ids of a region or agency and of every node below it, as a list. Lists of
    articles take this form: with literal ids PostgreSQL knows how many articles they hold
    and walks the newest articles of a busy province instead of sorting all of them; it
    probes ``agency_id IN (1, 2, 3)`` per candidate row far faster than a recursive subquery
    (docs/benchmarks.md, "Why the code is as it is")."""
    return descendant_ids(type(node), [node.pk])


def descendant_ids(model, ids):
    """The ids ``ids`` of ``model`` (Region or Agency) and of every node below them."""
    with reading().cursor() as cursor:
        cursor.execute(
            sql.compose(_DESCENDANTS_SQL, table=model._meta.db_table),
            {"ids": list(ids), "depth": MAX_DEPTH},
        )
        return [pk for (pk,) in cursor.fetchall()]


def climb(ids, parents):
    """The nodes ``ids`` and every node above them, by the ``parents`` map {id: parent id}
    (a whole tree read into memory, for indexing many articles)."""
    found = set()
    for node in ids:
        walked = set()
        while node is not None and node not in walked and len(walked) <= MAX_DEPTH:
            walked.add(node)
            node = parents.get(node)
        found |= walked
    return found
