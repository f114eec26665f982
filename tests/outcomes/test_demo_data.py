"""The shipped demo data: the source article, entered faithfully (`manage.py load_article`).

Figures are read back through the honest-total selectors, as the public pages will read them.
"""

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from companies.models import Enterprise
from outcomes.choices import Basis, OutcomeKind, Unit
from outcomes.models import Outcome, Target
from outcomes.selectors import (
    agreement_scope,
    enterprise_scope,
    institution_scope,
    intellectual_property_total,
    outcome_totals,
    outcomes_in_scope,
    project_scope,
    target_progress,
    targets_in_scope,
)
from partnerships.choices import DatePrecision, PublicationState, Qualifier
from partnerships.models import Agreement, AuditEntry, Institution, Project, Source

ARTICLE = Path(__file__).parent / "data" / "article_000_c3e61ec2ad4bbf73.txt"
REGISTRY_APPS = ("partnerships", "companies", "outcomes")


def normalise(text: str) -> str:
    """Drop all whitespace: the article file breaks lines inside words (智/能, 基层干/部)."""
    return re.sub(r"\s+", "", text)


# Accounts and the deletions feed are not registry content: the article enters none of them.
NOT_CONTENT = {
    "partnerships.ApiToken",
    "partnerships.AuditEntry",
    "partnerships.DataVersion",
    "partnerships.Deletion",
    "partnerships.DistrictRole",
    "partnerships.PasswordStatus",
}


def registry_models():
    return [
        model
        for app in REGISTRY_APPS
        for model in apps.get_app_config(app).get_models()
        if model._meta.label not in NOT_CONTENT
    ]


def snapshot() -> dict:
    """Every registry row with its last change, per model."""
    rows = {}
    for model in registry_models():
        fields = ["pk"] + (["updated_at"] if hasattr(model, "updated_at") else [])
        rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


def load_article():
    call_command("load_article", stdout=StringIO())


@pytest.fixture
def article(db) -> Source:
    load_article()
    return Source.objects.get()


def totals_by_kind(outcomes) -> dict:
    return {
        (total.kind, total.unit): (total.quantity, total.qualifier)
        for total in outcome_totals(outcomes)
    }


def shanxi_university_outcomes():
    university = Institution.objects.get(name="山西大学", parent=None)
    return outcomes_in_scope(institution_scope(university))


def test_shanxi_university_intellectual_property_total_is_48_exact(article):
    total = intellectual_property_total(outcome_totals(shanxi_university_outcomes()))

    assert (total.quantity, total.qualifier) == (Decimal(48), Qualifier.EXACT)


def test_shanxi_university_intellectual_property_parts_by_category(article):
    outcomes = shanxi_university_outcomes().filter(kind__in=OutcomeKind.intellectual_property)

    parts = {
        (total.kind, total.group["category"]): total.quantity
        for total in outcome_totals(outcomes, by=["category"])
    }

    assert parts == {
        (OutcomeKind.PATENT, "invention"): Decimal(20),
        (OutcomeKind.PATENT, "utility_model"): Decimal(9),
        (OutcomeKind.SOFTWARE_COPYRIGHT, ""): Decimal(19),
    }


def test_shanxi_university_economic_benefit_is_more_than_68_million_yuan(article):
    totals = totals_by_kind(shanxi_university_outcomes())

    assert totals[(OutcomeKind.ECONOMIC_BENEFIT, Unit.YUAN)] == (
        Decimal(68_000_000),
        Qualifier.MORE_THAN,
    )


def test_shanxi_university_figures_count_for_its_framework_agreement(article):
    agreement = Agreement.objects.get(title="小店区政府与山西大学战略合作框架协议")

    total = intellectual_property_total(
        outcome_totals(outcomes_in_scope(agreement_scope(agreement)))
    )

    assert (total.quantity, total.qualifier) == (Decimal(48), Qualifier.EXACT)


def test_tongji_base_opened_in_june_2019_known_to_the_month(article):
    base = Project.objects.get(title="同济大学同创谷太原基地")

    assert base.opened_on_precision == DatePrecision.MONTH
    with translation.override("zh-hans"):
        assert str(base.opened) == "2019年6月"
    with translation.override("en"):
        assert str(base.opened) == "June 2019"


def test_tongji_base_floor_area_is_about_25000_square_metres(article):
    base = Project.objects.get(title="同济大学同创谷太原基地")

    assert (base.floor_area_m2, base.floor_area_qualifier) == (Decimal(25000), Qualifier.ABOUT)


def test_tongji_base_phase_agreements_belong_to_the_framework(article):
    framework = Agreement.objects.get(title="“同创谷太原基地项目”合作框架协议")

    phases = [
        (str(phase.signed), phase.phase_number)
        for phase in framework.phases.order_by("phase_number")
    ]

    with translation.override("zh-hans"):
        assert phases == [("2019年4月", 1), ("2019年5月", 2)]


def test_cadre_training_trainees_are_nearly_2000_person_times(article):
    training = Project.objects.get(title="新时代基层干部主题培训行动计划")

    totals = totals_by_kind(outcomes_in_scope(project_scope(training)))

    assert totals[(OutcomeKind.TRAINEES, Unit.PERSON_TIME)] == (Decimal(2000), Qualifier.NEARLY)


