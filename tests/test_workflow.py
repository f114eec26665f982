"""Review and publish: draft → submitted → published → withdrawn, and back.

The story: Zhao, an editor of 小店区, enters a project with its outcome and target as drafts and
submits them. Qin, the district's publisher, reviews and publishes them: the project and its
figures appear on the public pages, in the API lists and in the statistics. Later Qin withdraws
the project: it and its figures leave every public surface, and the API deletions feed tells
mirrors to drop them. Feng, a publisher of another district, cannot touch any of it; Zhao cannot
publish or withdraw. Every step is one service function, recorded in the audit trail as the step.
"""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from companies.models import Enterprise
from outcomes.models import Outcome, Target
from partnerships import services
from partnerships.choices import AuditAction, PublicationState, StaffRole, TokenScope
from partnerships.models import Agreement, AuditEntry, Institution, Project
from tests import factories
from tests.admin_helpers import admin_url

pytestmark = pytest.mark.django_db

DRAFT = PublicationState.DRAFT
SUBMITTED = PublicationState.SUBMITTED
PUBLISHED = PublicationState.PUBLISHED
WITHDRAWN = PublicationState.WITHDRAWN


staff = factories.make_staff


@pytest.fixture
def qin(roles, xiaodian) -> User:
    """Qin, the publisher of 小店区."""
    return staff("qin", xiaodian, StaffRole.PUBLISHER)


@pytest.fixture
def feng(roles, other_district) -> User:
    """Feng, a publisher of another district."""
    return staff("feng", other_district, StaffRole.PUBLISHER)


def token_client(user) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {factories.make_token(user, TokenScope.WRITE)}")


# Every publishable model, with a draft of 小店区 to move through the workflow.
DRAFTS = {
    Institution: lambda district: factories.make_institution(district=district),
    Agreement: lambda district: factories.make_agreement(district=district),
    Project: lambda district: factories.make_project(district=district),
    Enterprise: lambda district: factories.make_enterprise(district=district),
    Outcome: lambda district: factories.make_outcome(
        project=factories.make_project(district=district, state=PUBLISHED)
    ),
    Target: lambda district: factories.make_target(
        project=factories.make_project(district=district, state=PUBLISHED)
    ),
}
by_model = pytest.mark.parametrize("model", list(DRAFTS), ids=lambda model: model.__name__)


def stored_state(record) -> str:
    return type(record).objects.values_list("state", flat=True).get(pk=record.pk)


def audit_actions(record) -> list[str]:
    """The workflow steps the audit trail records for `record`, oldest first."""
    return list(
        AuditEntry.objects.filter(
            model=record._meta.label_lower,
            object_id=str(record.pk),
            action__in=[
                AuditAction.SUBMIT,
                AuditAction.PUBLISH,
                AuditAction.WITHDRAW,
                AuditAction.RETURN_TO_DRAFT,
            ],
        )
        .order_by("at", "id")
        .values_list("action", "username")
    )


# --- Each step: who may, who may not, the state after, the audit entry ---------------------------


@by_model
def test_a_record_goes_from_draft_to_published_to_withdrawn(model, zhao, qin, xiaodian):
    record = DRAFTS[model](xiaodian)

    services.record_submit(record, user=zhao)
    assert stored_state(record) == SUBMITTED
    services.record_publish(record, user=qin)
    assert stored_state(record) == PUBLISHED
    record.refresh_from_db()
    assert record.first_published_at is not None
    services.record_withdraw(record, user=qin)

    assert stored_state(record) == WITHDRAWN
    assert audit_actions(record) == [
        (AuditAction.SUBMIT, "zhao"),
        (AuditAction.PUBLISH, "qin"),
        (AuditAction.WITHDRAW, "qin"),
    ]


@by_model
def test_an_editor_may_submit_but_not_publish_or_withdraw(model, zhao, qin, xiaodian):
    record = DRAFTS[model](xiaodian)
    services.record_submit(record, user=zhao)

    with pytest.raises(PermissionDenied):
        services.record_publish(record, user=zhao)
    assert stored_state(record) == SUBMITTED

    services.record_publish(record, user=qin)
    with pytest.raises(PermissionDenied):
        services.record_withdraw(record, user=zhao)
    assert stored_state(record) == PUBLISHED


