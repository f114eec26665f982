"""What the public-page tests of every app do the same way: build fully related published
records, count a page's queries, and read the text of an element from the HTML."""

from html.parser import HTMLParser
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from companies.models import Enterprise
from outcomes.choices import OutcomeKind, PatentType, Unit
from partnerships.choices import PartyRole, PublicationState, Qualifier
from partnerships.models import Agreement, District, Institution, Project
from tests.factories import (
    make_agreement,
    make_agreement_enterprise,
    make_agreement_party,
    make_certification,
    make_enterprise,
    make_institution,
    make_outcome,
    make_project,
    make_project_enterprise,
    make_project_participant,
)

PUBLISHED = PublicationState.PUBLISHED
UNPUBLISHED_STATES = (
    PublicationState.DRAFT,
    PublicationState.SUBMITTED,
    PublicationState.WITHDRAWN,
)


def make_public_project(
    district: District,
    *,
    agreement: Agreement | None = None,
    institution: Institution | None = None,
    enterprise: Enterprise | None = None,
    **fields,
) -> Project:
    """A published project with everything its pages print: a government and an institution
    participant, an enterprise participant with a certification, and two outcomes (revenue
    and an invention-patent count)."""
    project = make_project(district=district, agreement=agreement, state=PUBLISHED, **fields)
    make_project_participant(project=project, district=district, role=PartyRole.GOVERNMENT)
    make_project_participant(
        project=project,
        institution=institution or make_institution(district=district, state=PUBLISHED),
        role=PartyRole.PARTNER,
    )
    if enterprise is None:
        enterprise = make_enterprise(district=district, state=PUBLISHED)
        make_certification(enterprise=enterprise)
    make_project_enterprise(project=project, enterprise=enterprise)
    make_outcome(project=project, state=PUBLISHED)
    make_outcome(
        project=project,
        state=PUBLISHED,
        kind=OutcomeKind.PATENT,
        unit=Unit.ITEM,
        quantity=3,
        qualifier=Qualifier.EXACT,
        reported_text="3项",
        patent_type=PatentType.INVENTION,
    )
    return project


def make_public_agreement(district: District, **fields) -> Agreement:
    """A published agreement with a government, an institution and an enterprise party."""
    agreement = make_agreement(district=district, state=PUBLISHED, **fields)
    make_agreement_party(agreement=agreement, district=district, role=PartyRole.GOVERNMENT)
    make_agreement_party(
        agreement=agreement, institution=make_institution(district=district, state=PUBLISHED)
    )
    make_agreement_enterprise(
        agreement=agreement, enterprise=make_enterprise(district=district, state=PUBLISHED)
    )
    return agreement


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def count_queries(client, url: str) -> tuple[int, list[str]]:
    """The number of queries a page runs (and their SQL, to print when a count changes)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries), [query["sql"] for query in context.captured_queries]


class _ElementText(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self, attribute: str, value: str):
        super().__init__()
        self.attribute, self.value = attribute, value
        self.depth = 0
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            # Cells and list items read apart ("2017 1 0"), not run together ("201710").
            self.found[-1]["text"] += " "
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get(self.attribute) == self.value:
            self.depth = 1
            self.found.append({"attrs": dict(attrs), "text": ""})

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.found[-1]["text"] += data


def elements(html: str, attribute: str, value: str) -> list[dict]:
    """Every element whose `attribute` is `value`: its attributes and its whitespace-collapsed
    text, children's included."""
    parser = _ElementText(attribute, value)
    parser.feed(html)
    return [
        {"attrs": found["attrs"], "text": " ".join(found["text"].split())} for found in parser.found
    ]


def text_of(html: str, attribute: str, value: str) -> str:
    found = elements(html, attribute, value)
    assert len(found) == 1, (attribute, value, len(found))
    return found[0]["text"]


def figure_of(html: str, slug: str) -> dict:
    """The first figure (<data class="figure">) inside the element data-figure=`slug`."""
    parser = _FigureIn(slug)
    parser.feed(html)
    assert parser.figure is not None, slug
    return parser.figure


class _FigureIn(_ElementText):
    def __init__(self, slug: str):
        super().__init__("data-figure", slug)
        self.figure: dict | None = None
        self._in_figure = False

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        if self.depth and tag == "data" and self.figure is None:
            self.figure = {**dict(attrs), "text": ""}
            self._in_figure = True

    def handle_endtag(self, tag):
        if tag == "data":
            self._in_figure = False
        super().handle_endtag(tag)

    def handle_data(self, data):
        super().handle_data(data)
        if self._in_figure:
            self.figure["text"] += data


def load_demo():
    """The shipped demo data: the source article, entered by `manage.py load_article`."""
    call_command("load_article", stdout=StringIO())
