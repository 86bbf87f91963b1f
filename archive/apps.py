from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        # Extraction listens to articles_stored; its module registers the receiver.
        from archive.extraction import receivers  # noqa: F401