@by_model
def test_a_publisher_of_another_district_finds_no_such_record(model, zhao, feng, xiaodian):
    record = DRAFTS[model](xiaodian)
    services.record_submit(record, user=zhao)

    with pytest.raises(Http404):
        services.record_publish(record, user=feng)

    assert stored_state(record) == SUBMITTED
    assert audit_actions(record) == [(AuditAction.SUBMIT, "zhao")]


def test_a_publisher_returns_a_submitted_record_to_its_editor(zhao, qin, xiaodian):
    project = factories.make_project(district=xiaodian)
    services.record_submit(project, user=zhao)

    with pytest.raises(PermissionDenied):
        services.record_return_to_draft(project, user=zhao)
    services.record_return_to_draft(project, user=qin)

    assert stored_state(project) == DRAFT
    assert audit_actions(project)[-1] == (AuditAction.RETURN_TO_DRAFT, "qin")


def test_a_withdrawn_record_is_corrected_and_submitted_again(zhao, qin, xiaodian):
    project = factories.make_project(district=xiaodian, state=PUBLISHED)
    services.record_withdraw(project, user=qin)

    project.title = "更正后的标题"
    project.save()  # an editor may change a withdrawn record
    services.record_submit(project, user=zhao)
    services.record_publish(project, user=qin)

    assert (stored_state(project), Project.objects.get().title) == (PUBLISHED, "更正后的标题")


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (DRAFT, "publish"),
        (DRAFT, "withdraw"),
        (DRAFT, "return_to_draft"),
        (SUBMITTED, "submit"),
        (SUBMITTED, "withdraw"),
        (PUBLISHED, "publish"),
        (PUBLISHED, "submit"),
        (PUBLISHED, "return_to_draft"),
        (WITHDRAWN, "publish"),
    ],
)
def test_a_step_that_does_not_apply_to_the_state_is_refused(qin, xiaodian, state, step):
    project = factories.make_project(district=xiaodian, state=state)

    with pytest.raises(ValidationError) as refused:
        services.RECORD_STEPS[step](project, user=qin)

    assert refused.value.code == "invalid_transition"
    assert stored_state(project) == state
    assert audit_actions(project) == []


def test_an_invalid_record_is_not_published_and_the_errors_say_why(zhao, qin, xiaodian):
    project = factories.make_project(district=xiaodian)
    services.record_submit(project, user=zhao)
    # Data written past validation (an old import, a shell): a quoted passage without a source.
    Project.objects.filter(pk=project.pk).update(source_passage="据报道……")
    project.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.record_publish(project, user=qin)

    assert list(refused.value.message_dict) == ["source"]
    assert stored_state(project) == SUBMITTED


# --- Figures go with the record they are attributed to --------------------------------------------


@pytest.fixture
def project_with_figures(xiaodian):
    """A draft project with a draft outcome and a draft target, as Zhao entered them."""
    project = factories.make_project(district=xiaodian)
    factories.make_project_participant(project=project)
    outcome = factories.make_outcome(project=project)
    target = factories.make_target(project=project)
    return project, outcome, target


def test_submitting_and_publishing_a_project_moves_its_figures_with_it(
    zhao, qin, project_with_figures
):
    project, outcome, target = project_with_figures

    services.record_submit(project, user=zhao)
    assert (stored_state(outcome), stored_state(target)) == (SUBMITTED, SUBMITTED)
    services.record_publish(project, user=qin)

    assert (stored_state(project), stored_state(outcome), stored_state(target)) == (
        PUBLISHED,
        PUBLISHED,
        PUBLISHED,
    )
    assert audit_actions(outcome) == [(AuditAction.SUBMIT, "zhao"), (AuditAction.PUBLISH, "qin")]


def test_returning_a_project_to_draft_returns_its_submitted_figures(
    zhao, qin, project_with_figures
):
    project, outcome, target = project_with_figures
    services.record_submit(project, user=zhao)

    services.record_return_to_draft(project, user=qin)

    assert (stored_state(outcome), stored_state(target)) == (DRAFT, DRAFT)