def test_ecnu_plans_are_targets_not_outcomes(article):
    agreement = Agreement.objects.get(title="小店区政府与华东师范大学区域教育合作发展合作协议")
    scope = agreement_scope(agreement)

    targets = targets_in_scope(scope).filter(quantity_is_stated=True).order_by("quantity")

    assert [(t.kind, t.unit, t.quantity) for t in targets] == [
        (OutcomeKind.TRAINEES, Unit.PERSON, Decimal(20)),
        (OutcomeKind.TRAINEES, Unit.PERSON, Decimal(80)),
    ]
    assert list(outcomes_in_scope(scope)) == []
    assert [progress.achieved for progress in target_progress(targets)] == [None, None]


def test_ecnu_targets_are_due_two_years_after_signing(article):
    agreement = Agreement.objects.get(title="小店区政府与华东师范大学区域教育合作发展合作协议")

    targets = targets_in_scope(agreement_scope(agreement)).filter(quantity_is_stated=True)

    with translation.override("zh-hans"):
        assert {str(target.due) for target in targets} == {"2023年9月"}
    assert agreement.term_months == 24


def test_keteng_patents_by_status(article):
    keteng = Enterprise.objects.get(name="山西科腾环保科技股份有限公司")
    patents = outcomes_in_scope(enterprise_scope(keteng)).filter(kind=OutcomeKind.PATENT)

    by_category = {
        total.group["category"]: total.quantity
        for total in outcome_totals(patents, by=["category"])
    }

    assert by_category == {
        "invention/granted": Decimal(7),
        "utility_model/granted": Decimal(3),
        "invention/examination": Decimal(15),
    }


def test_keteng_patents_do_not_count_for_shanxi_university(article):
    keteng = Enterprise.objects.get(name="山西科腾环保科技股份有限公司")

    shared = shanxi_university_outcomes().filter(enterprise=keteng, kind=OutcomeKind.PATENT)

    assert list(shared) == []


def test_keteng_yearly_revenue_is_an_increment_per_year(article):
    keteng = Enterprise.objects.get(name="山西科腾环保科技股份有限公司")

    revenue = Outcome.objects.filter(enterprise=keteng, kind=OutcomeKind.REVENUE).order_by(
        "period_start"
    )

    assert [
        (o.basis, o.period_start.year, o.period_start_precision, o.quantity, o.qualifier)
        for o in revenue
    ] == [
        (Basis.INCREMENT, 2018, DatePrecision.YEAR, Decimal(100_000_000), Qualifier.MORE_THAN),
        (Basis.INCREMENT, 2019, DatePrecision.YEAR, Decimal(100_000_000), Qualifier.MORE_THAN),
    ]


def test_source_has_the_byline_and_no_publication_date(article):
    assert article.published_on is None
    assert article.authors == "策划:王黄林;统筹:于清;采写:司勇、赵娟"
    assert article.url == ""


def test_every_passage_is_quoted_from_the_article(article):
    text = normalise(ARTICLE.read_text(encoding="utf-8"))

    misquoted = [
        (model._meta.label, record.pk)
        for model in registry_models()
        if any(field.name == "source_passage" for field in model._meta.fields)
        for record in model.objects.exclude(source_passage="")
        if normalise(record.source_passage) not in text
    ]

    assert misquoted == []


def test_every_figure_cites_the_article_with_a_passage(article):
    for model in (Outcome, Target):
        uncited = model.objects.exclude(source=article) | model.objects.filter(source_passage="")
        assert list(uncited) == []


def test_every_record_with_a_source_cites_the_article(article):
    sources = {
        record.source_id
        for model in registry_models()
        if any(field.name == "source" for field in model._meta.fields)
        for record in model.objects.all()
    }

    assert sources == {article.pk}


def expected_qualifier(reported_text: str) -> str:
    if re.search(r"多|余|以上|超", reported_text):
        return Qualifier.MORE_THAN
    if "约" in reported_text:
        return Qualifier.ABOUT
    if "近" in reported_text:
        return Qualifier.NEARLY
    return Qualifier.EXACT


def test_every_qualifier_matches_the_figure_as_written(article):
    mismatched = [
        (figure.reported_text, figure.qualifier)
        for model in (Outcome, Target)
        for figure in model.objects.all()
        if figure.qualifier != expected_qualifier(figure.reported_text)
    ]

    assert mismatched == []


def test_every_reported_figure_appears_in_its_passage(article):
    missing = [
        figure.reported_text
        for model in (Outcome, Target)
        for figure in model.objects.exclude(reported_text="")
        if figure.reported_text not in figure.source_passage
    ]

    assert missing == []


def test_load_article_twice_changes_nothing(article):
    before = snapshot()
    entries = AuditEntry.objects.count()

    load_article()

    assert snapshot() == before
    # Nothing written, so nothing in the audit trail either.
    assert AuditEntry.objects.count() == entries


def test_every_record_is_valid(article):
    for model in registry_models():
        for record in model.objects.all():
            record.full_clean()


def test_every_record_is_published(article):
    states = {
        record.state
        for model in registry_models()
        if hasattr(model, "state")
        for record in model.objects.all()
    }

    assert states == {PublicationState.PUBLISHED}


def test_load_article_counts(article):
    counts = {
        model._meta.label: model.objects.count()
        for model in registry_models()
        if model._meta.label != "companies.Sector"
    }

    assert counts == {
        "partnerships.District": 3,
        "partnerships.Source": 1,
        "partnerships.Institution": 22,
        "partnerships.Agreement": 5,
        "partnerships.AgreementParty": 7,
        "partnerships.Project": 19,
        "partnerships.ProjectParticipant": 34,
        "companies.Enterprise": 13,
        "companies.Certification": 6,
        "companies.AgreementEnterprise": 3,
        "companies.ProjectEnterprise": 16,
        "outcomes.Outcome": 39,
        "outcomes.Target": 9,
    }
