from django.urls import path

from search import feeds, views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/rss.xml", feeds.SearchFeed(), name="rss"),
    path("search/atom.xml", feeds.SearchAtomFeed(), name="atom"),
]