def test_an_invalid_figure_stops_the_whole_step(zhao, qin, project_with_figures):
    project, outcome, _target = project_with_figures
    services.record_submit(project, user=zhao)
    Outcome.objects.filter(pk=outcome.pk).update(source_passage="")

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        services.record_publish(project, user=qin)

    assert refused.value.messages == [
        "Outcome “Revenue: 6800多万元”: This field cannot be blank.",
        "Outcome “Revenue: 6800多万元”: Quote the passage of the source that states the figure.",
    ]
    assert (stored_state(project), stored_state(outcome)) == (SUBMITTED, SUBMITTED)


# --- Publishing makes public, withdrawing removes from every public surface -----------------------


def public_surfaces(project, outcome) -> dict:
    """Where the public sees the project and its outcome: its page, the API, the statistics."""
    anonymous = APIClient()
    projects = anonymous.get("/api/v1/projects/").json()["results"]
    outcomes = anonymous.get("/api/v1/outcomes/").json()["results"]
    stats = anonymous.get("/api/v1/stats/outcomes/").json()["groups"]
    figure_page = anonymous.get(reverse("outcomes:figure", args=[outcome.kind, outcome.unit]))
    return {
        "project page": anonymous.get(
            reverse("partnerships:project_detail", args=[project.pk])
        ).status_code,
        "API project": anonymous.get(f"/api/v1/projects/{project.pk}/").status_code,
        "API project list": [row["id"] for row in projects],
        "API outcome list": [row["id"] for row in outcomes],
        "statistics": [outcome_id for group in stats for outcome_id in group["outcome_ids"]],
        "figure page": [row["outcome"].pk for row in figure_page.context["rows"]],
    }


def test_publishing_makes_the_project_and_its_outcome_public_everywhere(
    zhao, qin, project_with_figures
):
    project, outcome, _target = project_with_figures
    services.record_submit(project, user=zhao)
    before = public_surfaces(project, outcome)

    services.record_publish(project, user=qin)

    assert before == {
        "project page": 404,
        "API project": 404,
        "API project list": [],
        "API outcome list": [],
        "statistics": [],
        "figure page": [],
    }
    assert public_surfaces(project, outcome) == {
        "project page": 200,
        "API project": 200,
        "API project list": [project.pk],
        "API outcome list": [outcome.pk],
        "statistics": [outcome.pk],
        "figure page": [outcome.pk],
    }


def test_withdrawing_removes_the_project_and_its_outcome_everywhere_and_feeds_it(
    zhao, qin, project_with_figures
):
    project, outcome, target = project_with_figures
    services.record_submit(project, user=zhao)
    services.record_publish(project, user=qin)
    since = timezone.now()

    services.record_withdraw(project, user=qin)

    assert public_surfaces(project, outcome) == {
        "project page": 404,
        "API project": 404,
        "API project list": [],
        "API outcome list": [],
        "statistics": [],
        "figure page": [],
    }
    feed = APIClient().get("/api/v1/deletions/", {"since": since.isoformat()}).json()["results"]
    # The sources only the outcome and the target cited leave the public with them.
    assert sorted((row["type"], row["id"]) for row in feed) == sorted(
        [
            ("projects", project.pk),
            ("outcomes", outcome.pk),
            ("targets", target.pk),
            ("sources", outcome.source_id),
            ("sources", target.source_id),
        ]
    )
    # The outcome is still "published" itself: it is back when the project is published again.
    assert stored_state(outcome) == PUBLISHED


# --- The same steps through the API and the back office -------------------------------------------


def test_the_api_steps_answer_the_record_and_refuse_with_clear_codes(zhao, qin, feng, xiaodian):
    project = factories.make_project(district=xiaodian)
    editor, publisher, other = token_client(zhao), token_client(qin), token_client(feng)
    url = f"/api/v1/projects/{project.pk}"

    submitted = editor.post(f"{url}/submit/")
    refused = editor.post(f"{url}/publish/", HTTP_ACCEPT_LANGUAGE="en")
    not_found = other.post(f"{url}/publish/")
    published = publisher.post(f"{url}/publish/")
    again = publisher.post(f"{url}/publish/", HTTP_ACCEPT_LANGUAGE="en")

    assert (submitted.status_code, submitted.json()["state"]) == (200, SUBMITTED)
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "Your role in this district (Editor) does not allow this: Publish."},
    )
    assert not_found.status_code == 404
    assert (published.status_code, published.json()["state"]) == (200, PUBLISHED)
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "“Publish” is not possible for a record that is Published."},
    )


