"""A client that polls every list with updated_since and the deletions feed keeps an exact mirror.

The story: the provincial platform crawls the registry once, then only asks what changed. After
staff create, edit, withdraw and delete records, its incrementally synced copy must equal a fresh
full crawl of what the public may see — no record missing, none left over, none stale.

Nested objects (a project's district, its participants' names) are conveniences, not part of
the mirrored record: a client joins them by id from its own copy of that resource, so the
comparison reduces every nested object to its id.
"""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from partnerships.choices import PublicationState
from tests import factories

pytestmark = pytest.mark.django_db

RESOURCES = (
    "districts",
    "sources",
    "institutions",
    "enterprises",
    "agreements",
    "projects",
    "outcomes",
    "targets",
)
PUBLISHED = PublicationState.PUBLISHED


def ids_only(value):
    """A record with every nested object reduced to its id (lists of them to lists of ids)."""
    if isinstance(value, dict):
        return {
            key: (item["id"] if isinstance(item, dict) and "id" in item else ids_only(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [item["id"] if isinstance(item, dict) and "id" in item else item for item in value]
    return value


def walk(client: APIClient, url: str, params: dict) -> list[dict]:
    """Every row of a cursor-paged list."""
    rows, response = [], client.get(url, params | {"page_size": 2})
    while True:
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        next_url = response.json()["next"]
        if not next_url:
            return rows
        response = client.get(next_url)


def full_crawl(client: APIClient) -> dict:
    return {
        resource: {row["id"]: ids_only(row) for row in walk(client, f"/api/v1/{resource}/", {})}
        for resource in RESOURCES
    }


def sync(client: APIClient, mirror: dict, since) -> None:
    """Apply what changed since `since`: upserts from every list, removals from the feed."""
    stamp = since.isoformat()
    for resource in RESOURCES:
        for row in walk(client, f"/api/v1/{resource}/", {"updated_since": stamp}):
            mirror[resource][row["id"]] = ids_only(row)
    for gone in walk(client, "/api/v1/deletions/", {"since": stamp}):
        mirror[gone["type"]].pop(gone["id"], None)


def published_project_with_outcome():
    project = factories.make_project(state=PUBLISHED)
    factories.make_project_participant(project=project)
    outcome = factories.make_outcome(project=project, state=PUBLISHED)
    return project, outcome


def test_incremental_sync_equals_a_fresh_crawl():
    client = APIClient()
    kept, kept_outcome = published_project_with_outcome()
    edited, _ = published_project_with_outcome()
    withdrawn_parent, orphaned_outcome = published_project_with_outcome()
    deleted_outcome = factories.make_outcome(project=kept, state=PUBLISHED)
    enterprise = factories.make_enterprise(district=kept.district, state=PUBLISHED)
    never_published = factories.make_project(district=kept.district)

    mirror = full_crawl(client)
    assert set(mirror["projects"]) == {kept.pk, edited.pk, withdrawn_parent.pk}
    assert never_published.pk not in mirror["projects"]
    since = timezone.now()

    # Create: a new published project; a new draft that must stay invisible.
    created, created_outcome = published_project_with_outcome()
    factories.make_project(district=kept.district, title="仍是草稿")
    # Edit: a published project's title.
    edited.title = "改名后的项目"
    edited.save()
    # Withdraw: an enterprise, and a project whose published outcome leaves the public with it.
    enterprise.state = PublicationState.WITHDRAWN
    enterprise.save()
    withdrawn_parent.state = PublicationState.WITHDRAWN
    withdrawn_parent.save()
    # Delete: a published outcome.
    deleted_outcome.delete()

    sync(client, mirror, since)

    assert mirror == full_crawl(client)
    assert mirror["projects"][edited.pk]["title"] == "改名后的项目"
    assert set(mirror["projects"]) == {kept.pk, edited.pk, created.pk}
    assert set(mirror["outcomes"]) == {kept_outcome.pk, created_outcome.pk} | {
        o.pk for o in (edited.outcomes.all())
    }
    assert orphaned_outcome.pk not in mirror["outcomes"]
    assert enterprise.pk not in mirror["enterprises"]


def test_deletions_feed_never_names_a_draft():
    client = APIClient()
    since = timezone.now()
    draft = factories.make_project()
    draft.title = "草稿改名"
    draft.save()
    draft_id = draft.pk
    draft.delete()

    feed = walk(client, "/api/v1/deletions/", {"since": since.isoformat()})

    assert [row for row in feed if row["id"] == draft_id and row["type"] == "projects"] == []
