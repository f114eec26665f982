"""Plain functions that create valid records for tests.

Each `make_<model>` fills every required field and every foreign key it needs (creating the
related records when none are given), runs `full_clean()` so a factory can never hand a test an
invalid record, and saves. Keyword arguments override any field. Names carry a running number so
that several records of one kind never collide on a unique constraint.
"""

import datetime
import itertools
from decimal import Decimal

from django.contrib.auth.models import User

from companies.choices import CertificationKind
from companies.models import (
    AgreementEnterprise,
    Certification,
    Enterprise,
    ProjectEnterprise,
    Sector,
)
from outcomes.choices import Basis, OutcomeKind, Unit
from outcomes.models import Outcome, Target
from partnerships.choices import (
    AgreementKind,
    DatePrecision,
    Field,
    InstitutionKind,
    PartyRole,
    ProjectKind,
    PublicationState,
    Qualifier,
    StaffRole,
    TokenScope,
)
from partnerships.models import (
    Agreement,
    AgreementParty,
    District,
    DistrictRole,
    Institution,
    Project,
    ProjectParticipant,
    Source,
)
from partnerships.services import api_token_create, staff_role_assign

_serial = itertools.count(1)

# County-level GB/T 2260 codes of Taiyuan and Datong (all in python-stdnum's table).
DISTRICT_CODES = (
    "140105",  # 小店区
    "140106",
    "140107",
    "140108",
    "140109",
    "140110",
    "140121",
    "140122",
    "140123",
    "140181",
    "140202",
    "140203",
    "140211",
    "140212",
    "140221",
    "140222",
)

PASSAGE = "截至目前，累计实现营业收入6800多万元。"


def _saved(record):
    record.full_clean()
    record.save()
    return record


def make_district(**fields) -> District:
    if "code" not in fields:
        used = set(District.objects.values_list("code", flat=True))
        fields["code"] = next(code for code in DISTRICT_CODES if code not in used)
    fields.setdefault("name", f"区县{fields['code']}")
    return _saved(District(**fields))


def make_source(**fields) -> Source:
    values = {
        "title": f"来源文件{next(_serial)}",
        "publisher": "太原日报",
        "published_on": datetime.date(2023, 5, 1),
        "published_on_precision": DatePrecision.MONTH,
    }
    return _saved(Source(**values | fields))


def make_cited_source(*, district=None, **fields) -> Source:
    """A source the public sees: a published institution cites it (sources have no review of
    their own; they are public while a published record cites them)."""
    source = make_source(**fields)
    make_institution(district=district, source=source, state=PublicationState.PUBLISHED)
    return source


def make_institution(*, district=None, parent=None, **fields) -> Institution:
    values = {
        "name": f"院校{next(_serial)}",
        "kind": InstitutionKind.COLLEGE if parent else InstitutionKind.UNIVERSITY,
        "district": district or (parent.district if parent else make_district()),
        "parent": parent,
    }
    return _saved(Institution(**values | fields))


def make_agreement(*, district=None, part_of=None, **fields) -> Agreement:
    values = {
        "title": f"合作协议{next(_serial)}",
        "district": district or (part_of.district if part_of else make_district()),
        "kind": AgreementKind.CO_BUILD if part_of else AgreementKind.FRAMEWORK,
        "signed_on": datetime.date(2019, 3, 1),
        "signed_on_precision": DatePrecision.MONTH,
        "part_of": part_of,
        "phase_number": 1 if part_of else None,
    }
    return _saved(Agreement(**values | fields))


def make_agreement_party(*, agreement, **fields) -> AgreementParty:
    values = {"agreement": agreement, "role": PartyRole.PARTNER}
    if "district" not in fields and "institution" not in fields:
        values["institution"] = make_institution(district=agreement.district)
    return _saved(AgreementParty(**values | fields))


def make_project(*, district=None, agreement=None, **fields) -> Project:
    values = {
        "title": f"合作项目{next(_serial)}",
        "district": district or (agreement.district if agreement else make_district()),
        "agreement": agreement,
        "kind": ProjectKind.BASE_PLATFORM,
        "field": Field.BIG_DATA_IT,
        "starts_on": datetime.date(2019, 3, 1),
        "starts_on_precision": DatePrecision.MONTH,
        "floor_area_m2": Decimal(3000),
        "floor_area_qualifier": Qualifier.MORE_THAN,
    }
    return _saved(Project(**values | fields))