def test_an_editor_changing_a_published_record_through_the_api_is_told_why(zhao, xiaodian):
    project = factories.make_project(district=xiaodian, state=PUBLISHED, title="原标题")

    response = token_client(zhao).patch(
        f"/api/v1/projects/{project.pk}/",
        {"title": "编辑改的标题"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (response.status_code, response.json()) == (
        403,
        {"detail": "This record is Published; only a publisher of its district may change it."},
    )
    assert Project.objects.get().title == "原标题"


def test_an_invalid_record_published_through_the_api_answers_400_by_field(zhao, qin, xiaodian):
    project = factories.make_project(district=xiaodian)
    services.record_submit(project, user=zhao)
    Project.objects.filter(pk=project.pk).update(source_passage="据报道……")

    response = token_client(qin).post(f"/api/v1/projects/{project.pk}/publish/")

    assert (response.status_code, list(response.json())) == (400, ["source_id"])
    assert stored_state(project) == SUBMITTED


def step_buttons(response) -> list[str]:
    return [str(step["label"]) for step in response.context["record_steps"]]


def test_the_record_page_offers_the_steps_the_user_may_make(client, zhao, qin, xiaodian):
    project = factories.make_project(district=xiaodian)
    url = admin_url(Project, "change", project.pk)

    client.force_login(zhao)
    as_editor = step_buttons(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    services.record_submit(project, user=zhao)
    client.force_login(qin)
    as_publisher = step_buttons(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))

    assert as_editor == ["Submit for review"]
    assert as_publisher == ["Publish", "Return to draft"]


def test_a_step_button_moves_the_record_and_shows_it(client, qin, xiaodian):
    project = factories.make_project(district=xiaodian, state=SUBMITTED)
    client.force_login(qin)

    response = client.post(
        reverse("admin:partnerships_project_step", args=[project.pk, "publish"]),
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.redirect_chain == [(admin_url(Project, "change", project.pk), 302)]
    assert stored_state(project) == PUBLISHED
    assert [str(m) for m in response.context["messages"]] == [f"“{project}” is now Published."]
    assert audit_actions(project) == [(AuditAction.PUBLISH, "qin")]


def test_a_step_button_is_a_post(client, qin, xiaodian):
    project = factories.make_project(district=xiaodian, state=SUBMITTED)
    client.force_login(qin)

    response = client.get(reverse("admin:partnerships_project_step", args=[project.pk, "publish"]))

    assert response.status_code == 405
    assert stored_state(project) == SUBMITTED


def test_the_publish_action_publishes_what_it_may_and_names_what_it_may_not(client, qin, xiaodian):
    ready = factories.make_project(district=xiaodian, state=SUBMITTED, title="待发布")
    draft = factories.make_project(district=xiaodian, title="草稿")
    client.force_login(qin)

    response = client.post(
        admin_url(Project, "changelist"),
        {"action": "publish_selected", "_selected_action": [ready.pk, draft.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (stored_state(ready), stored_state(draft)) == (PUBLISHED, DRAFT)
    assert [str(m) for m in response.context["messages"]] == [
        "“草稿”: “Publish” is not possible for a record that is Draft.",
        "1 record is now Published.",
    ]


def test_an_editor_sees_a_published_record_read_only_and_cannot_save_it(client, zhao, xiaodian):
    project = factories.make_project(district=xiaodian, state=PUBLISHED, title="原标题")
    client.force_login(zhao)
    url = admin_url(Project, "change", project.pk)

    page = client.get(url)
    saved = client.post(url, {"title": "编辑改的标题"})

    assert (page.status_code, page.context["has_change_permission"]) == (200, False)
    assert saved.status_code == 403
    assert Project.objects.get().title == "原标题"


def test_the_state_is_read_only_on_every_record_form(client, qin, xiaodian):
    project = factories.make_project(district=xiaodian)
    client.force_login(qin)

    page = client.get(admin_url(Project, "change", project.pk))
    added = client.get(admin_url(Project, "add"))

    assert "state" not in page.context["adminform"].form.fields
    assert "state" not in added.context["adminform"].form.fields
