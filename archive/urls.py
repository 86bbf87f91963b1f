from django.urls import path

from archive import views

app_name = "archive"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<int:pk>/", views.article_detail, name="article_detail"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("initiatives/<str:slug>/", views.initiative_detail, name="initiative_detail"),
]
