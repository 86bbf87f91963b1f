"""Shared fixtures. Each area keeps its fixtures under its own header (the lead merges)."""

import pytest

# --- Curation (admin) -----------------------------------------------------------------------

STAFF_PASSWORD = "Kx9-警讯-admin-test"


def _staff(username, group=None, **fields):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(
        username=username, password=STAFF_PASSWORD, is_staff=True, **fields
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def region(code, name, level="city", parent=None):
    """The region with this GB/T 2260 code: the gazetteer's row when it is loaded, else a new one."""
    from archive.models import Region

    found, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return found


@pytest.fixture
def editor(db):
    """A member of 编辑: curates, imports, may not manage users."""
    from archive.roles import EDITOR

    return _staff("editor", EDITOR)


@pytest.fixture
def reviewer(db):
    """A member of 审阅: sees everything in the admin, changes nothing."""
    from archive.roles import REVIEWER

    return _staff("reviewer", REVIEWER)


@pytest.fixture
def superuser(db):
    return _staff("root", is_superuser=True)


def _client_of(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(editor):
    return _client_of(editor)


@pytest.fixture
def reviewer_client(reviewer):
    return _client_of(reviewer)


@pytest.fixture
def announced():
    """Every ``articles_changed`` sent while the test runs, as a list of id lists. Run the
    code under ``django_capture_on_commit_callbacks(execute=True)``: it is sent on commit."""
    from archive.signals import articles_changed

    received = []

    def listener(sender, article_ids, **kwargs):
        received.append(sorted(article_ids))

    articles_changed.connect(listener, dispatch_uid="test-announced")
    yield received
    articles_changed.disconnect(dispatch_uid="test-announced")
