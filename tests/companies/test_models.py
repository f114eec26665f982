"""Enterprises and certifications: identifiers, validity by date, per-kind rules."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from companies.choices import CertificationKind, RecognitionLevel, SpecialisedTier
from companies.models import Certification, Enterprise, Sector
from partnerships.models import District

pytestmark = pytest.mark.django_db


@pytest.fixture
def enterprise():
    district = District.objects.create(code="140105", name="小店区")
    return Enterprise.objects.create(name="山西科腾环保科技股份有限公司", district=district)


def test_enterprise_uscc_is_normalised_and_checked(enterprise):
    enterprise.uscc = " 9144-0300-7152-6726-xg "
    enterprise.full_clean()
    assert enterprise.uscc == "9144030071526726XG"
    enterprise.uscc = "91310115MA1H8R7C6D"
    with pytest.raises(ValidationError) as error:
        enterprise.full_clean()
    assert list(error.value.message_dict) == ["uscc"]


def test_enterprise_institution_style_uscc_warns(enterprise):
    enterprise.uscc = "12100000400000624D"
    assert enterprise.uscc_warning() is not None
    enterprise.uscc = "91370000728611939A"
    assert enterprise.uscc_warning() is None


def test_enterprise_name_is_unique_within_its_district(enterprise):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.create(name=enterprise.name, district=enterprise.district)


def test_sector_code_must_follow_gbt4754():
    with pytest.raises(ValidationError):
        Sector(code="Z99", name="不存在").full_clean()
    Sector(code="I6513", name="应用软件开发").full_clean()


def test_high_tech_certificate_is_valid_for_three_years(enterprise):
    certificate = Certification(
        enterprise=enterprise,
        kind=CertificationKind.HIGH_TECH,
        certificate_number="gr202311004043",
        issued_on=datetime.date(2023, 12, 12),
    )
    certificate.full_clean()
    assert certificate.certificate_number == "GR202311004043"
    assert certificate.valid_until == datetime.date(2026, 12, 12)
    assert certificate.is_valid_on(datetime.date(2026, 12, 11)) is True
    assert certificate.is_valid_on(datetime.date(2026, 12, 12)) is False
    assert certificate.is_valid_on(datetime.date(2023, 12, 11)) is False


def test_high_tech_certificate_number_is_checked(enterprise):
    certificate = Certification(
        enterprise=enterprise, kind=CertificationKind.HIGH_TECH, certificate_number="GR20231100"
    )
    with pytest.raises(ValidationError) as error:
        certificate.full_clean()
    assert list(error.value.message_dict) == ["certificate_number"]


def test_specialised_certification_needs_its_tier(enterprise):
    certificate = Certification(
        enterprise=enterprise,
        kind=CertificationKind.SPECIALISED,
        level=RecognitionLevel.NATIONAL,
    )
    with pytest.raises(ValidationError) as error:
        certificate.full_clean()
    assert list(error.value.message_dict) == ["tier"]
    certificate.tier = SpecialisedTier.LITTLE_GIANT
    certificate.full_clean()


def test_tier_on_another_kind_is_rejected_by_the_database(enterprise):
    with pytest.raises(IntegrityError), transaction.atomic():
        Certification.objects.create(
            enterprise=enterprise,
            kind=CertificationKind.HIGH_TECH,
            tier=SpecialisedTier.LITTLE_GIANT,
        )


def test_honour_held_several_years_keeps_its_years_in_order(enterprise):
    honour = Certification(
        enterprise=enterprise,
        kind=CertificationKind.HONOUR,
        title="农业产业化省级重点龙头企业",
        level=RecognitionLevel.PROVINCIAL,
        year=2020,
        last_year=2017,
    )
    with pytest.raises(ValidationError) as error:
        honour.full_clean()
    assert list(error.value.message_dict) == ["last_year"]


def test_tech_sme_needs_its_evaluation_year(enterprise):
    with pytest.raises(ValidationError) as error:
        Certification(enterprise=enterprise, kind=CertificationKind.TECH_SME).full_clean()
    assert list(error.value.message_dict) == ["year"]
