from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        from archive import counts, pagecache
        from archive.extraction import receivers  # noqa: F401  (extraction listens to articles_stored)
        from archive.models import (
            Agency,
            Article,
            ArticleAgency,
            ArticleInitiative,
            ArticleRegion,
            Initiative,
            Region,
        )
        from archive.roles import setup_roles_after_migrate
        from archive.signals import articles_changed, articles_stored

        # Browse counts follow every write of articles (archive.counts). Connected after the
        # extraction's receiver: articles are counted once their links are written.
        articles_stored.connect(counts.on_articles_written, dispatch_uid="counts-stored")
        articles_changed.connect(counts.on_articles_written, dispatch_uid="counts-changed")
        for signal in (post_save, post_delete):
            signal.connect(counts.on_article_saved, sender=Article, dispatch_uid="counts-article")
            for link in (ArticleRegion, ArticleAgency, ArticleInitiative):
                signal.connect(counts.on_link_saved, sender=link, dispatch_uid="counts-link")
        for tree in (Region, Agency):
            pre_save.connect(counts.on_tree_saving, sender=tree, dispatch_uid="counts-tree")
            post_save.connect(counts.on_tree_saved, sender=tree, dispatch_uid="counts-tree")
            post_delete.connect(counts.on_tree_deleted, sender=tree, dispatch_uid="counts-tree")
        # Cached pages follow every committed write of what a page shows (archive.pagecache).
        articles_stored.connect(pagecache.on_articles_written, dispatch_uid="pages-stored")
        articles_changed.connect(pagecache.on_articles_written, dispatch_uid="pages-changed")
        shown = (
            Article,
            ArticleRegion,
            ArticleAgency,
            ArticleInitiative,
            Region,
            Agency,
            Initiative,
        )
        for model in shown:
            for signal in (post_save, post_delete):
                signal.connect(pagecache.on_saved, sender=model, dispatch_uid="pages-saved")
        for m2m in (Article.regions, Article.agencies, Article.initiatives):
            m2m_changed.connect(pagecache.on_saved, sender=m2m.through, dispatch_uid="pages-m2m")
        # Staff roles are (re)made after every migrate and flush: see archive.roles.
        post_migrate.connect(
            setup_roles_after_migrate, sender=self, dispatch_uid="archive-setup-roles"
        )
