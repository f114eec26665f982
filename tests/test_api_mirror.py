"""A client that polls every list with updated_since and the deletions feed keeps an exact mirror.

The story: the provincial platform crawls the registry once, then only asks what changed. After
staff create, edit, publish, withdraw and delete records — the workflow steps through the API as
Zhang (editor) and Liu (publisher) of 小店区 — its incrementally synced copy must equal a fresh
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


def published_project_with_outcome(district):
    project = factories.make_project(district=district, state=PUBLISHED)
    factories.make_project_participant(project=project)
    outcome = factories.make_outcome(project=project, state=PUBLISHED)
    return project, outcome


def step(client: APIClient, resource: str, record_id: int, name: str) -> None:
    response = client.post(f"/api/v1/{resource}/{record_id}/{name}/")
    assert response.status_code == 200, response.content


def test_incremental_sync_equals_a_fresh_crawl(editor_api, publisher_api, xiaodian):
    client = APIClient()
    kept, kept_outcome = published_project_with_outcome(xiaodian)
    edited, _ = published_project_with_outcome(xiaodian)
    withdrawn_parent, orphaned_outcome = published_project_with_outcome(xiaodian)
    deleted_outcome = factories.make_outcome(project=kept, state=PUBLISHED)
    enterprise = factories.make_enterprise(district=xiaodian, state=PUBLISHED)
    never_published = factories.make_project(district=xiaodian)

    mirror = full_crawl(client)
    assert set(mirror["projects"]) == {kept.pk, edited.pk, withdrawn_parent.pk}
    assert never_published.pk not in mirror["projects"]
    since = timezone.now()

    # Create: a project and its outcome entered as drafts, submitted together and published
    # together; a new draft that must stay invisible.
    created = factories.make_project(district=xiaodian)
    factories.make_project_participant(project=created)
    created_outcome = factories.make_outcome(project=created)
    step(editor_api, "projects", created.pk, "submit")
    step(publisher_api, "projects", created.pk, "publish")
    factories.make_project(district=xiaodian, title="仍是草稿")
    # Edit: a published project's title (a publisher's change).
    response = publisher_api.patch(
        f"/api/v1/projects/{edited.pk}/", {"title": "改名后的项目"}, format="json"
    )
    assert response.status_code == 200, response.content
    # Withdraw: an enterprise, and a project whose published outcome leaves the public with it.
    step(publisher_api, "enterprises", enterprise.pk, "withdraw")
    step(publisher_api, "projects", withdrawn_parent.pk, "withdraw")
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
