from django.apps import AppConfig
from django.core import checks


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "检索"

    def ready(self):
        from search.whoosh import check_whoosh_version

        checks.register(check_whoosh_version, checks.Tags.compatibility)
