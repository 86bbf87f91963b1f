from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from archive.api import api
from archive.sitemaps import SITEMAPS
from archive.views import robots_txt
from config import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("api/", api.urls),
    path("", include("search.urls")),
    path("", include("archive.urls")),
]

handler500 = "config.errors.server_error"
