"""sitemap.xml: every public page a crawler should know, split into sections (an index at
/sitemap.xml) so that 100,000 articles stay under the 50,000-URL limit per file."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from archive import counts
from archive.models import Agency, Article, Initiative, Region


class ArticleSitemap(Sitemap):
    limit = 10000
    changefreq = "monthly"

    def items(self):
        return Article.objects.published().only("id", "updated_at").order_by("id")

    def lastmod(self, item):
        return item.updated_at


class RegionSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Region.objects.filter(pk__in=list(counts.region_counts())).only("id", "code")


class AgencySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Agency.objects.filter(pk__in=list(counts.agency_counts())).only("id").order_by("id")


class InitiativeSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Initiative.objects.filter(status=Initiative.Status.ACCEPTED).only("id", "slug")


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return [
            "archive:home",
            "archive:article_list",
            "archive:region_list",
            "archive:agency_list",
            "archive:initiative_list",
            "archive:date_archive",
            "archive:undated",
        ]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "regions": RegionSitemap,
    "agencies": AgencySitemap,
    "initiatives": InitiativeSitemap,
}
