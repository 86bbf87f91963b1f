from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        from archive import counts
        from archive.extraction import receivers  # noqa: F401  (extraction listens to articles_stored)
        from archive.signals import articles_changed

        # Cached browse counts go stale whenever articles are written.
        articles_changed.connect(counts.new_generation, dispatch_uid="browse-counts")
