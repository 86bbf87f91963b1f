"""Staff roles, kept in code: 编辑 (editors curate) and 审阅 (reviewers read).

``setup_roles`` runs after every ``migrate`` and every ``flush`` (both send ``post_migrate``),
so a fresh database, a test database and a database emptied between browser tests all have
the two groups with exactly these permissions. Permissions are created in ``post_migrate``
as well, so it creates them first rather than depend on the order of receivers. Editing
these groups in the admin is undone by the next migrate: change them here.

Superusers are made with ``manage.py createsuperuser``; staff users are made in the admin
(active, 职员状态 ticked, put in one of these groups).
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, connections

EDITOR = "编辑"
REVIEWER = "审阅"

VIEW = ("view",)
CURATE = ("view", "change")
FULL = ("view", "add", "change", "delete")

# (app label, model name) → actions. Editors may not touch users, groups or axes' records:
# those models are simply absent here.
EDITOR_PERMISSIONS = {
    ("archive", "article"): CURATE,
    ("archive", "articleforreview"): CURATE,
    ("archive", "region"): CURATE,
    # Merging deletes the merged agencies and initiatives, so editors may delete them.
    ("archive", "agency"): FULL,
    ("archive", "initiative"): FULL,
    ("archive", "articleregion"): FULL,
    ("archive", "articleagency"): FULL,
    ("archive", "articleinitiative"): FULL,
    # "add" on a batch is the permission to import files from the admin.
    ("archive", "importbatch"): ("view", "add"),
    ("archive", "importrecord"): VIEW,
    # Queued work is made by the actions and the upload page; staff only watch it.
    ("archive", "bulkstatuschange"): VIEW,
    ("archive", "queuedupload"): VIEW,
    ("search", "searchquerylog"): VIEW,
}
REVIEWER_PERMISSIONS = {key: VIEW for key in EDITOR_PERMISSIONS}

ROLES = {EDITOR: EDITOR_PERMISSIONS, REVIEWER: REVIEWER_PERMISSIONS}


def setup_roles(using=DEFAULT_DB_ALIAS):
    """Create or update the two groups so they hold exactly the permissions above."""
    from django.contrib.auth.models import Group, Permission

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for name, grants in ROLES.items():
        wanted = {
            (app_label, f"{action}_{model}")
            for (app_label, model), actions in grants.items()
            for action in actions
        }
        permissions = list(
            Permission.objects.using(using)
            .filter(content_type__app_label__in={app for app, _ in wanted})
            .select_related("content_type")
        )
        found = [p for p in permissions if (p.content_type.app_label, p.codename) in wanted]
        missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
        if missing:
            # A renamed model would otherwise silently leave a role without its rights.
            raise RuntimeError(f"Role {name}: unknown permissions {sorted(missing)}")
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(found)


def setup_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate receiver: skip a partial migrate that has not created auth's tables yet."""
    from django.contrib.auth.models import Group, Permission

    tables = connections[using].introspection.table_names()
    if Group._meta.db_table in tables and Permission._meta.db_table in tables:
        setup_roles(using=using)
