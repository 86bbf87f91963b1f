"""Hostile clients: junk query parameters that would flush the page cache, and rotating
X-Forwarded-For headers that would dodge the login lockout.
``pytest -s tests/test_harden_hostile_clients.py`` prints the figures."""

import random
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings

from archive import pagecache
from archive.models import CachedPage
from tests.test_platform_production_settings import _complete_environment, _manage

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent

# --- The page cache keeps its value ----------------------------------------------------------


def _real_pages(world):
    regions, agencies = world["regions"], world["agencies"]
    return [
        "/", "/articles/", "/regions/", "/agencies/", "/initiatives/", "/archive/",
        "/archive/2021/", "/archive/undated/", world["articles"]["a1"].get_absolute_url(),
        regions["zhoukou"].get_absolute_url(), regions["zhoukou"].get_absolute_url() + "?year=2021",
        agencies["zhoukou"].get_absolute_url(), "/search/?q=周口",
    ]  # fmt: skip


def _hit_share(client, urls):
    hits = 0
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        hits += response["X-Cache"] == "hit"
    return hits / len(urls)


@pytest.mark.django_db(transaction=True)
@override_settings(PAGE_CACHE_ENTRIES=30)
def test_junk_parameters_do_not_flush_the_page_cache(client, browse_world, search_index):
    """Hundreds of requests with parameters no view reads, on the real pages: the cache
    (here 30 entries, so that culls happen) keeps the readers' pages. Each store commits on
    its own, as in production: the cull keeps the newest by the time of their transaction."""
    pagecache.bump()
    real = _real_pages(browse_world)
    _hit_share(client, real)
    before = _hit_share(client, real)
    entries = CachedPage.objects.count()
    rng = random.Random(15)
    statuses = {}
    for flood in range(600):
        url = rng.choice(real)
        junk = f"utm_{rng.randrange(10**6)}={flood}&x{flood}=1"
        response = client.get(url + ("&" if "?" in url else "?") + junk)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    after = _hit_share(client, real)
    assert before == after == 1.0
    assert CachedPage.objects.count() == entries
    print(
        f"\npage cache: 600 junk requests {statuses}, hit share of {len(real)} real pages "
        f"{before:.0%} before and {after:.0%} after, entries {entries} → "
        f"{CachedPage.objects.count()}"
    )


def test_junk_is_redirected_to_the_canonical_url(client, browse_world):
    zhoukou = browse_world["regions"]["zhoukou"].get_absolute_url()
    response = client.get(zhoukou + "?utm_source=wechat&year=2021&from=singlemessage")
    assert response.status_code == 301
    assert response["Location"] == zhoukou + "?year=2021"
    response = client.get("/?isappinstalled=0")
    assert (response.status_code, response["Location"]) == (301, "/")


def test_spellings_of_one_page_share_one_entry(client, browse_world):
    pagecache.bump()
    zhoukou = browse_world["regions"]["zhoukou"].get_absolute_url()
    assert client.get(zhoukou + "?year=2021&page=1")["X-Cache"] == "miss"
    for spelling in ("?page=1&year=2021", "?page=01&year=2021", "?page=1&year=2020&year=2021",
                     "?year=2021&agency=&page=1", "?year=%202021&page=%EF%BC%91"):  # fmt: skip
        response = client.get(zhoukou + spelling)
        assert (response.status_code, response["X-Cache"]) == (200, "hit"), spelling
    assert CachedPage.objects.count() == 1


# --- Proxy trust that fails safe --------------------------------------------------------------

LOGIN_URL = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)


def _rotating_attempts(client, remote_addr, password, attempts):
    """Login attempts, each claiming a new address in X-Forwarded-For."""
    responses = []
    for attempt in range(attempts):
        responses.append(
            client.post(
                LOGIN_URL,
                {"username": "editor", "password": password},
                REMOTE_ADDR=remote_addr,
                HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt % 250 + 1}",
            )
        )
    return responses


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_count_without_a_proxy_does_not_let_rotating_headers_dodge_the_lockout(client, editor):
    """TRUSTED_PROXY_COUNT=1 (the former example value) and nothing in front of gunicorn:
    the header is the attacker's, so the connection's address is what is locked."""
    _rotating_attempts(client, "203.0.113.5", "wrong", settings.AXES_FAILURE_LIMIT)
    (response,) = _rotating_attempts(client, "203.0.113.5", PASSWORD, 1)
    assert response.status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1, TRUSTED_PROXIES=["10.0.0.2"])
def test_only_the_configured_proxy_is_believed(client, editor):
    # Straight to gunicorn, past the proxy: rotating headers still locked out.
    _rotating_attempts(client, "203.0.113.5", "wrong", settings.AXES_FAILURE_LIMIT)
    assert _rotating_attempts(client, "203.0.113.5", PASSWORD, 1)[0].status_code == 429
    # Through the proxy, each forwarded address is a client of its own.
    assert _rotating_attempts(client, "10.0.0.2", PASSWORD, 1)[0].status_code == 302


@pytest.mark.parametrize(
    "count, proxies, refusal",
    [
        ("1", None, "needs TRUSTED_PROXIES"),
        ("0", "127.0.0.1", "TRUSTED_PROXY_COUNT is 0"),
        ("1", "not-an-address", "TRUSTED_PROXIES"),
    ],
)
def test_production_refuses_inconsistent_proxy_settings(count, proxies, refusal):
    result = _manage(
        "check",
        **_complete_environment(),
        TRUSTED_PROXY_COUNT=count,
        TRUSTED_PROXIES=proxies,
    )
    assert result.returncode != 0
    assert refusal in result.stderr, result.stderr


def test_production_accepts_a_configured_proxy():
    result = _manage(
        "check", **_complete_environment(), TRUSTED_PROXY_COUNT="1", TRUSTED_PROXIES="127.0.0.1"
    )
    assert result.returncode == 0, result.stderr


def _env_file(path):
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_example_environment_trusts_no_header_and_compose_names_its_proxy():
    example = _env_file(BASE_DIR / ".env.example")
    assert example.get("TRUSTED_PROXY_COUNT", "0") in ("", "0")
    assert not example.get("TRUSTED_PROXIES")
    compose = yaml.safe_load((BASE_DIR / "compose.yaml").read_text(encoding="utf-8"))
    web = compose["services"]["web"]["environment"]
    proxy = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert web["TRUSTED_PROXIES"] == proxy and str(web["TRUSTED_PROXY_COUNT"]) == "1"
