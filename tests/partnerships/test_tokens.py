"""API tokens: stored hashed, shown once, expiring, revocable; and the deletions record."""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from partnerships import services
from partnerships.choices import PublicationState, TokenScope
from partnerships.models import ApiToken, Deletion, Project
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def li():
    """Li runs the provincial platform's import job."""
    return User.objects.create_user("li", password="unused-Passw0rd!")


def test_token_is_stored_only_as_a_hash(li):
    token, plain = services.api_token_create(user=li, name="省平台同步", scope=TokenScope.WRITE)
    prefix, secret = plain.split(".")
    assert token.prefix == prefix
    assert secret not in token.key_hash
    assert token.key_hash == ApiToken.hash_secret(secret)
    assert token.matches(secret) is True
    assert token.matches(secret + "x") is False
    assert token.can_write is True


def test_token_expires_after_its_days(li):
    token, _plain = services.api_token_create(user=li, name="短期", days=1)
    assert list(ApiToken.objects.active()) == [token]
    token.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    token.save()
    assert list(ApiToken.objects.active()) == []
    assert token.is_active is False


def test_revoked_token_and_inactive_user_are_not_active(li):
    first, _ = services.api_token_create(user=li, name="一")
    second, _ = services.api_token_create(user=li, name="二")
    services.api_token_revoke(first)
    assert list(ApiToken.objects.active()) == [second]
    li.is_active = False
    li.save()
    assert list(ApiToken.objects.active()) == []


def test_revoking_all_tokens_of_a_user_ends_them_at_once(li):
    services.api_token_create(user=li, name="一")
    services.api_token_create(user=li, name="二")
    assert services.api_tokens_revoke_for_user(li) == 2
    assert ApiToken.objects.active().count() == 0


def test_create_api_token_command_prints_the_token_once(li):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", user="li", scope="write", days=30, stdout=out, stderr=err)
    plain = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert plain.startswith(token.prefix + ".")
    assert token.matches(plain.split(".", 1)[1]) is True
    assert token.scope == TokenScope.WRITE
    assert "shown only this once" in err.getvalue()


def test_create_api_token_command_refuses_unknown_user_and_bad_days(li):
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("create_api_token", user="nobody")
    with pytest.raises(CommandError, match="--days"):
        call_command("create_api_token", user="li", days=0)
    assert ApiToken.objects.count() == 0


def test_revoke_api_token_command(li):
    token, plain = services.api_token_create(user=li, name="一")
    call_command("revoke_api_token", plain, stdout=io.StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_shows_a_new_token_once_and_stores_its_hash(admin_client, admin_user, li):
    # Naming another owner changes nothing: a token made here is its maker's.
    response = admin_client.post(
        "/admin/partnerships/apitoken/add/",
        {"user": li.pk, "name": "研究处同步", "scope": "read", "days": "30"},
        follow=True,
    )
    token = ApiToken.objects.get()
    assert token.user == admin_user
    shown = [str(message) for message in response.context["messages"]]
    assert len(shown) == 2  # the token, then Django's "added successfully"
    plain = re.search(r"pr[0-9a-f]{10}\.[\w-]+", shown[0]).group()
    prefix, secret = plain.split(".")
    assert (token.prefix, token.matches(secret)) == (prefix, True)
    assert token.expires_at.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    change_page = admin_client.get(f"/admin/partnerships/apitoken/{token.pk}/change/").content
    assert secret not in change_page.decode()
    assert token.key_hash not in change_page.decode()


def test_admin_revoke_action_revokes_selected_tokens(admin_client, li):
    token, _ = services.api_token_create(user=li, name="一")
    admin_client.post(
        "/admin/partnerships/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_deletion_is_recorded_for_a_record_that_was_public():
    project = factories.make_project(state=PublicationState.PUBLISHED)
    assert project.first_published_at is not None
    project_id, district_id = project.pk, project.district_id
    project.delete()
    assert list(Deletion.objects.values_list("resource", "object_id", "district_id")) == [
        ("projects", project_id, district_id)
    ]


def test_deletion_is_not_recorded_for_a_draft_never_published():
    project = factories.make_project(state=PublicationState.DRAFT)
    Project.objects.filter(pk=project.pk).delete()
    assert Deletion.objects.count() == 0


def test_first_published_at_stays_the_first_publication():
    project = factories.make_project(state=PublicationState.PUBLISHED)
    first = project.first_published_at
    project.state = PublicationState.WITHDRAWN
    project.save()
    project.state = PublicationState.PUBLISHED
    project.save(update_fields=["state"])
    project.refresh_from_db()
    assert project.first_published_at == first


def test_deletion_admin_is_read_only(admin_client):
    assert admin_client.get("/admin/partnerships/deletion/add/").status_code == 403
