from django.urls import path, re_path

from archive import feeds, reporters, syndication, thisday, views

app_name = "archive"

urlpatterns = [
    path("", views.home, name="home"),
    path("rss.xml", feeds.NewestFeed(), name="feed_rss"),
    path("atom.xml", feeds.atom(feeds.NewestFeed)(), name="feed_atom"),
    path("articles/", views.article_list, name="article_list"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("articles/<int:pk>/copies.csv", syndication.copies_csv, name="article_copies_csv"),
    path("articles/<int:pk>/<str:slug>/", views.article_detail, name="article_detail_slug"),
    path("regions/", views.region_list, name="region_list"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("regions/<str:code>/rss.xml", feeds.RegionFeed(), name="region_rss"),
    path("regions/<str:code>/atom.xml", feeds.atom(feeds.RegionFeed)(), name="region_atom"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("agencies/<int:pk>/rss.xml", feeds.AgencyFeed(), name="agency_rss"),
    path("agencies/<int:pk>/atom.xml", feeds.atom(feeds.AgencyFeed)(), name="agency_atom"),
    path("initiatives/", views.initiative_list, name="initiative_list"),
    path("initiatives/<str:slug>/", views.initiative_detail, name="initiative_detail"),
    path("initiatives/<str:slug>/rss.xml", feeds.InitiativeFeed(), name="initiative_rss"),
    path(
        "initiatives/<str:slug>/atom.xml",
        feeds.atom(feeds.InitiativeFeed)(),
        name="initiative_atom",
    ),
    path("reporters/<str:name>/", reporters.reporter_detail, name="reporter_detail"),
    path("archive/", views.date_archive, name="date_archive"),
    path("archive/undated/", views.undated, name="undated"),
    # Month and day, before the year and month: a year has four digits.
    re_path(
        r"^archive/(?P<month>0?[1-9]|1[0-2])/(?P<day>0?[1-9]|[12][0-9]|3[01])/$",
        thisday.this_day,
        name="this_day",
    ),
    path("archive/<int:year>/", views.year_archive, name="year_archive"),
    path("archive/<int:year>/<int:month>/", views.month_archive, name="month_archive"),
]
