"""The JSON API under /api/ and its generated OpenAPI description."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_description_names_every_endpoint_and_its_schemas(client, db):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/articles/", "/api/articles/{article_id}/", "/api/regions/", "/api/regions/{code}/",
        "/api/agencies/", "/api/agencies/{agency_id}/", "/api/initiatives/",
        "/api/initiatives/{slug}/", "/api/search/",
    }  # fmt: skip
    article = spec["components"]["schemas"]["ArticleOut"]["properties"]
    assert {"id", "url", "regions", "agencies", "initiatives", "reporters"} <= set(article)
    search = spec["paths"]["/api/search/"]["get"]
    assert {"q", "region", "from", "to", "page"} <= {p["name"] for p in search["parameters"]}


def test_articles_filtered_and_paged(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"]
    data = client.get("/api/articles/", {"region": zhoukou.code, "per_page": 3}).json()
    assert data["count"] == 4 and data["pages"] == 2
    assert [r["title"] for r in data["results"]][0] == "川汇分局开展反诈宣传"
    bureau = browse_world["agencies"]["zhoukou"]
    data = client.get("/api/articles/", {"agency": bureau.pk, "year": 2021}).json()
    assert data["count"] == 3  # with its sub-unit's article
    assert client.get("/api/articles/", {"region": "999999"}).status_code == 404
    assert client.get("/api/articles/", {"page": 9}).status_code == 404
    assert client.get("/api/articles/", {"per_page": 1000}).status_code == 422


def test_one_article_with_its_text_and_hidden_ones_absent(client, browse_world):
    a1 = browse_world["articles"]["a1"]
    data = client.get(f"/api/articles/{a1.pk}/").json()
    assert data["body_text"].startswith("周口日报记者") and data["reporters"] == ["张三", "李四"]
    hidden = browse_world["articles"]["hidden"]
    assert client.get(f"/api/articles/{hidden.pk}/").status_code == 404
    assert client.get(f"/api/articles/{2**63}/").status_code == 404


def test_regions_agencies_initiatives(client, browse_world):
    regions = {r["code"]: r for r in client.get("/api/regions/").json()}
    assert regions["411600"]["articles"] == 4 and regions["411600"]["parent"] == "410000"
    henan = client.get("/api/regions/410000/").json()
    assert [c["code"] for c in henan["children"]] == ["411600"]
    bureau = browse_world["agencies"]["chuanhui"]
    data = client.get(f"/api/agencies/{bureau.pk}/").json()
    assert data["parent"] == browse_world["agencies"]["zhoukou"].pk and data["region"] == "411602"
    slugs = [i["slug"] for i in client.get("/api/initiatives/").json()]
    assert "wo-wei-qun-zhong-ban-shi-shi" in slugs and "dai-shen" not in slugs
    assert client.get("/api/initiatives/dai-shen/").status_code == 404
