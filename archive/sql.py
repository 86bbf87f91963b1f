"""The SQL that the archive writes out by hand, said in the models' terms.

Some queries are written out because the ORM took longer to build them than PostgreSQL to
answer them (archive.browse, archive.counts, archive.related, archive.pagecache,
config.health). They must still say the domain's rules as the ORM says them, or one copy
drifts from the other (search facets once gave a year to articles that browse pages
showed undated). So a template names tables and rules, and ``compose`` fills them in:

- ``{article}``, ``{articleregion}``, ``{browsecount}`` …: a model's table, by its model
  name (``_meta.db_table``), for every model of the archive and search apps;
- ``{published:a}``, ``{dated:a}``, ``{undated:a}``: the condition of the QuerySet method
  of that name (``Article.objects.published()`` …) on the article aliased ``a``, compiled
  by Django's SQL compiler from the method itself;
- ``{card_regions:a}``: the names an article card shows, as the ORM's
  ``with_region_names()`` reads them.

The rules' values (``'published'``, ``'unknown'``) are written into the SQL as literals:
they come from the models' choices, never from a request.
"""

from functools import cache

from django.apps import apps
from django.db import connection

# The ArticleQuerySet methods a template may name as a condition.
RULES = ("published", "dated", "undated")


def _compiled(queryset, alias):
    """The query of ``queryset`` with the article table aliased ``alias``, and its compiler."""
    from archive.models import Article

    query = queryset.query.clone()
    query.get_initial_alias()
    query.change_aliases({Article._meta.db_table: alias})
    return query, query.get_compiler(connection=connection)


@cache
def condition(rule, alias):
    """The WHERE condition of ``Article.objects.<rule>()`` on the article aliased ``alias``."""
    from archive.models import Article

    if rule not in RULES:
        raise ValueError(f"no article rule {rule!r}")
    query, compiler = _compiled(getattr(Article.objects.all(), rule)(), alias)
    return _inline(*compiler.compile(query.where))


@cache
def card_regions(alias):
    """The array of an article card's region names (``with_region_names()``) for the article
    aliased ``alias``."""
    from archive.models import Article

    query, compiler = _compiled(Article.objects.with_region_names(), alias)
    return _inline(*compiler.compile(query.annotations["card_regions"]))


def _inline(sql, params):
    """``sql`` with its parameters written in as literals: the templates it goes into take
    parameters of their own (``%s`` or ``%(name)s``)."""
    literals = []
    for value in params:
        if not isinstance(value, str) or "%" in value:
            raise ValueError(f"a rule's value must be plain text: {value!r}")
        literals.append("'" + value.replace("'", "''") + "'")
    return sql % tuple(literals)


class _Named:
    """A placeholder whose format spec is the article's alias: ``{published:a}``."""

    def __init__(self, render, name=None):
        self.render, self.name = render, name

    def __format__(self, alias):
        if not alias:
            raise ValueError("name the article's alias: {published:a}")
        return self.render(self.name, alias) if self.name else self.render(alias)


@cache
def _names():
    tables = {
        model._meta.model_name: model._meta.db_table
        for label in ("archive", "search")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }
    return {
        **tables,
        **{rule: _Named(condition, rule) for rule in RULES},
        "card_regions": _Named(card_regions),
    }


@cache
def compose(template, **values):
    """``template`` with its tables and rules filled in (see the module's docstring), and
    ``values`` (SQL written by the caller, never a request's text). Cached: a template is
    composed once per process for each set of ``values``."""
    return template.format(**_names(), **values)
