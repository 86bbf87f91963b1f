from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        from archive.roles import setup_roles_after_migrate

        # Staff roles are (re)made after every migrate and flush: see archive.roles.
        post_migrate.connect(
            setup_roles_after_migrate, sender=self, dispatch_uid="archive-setup-roles"
        )
