from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        from archive import counts
        from archive.extraction import receivers  # noqa: F401  (extraction listens to articles_stored)
        from archive.roles import setup_roles_after_migrate
        from archive.signals import articles_changed

        # Cached browse counts go stale whenever articles are written.
        articles_changed.connect(counts.new_generation, dispatch_uid="browse-counts")
        # Staff roles are (re)made after every migrate and flush: see archive.roles.
        post_migrate.connect(
            setup_roles_after_migrate, sender=self, dispatch_uid="archive-setup-roles"
        )
