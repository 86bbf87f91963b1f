"""Regions, agencies and initiatives in the admin: alias search and editing, article counts,
and announcements of the articles an edit changes."""

import pytest

from archive.models import Agency, ArticleAgency, Initiative, Region
from tests.conftest import region as make_region
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    henan = make_region("410000", "河南省", Region.Level.PROVINCE)
    zhoukou = make_region("411600", "周口市", parent=henan)
    return {"henan": henan, "zhoukou": zhoukou}


def test_agency_search_and_autocomplete_find_aliases(editor_client, places):
    wuhan = Agency.objects.create(name="武汉市公安局", aliases=["武汉警方", "武汉公安"])
    Agency.objects.create(name="周口市公安局", region=places["zhoukou"])
    response = editor_client.get("/admin/archive/agency/", {"q": "警方"})
    assert [a.name for a in response.context["cl"].result_list] == [wuhan.name]
    found = editor_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "archive",
            "model_name": "articleagency",
            "field_name": "agency",
            "term": "武汉公安",
        },
    ).json()
    assert [row["text"] for row in found["results"]] == ["武汉市公安局"]
    region_found = editor_client.get("/admin/archive/region/", {"q": "周口"})
    assert "周口市" in [r.name for r in region_found.context["cl"].result_list]


def test_aliases_are_edited_one_a_line(editor_client):
    agency = Agency.objects.create(name="沈丘县公安局")
    response = editor_client.post(
        f"/admin/archive/agency/{agency.pk}/change/",
        {
            "name": "沈丘县公安局",
            "kind": "county_bureau",
            "aliases": "沈丘警方\n沈丘公安，沈丘警方",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    agency.refresh_from_db()
    assert agency.aliases == ["沈丘警方", "沈丘公安"]


def test_region_list_counts_and_links_articles(editor_client, places):
    article = make_article("周口的文章")
    article.regions.add(places["zhoukou"])
    response = editor_client.get("/admin/archive/region/", {"q": "410000"})
    assert [(r.name, r.article_count) for r in response.context["cl"].result_list] == [
        ("河南省", 0)
    ]
    response = editor_client.get("/admin/archive/region/", {"q": "411600"})
    assert [(r.name, r.article_count) for r in response.context["cl"].result_list] == [
        ("周口市", 1)
    ]
    html = response.content.decode()
    assert f"/admin/archive/article/?region={places['zhoukou'].pk}" in html


def test_moving_a_unit_announces_its_articles_and_its_sub_units(
    editor_client, announced, django_capture_on_commit_callbacks
):
    city = Agency.objects.create(name="周口市公安局")
    county = Agency.objects.create(name="沈丘县公安局", kind=Agency.Kind.COUNTY_BUREAU)
    station = Agency.objects.create(name="石槽派出所", parent=county)
    county_article, station_article = make_article("县局的文章"), make_article("派出所的文章")
    ArticleAgency.objects.create(article=county_article, agency=county)
    ArticleAgency.objects.create(article=station_article, agency=station)
    url = f"/admin/archive/agency/{county.pk}/change/"
    form = {"name": county.name, "kind": "county_bureau", "aliases": ""}
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(url, {**form, "aliases": "沈丘警方"})
    assert announced == []  # an alias is for extraction; readers and the index see no change
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, {**form, "parent": city.pk})
    assert response.status_code == 302
    assert announced == [sorted([county_article.pk, station_article.pk])]
    county.refresh_from_db()
    assert county.parent == city
    assert county.history.first().history_user.username == "editor"


def test_initiative_edit_keeps_history(editor_client):
    initiative = Initiative.objects.create(name="测试服务品牌", slug="ceshi-pinpai")
    response = editor_client.post(
        f"/admin/archive/initiative/{initiative.pk}/change/",
        {
            "name": "测试服务品牌",
            "slug": "ceshi-pinpai",
            "status": "accepted",
            "aliases": "测试品牌",
            "description": "服务港口企业。",
        },
    )
    assert response.status_code == 302
    history = editor_client.get(
        f"/admin/archive/initiative/{initiative.pk}/history/"
    ).content.decode()
    assert "editor" in history and "服务港口企业。" in history
