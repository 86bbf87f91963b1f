from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "档案"

    def ready(self):
        from archive import counts, pipeline
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

        # Single-row saves (admin forms, shell, tests) enter the write pipeline here; bulk
        # writers call archive.pipeline themselves.
        for signal in (post_save, post_delete):
            signal.connect(pipeline.on_article_saved, sender=Article, dispatch_uid="pipeline")
            for link in (ArticleRegion, ArticleAgency, ArticleInitiative):
                signal.connect(pipeline.on_link_saved, sender=link, dispatch_uid="pipeline")
            for entity in (Region, Agency, Initiative):
                signal.connect(pipeline.on_entity_saved, sender=entity, dispatch_uid="pipeline")
        for m2m in (Article.regions, Article.agencies, Article.initiatives):
            m2m_changed.connect(
                pipeline.on_links_changed, sender=m2m.through, dispatch_uid="pipeline"
            )
        # A region or bureau moved under another parent changes its ancestors' roll-ups.
        for tree in (Region, Agency):
            pre_save.connect(counts.on_tree_saving, sender=tree, dispatch_uid="counts-tree")
            post_save.connect(counts.on_tree_saved, sender=tree, dispatch_uid="counts-tree")
            post_delete.connect(counts.on_tree_deleted, sender=tree, dispatch_uid="counts-tree")
        # Staff roles are (re)made after every migrate and flush: see archive.roles.
        post_migrate.connect(
            setup_roles_after_migrate, sender=self, dispatch_uid="archive-setup-roles"
        )