def make_project_participant(*, project, **fields) -> ProjectParticipant:
    values = {"project": project, "role": PartyRole.LEAD}
    if "district" not in fields and "institution" not in fields:
        values["institution"] = make_institution(district=project.district)
    return _saved(ProjectParticipant(**values | fields))


def make_sector(**fields) -> Sector:
    """A class of division 01 (A0110-A0199) that the shipped GB/T 4754 table does not hold.

    The migration loads the table's sections, divisions and a few classes; codes of section A
    sort first, so a new sector is on the first page of the changelist.
    """
    if "code" not in fields:
        used = set(Sector.objects.values_list("code", flat=True))
        fields["code"] = next(f"A01{n}" for n in range(10, 100) if f"A01{n}" not in used)
    fields.setdefault("name", f"种植业{fields['code']}")
    return _saved(Sector(**fields))


def make_enterprise(*, district=None, **fields) -> Enterprise:
    values = {
        "name": f"科技有限公司{next(_serial)}",
        "district": district or make_district(),
        "founded_on": datetime.date(2016, 1, 1),
        "founded_on_precision": DatePrecision.YEAR,
    }
    return _saved(Enterprise(**values | fields))


def make_certification(*, enterprise=None, **fields) -> Certification:
    values = {
        "enterprise": enterprise or make_enterprise(),
        "kind": CertificationKind.HIGH_TECH,
        "certificate_number": "GR202314000123",
        "issued_on": datetime.date(2023, 12, 1),
        "issued_on_precision": DatePrecision.MONTH,
    }
    return _saved(Certification(**values | fields))


def make_agreement_enterprise(*, agreement, **fields) -> AgreementEnterprise:
    values = {
        "agreement": agreement,
        "enterprise": fields.pop("enterprise", None)
        or make_enterprise(district=agreement.district),
        "role": PartyRole.ENTERPRISE,
    }
    return _saved(AgreementEnterprise(**values | fields))


def make_project_enterprise(*, project, **fields) -> ProjectEnterprise:
    values = {
        "project": project,
        "enterprise": fields.pop("enterprise", None) or make_enterprise(district=project.district),
        "role": PartyRole.RESIDENT,
    }
    return _saved(ProjectEnterprise(**values | fields))


def _figure_values(project, fields) -> dict:
    project = project or make_project()
    return {
        "district": project.district,
        "project": project,
        "kind": OutcomeKind.REVENUE,
        "quantity": Decimal(68_000_000),
        "unit": Unit.YUAN,
        "qualifier": Qualifier.MORE_THAN,
        "reported_text": "6800多万元",
        "source": fields.pop("source", None) or make_source(),
        "source_passage": PASSAGE,
    }


def make_outcome(*, project=None, **fields) -> Outcome:
    values = _figure_values(project, fields) | {
        "basis": Basis.CUMULATIVE,
        "as_of": datetime.date(2023, 5, 1),
        "as_of_precision": DatePrecision.MONTH,
    }
    return _saved(Outcome(**values | fields))


def make_target(*, project=None, **fields) -> Target:
    values = _figure_values(project, fields) | {
        "reported_text": "力争实现营业收入1亿元",
        "quantity": Decimal(100_000_000),
        "qualifier": Qualifier.EXACT,
        "due_on": datetime.date(2025, 1, 1),
        "due_on_precision": DatePrecision.YEAR,
    }
    return _saved(Target(**values | fields))


def make_token(user, scope=TokenScope.READ) -> str:
    """A token for `user` through the service that creates real ones; returns the plain text."""
    _token, plain = api_token_create(user=user, name=f"测试令牌{next(_serial)}", scope=scope)
    return plain


def make_district_editor(username: str, district: District) -> User:
    """A member of staff who may create and change the records of `district`."""
    return make_district_staff(username, district, StaffRole.EDITOR)


def make_district_staff(username: str, district: District, role: str) -> User:
    """A member of staff with `role` in `district` (API rights; the back office also needs the
    role's group: `setup_roles` and `services.staff_role_assign`)."""
    user = User.objects.create_user(username, password="unused-password")
    _saved(DistrictRole(user=user, district=district, role=role))
    return user


def make_staff(username: str, district: District, role: str) -> User:
    """Back-office staff: a staff account given `role` in `district` through the service that
    also puts it in the role's group (run `setup_roles` first: the `roles` fixture)."""
    user = User.objects.create_user(username, password="unused-password", is_staff=True)
    staff_role_assign(user, district=district, role=role)
    return user
