"""Partnership models: dates at their precision, constraints in the database, clean() rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from partnerships.choices import (
    AgreementKind,
    DatePrecision,
    DistrictLevel,
    Field,
    InstitutionKind,
    PartyRole,
    ProjectKind,
)
from partnerships.models import (
    Agreement,
    AgreementParty,
    District,
    Institution,
    PartialDate,
    Project,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def xiaodian():
    return District.objects.create(code="140105", name="小店区", name_en="Xiaodian District")


@pytest.fixture
def shanxi_university(xiaodian):
    return Institution.objects.create(
        name="山西大学", kind=InstitutionKind.UNIVERSITY, district=xiaodian
    )


def test_partial_date_month_prints_without_a_day():
    march = PartialDate(datetime.date(2019, 3, 1), DatePrecision.MONTH)
    with translation.override("en"):
        assert str(march) == "March 2019"
    with translation.override("zh-hans"):
        assert str(march) == "2019年3月"


def test_partial_date_day_prints_the_day():
    with translation.override("zh-hans"):
        assert str(PartialDate(datetime.date(2019, 3, 8), DatePrecision.DAY)) == "2019年3月8日"


def test_partial_date_year_prints_only_the_year():
    with translation.override("en"):
        assert str(PartialDate(datetime.date(2019, 1, 1), DatePrecision.YEAR)) == "2019"


def test_partial_date_empty_prints_nothing():
    assert str(PartialDate(None, DatePrecision.DAY)) == ""


def test_district_level_follows_its_code():
    assert District(code="140000").level == DistrictLevel.PROVINCE
    assert District(code="140100").level == DistrictLevel.CITY
    assert District(code="140105").level == DistrictLevel.COUNTY


def test_district_unknown_code_is_rejected():
    with pytest.raises(ValidationError) as error:
        District(code="149999", name="不存在").full_clean()
    assert list(error.value.message_dict) == ["code"]


def test_agreement_month_precision_with_a_day_is_rejected(xiaodian):
    agreement = Agreement(
        title="战略合作框架协议",
        district=xiaodian,
        kind=AgreementKind.FRAMEWORK,
        signed_on=datetime.date(2017, 5, 15),
        signed_on_precision=DatePrecision.MONTH,
    )
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert list(error.value.message_dict) == ["signed_on"]


def test_agreement_signed_month_is_shown_at_month_precision(xiaodian):
    agreement = Agreement(
        title="战略合作框架协议",
        district=xiaodian,
        kind=AgreementKind.FRAMEWORK,
        signed_on=datetime.date(2017, 5, 1),
        signed_on_precision=DatePrecision.MONTH,
    )
    agreement.full_clean()
    with translation.override("zh-hans"):
        assert str(agreement.signed) == "2017年5月"


def test_agreement_term_ending_before_start_is_rejected_by_clean_and_database(xiaodian):
    agreement = Agreement(
        title="合作协议",
        district=xiaodian,
        kind=AgreementKind.COOPERATION,
        starts_on=datetime.date(2021, 9, 1),
        ends_on=datetime.date(2021, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "ends_on" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        agreement.save()
    assert Agreement.objects.count() == 0


def test_agreement_phase_number_needs_parent(xiaodian):
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(
            title="第一期", district=xiaodian, kind=AgreementKind.CO_BUILD, phase_number=1
        )


def test_agreement_party_is_a_district_or_an_institution_not_both(xiaodian, shanxi_university):
    agreement = Agreement.objects.create(
        title="框架协议", district=xiaodian, kind=AgreementKind.FRAMEWORK
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementParty.objects.create(
            agreement=agreement,
            district=xiaodian,
            institution=shanxi_university,
            role=PartyRole.PARTNER,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementParty.objects.create(agreement=agreement, role=PartyRole.PARTNER)
    assert AgreementParty.objects.count() == 0


def test_institution_sub_unit_needs_a_parent(xiaodian):
    lab = Institution(name="重点实验室", kind=InstitutionKind.KEY_LABORATORY, district=xiaodian)
    with pytest.raises(ValidationError) as error:
        lab.full_clean()
    assert list(error.value.message_dict) == ["parent"]


def test_institution_cannot_be_its_own_ancestor(xiaodian, shanxi_university):
    college = Institution.objects.create(
        name="计算机学院",
        kind=InstitutionKind.COLLEGE,
        parent=shanxi_university,
        district=xiaodian,
    )
    shanxi_university.parent = college
    with pytest.raises(ValidationError) as error:
        shanxi_university.full_clean()
    assert list(error.value.message_dict) == ["parent"]


def test_institution_identifiers_are_normalised_and_unique_when_filled(xiaodian):
    tsinghua = Institution(
        name="清华大学",
        kind=InstitutionKind.UNIVERSITY,
        district=xiaodian,
        uscc="12100000-400000624d",
        ror_id="https://ror.org/03cve4549",
    )
    tsinghua.full_clean()
    tsinghua.save()
    assert (tsinghua.uscc, tsinghua.ror_id) == ("12100000400000624D", "03cve4549")
    # Two institutions without identifiers are fine; two with the same one are not.
    Institution.objects.create(name="甲大学", kind=InstitutionKind.UNIVERSITY, district=xiaodian)
    Institution.objects.create(name="乙大学", kind=InstitutionKind.UNIVERSITY, district=xiaodian)
    duplicate = Institution(
        name="丙大学", kind=InstitutionKind.UNIVERSITY, district=xiaodian, uscc=tsinghua.uscc
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert list(error.value.message_dict) == ["__all__"]


def test_institution_wrong_uscc_check_character_is_rejected(xiaodian):
    institution = Institution(
        name="某大学", kind=InstitutionKind.UNIVERSITY, district=xiaodian, uscc="12100000400000624A"
    )
    with pytest.raises(ValidationError) as error:
        institution.full_clean()
    assert list(error.value.message_dict) == ["uscc"]


def test_institution_enterprise_style_uscc_warns_but_is_accepted(xiaodian):
    institution = Institution(
        name="某大学", kind=InstitutionKind.UNIVERSITY, district=xiaodian, uscc="91370000728611939A"
    )
    institution.full_clean()
    assert institution.uscc_warning() is not None
    assert Institution(uscc="12100000400010056C").uscc_warning() is None


def test_project_end_before_start_is_rejected(xiaodian):
    project = Project(
        title="产学研合作项目",
        district=xiaodian,
        kind=ProjectKind.IUR_PROJECT,
        field=Field.BIG_DATA_IT,
        starts_on=datetime.date(2018, 5, 1),
        ends_on=datetime.date(2018, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert list(error.value.message_dict) == ["ends_on"]


def test_project_agreement_of_another_district_is_rejected(xiaodian):
    other = District.objects.create(code="140106", name="迎泽区")
    agreement = Agreement.objects.create(title="协议", district=other, kind=AgreementKind.OTHER)
    project = Project(
        title="项目",
        district=xiaodian,
        agreement=agreement,
        kind=ProjectKind.RD_COOPERATION,
        field=Field.OTHER,
    )
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert list(error.value.message_dict) == ["agreement"]


def test_project_negative_funding_is_rejected_by_the_database(xiaodian):
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.create(
            title="项目",
            district=xiaodian,
            kind=ProjectKind.RD_COOPERATION,
            field=Field.OTHER,
            funding_yuan=-1,
        )


def test_source_passage_without_a_document_is_rejected(xiaodian):
    project = Project(
        title="项目",
        district=xiaodian,
        kind=ProjectKind.RD_COOPERATION,
        field=Field.OTHER,
        source_passage="2018年5月,设立产学研合作项目",
    )
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert list(error.value.message_dict) == ["source"]


def test_published_returns_only_published_records(xiaodian):
    Project.objects.create(
        title="草稿", district=xiaodian, kind=ProjectKind.RD_COOPERATION, field=Field.OTHER
    )
    published = Project.objects.create(
        title="已发布",
        district=xiaodian,
        kind=ProjectKind.RD_COOPERATION,
        field=Field.OTHER,
        state="published",
    )
    assert list(Project.objects.published()) == [published]
