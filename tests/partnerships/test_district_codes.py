"""Rights follow district codes (a city's role covers the districts whose codes start like its
own), so a code in use never changes, and a district's administrator changes only the districts
his role covers.

Wang is the system administrator of 小店区 (140105), under 太原市 (140100), under 山西省
(140000); 迎泽区 (140106) is a neighbour with a draft of its own.
"""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from partnerships.choices import StaffRole, TokenScope
from partnerships.models import District, DistrictRole, Project
from tests import factories
from tests.admin_helpers import admin_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def taiyuan(shanxi) -> District:
    return factories.make_district(code="140100", name="太原市", name_en="Taiyuan")


@pytest.fixture
def wang(roles, xiaodian, taiyuan) -> User:
    """Wang, the system administrator of 小店区."""
    return factories.make_staff("wang", xiaodian, StaffRole.SYSTEM_ADMIN)


@pytest.fixture
def wang_client(wang) -> Client:
    client = Client()
    client.force_login(wang)
    return client


def codes() -> list[tuple[str, str]]:
    return list(District.objects.values_list("code", "name"))


def test_a_district_administrator_cannot_recode_the_city_or_his_own_district(
    wang, wang_client, xiaodian, taiyuan, other_district
):
    """The attack: 太原市 140100→149900, then 小店区 140105→140100, which turned every role of
    小店区 into a city role covering all of 1401xx and made 迎泽区's drafts readable."""
    draft = factories.make_project(district=other_district, title="迎泽区的草稿")
    before = codes()
    city_url = admin_url(District, "change", taiyuan.pk)
    own_url = admin_url(District, "change", xiaodian.pk)
    city_page = wang_client.get(city_url)
    own_page = wang_client.get(own_url)

    city = wang_client.post(city_url, form_data(city_page) | {"code": "149900"})
    own = wang_client.post(own_url, form_data(own_page) | {"code": "140100"})

    # The city is not his: read-only, and a save is forbidden.
    assert (city_page.status_code, city_page.context["has_change_permission"]) == (200, False)
    assert city.status_code == 403
    # His own district is his, but its code is in use: not offered, so nothing moves.
    assert "code" not in own_page.context["adminform"].form.fields
    assert own.status_code == 302
    assert codes() == before
    roles = list(DistrictRole.objects.filter(user=wang).values_list("district__code", "role"))
    assert roles == [("140105", "system_admin")]
    assert wang_client.get(admin_url(Project, "change", draft.pk)).status_code == 404
    token = factories.make_token(wang, TokenScope.WRITE)
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(f"/api/v1/projects/{draft.pk}/").status_code == 404


def test_a_district_administrator_cannot_change_a_neighbours_district(wang_client, other_district):
    before = codes()
    url = admin_url(District, "change", other_district.pk)

    response = wang_client.post(url, form_data(wang_client.get(url)) | {"name": "改名区"})

    assert response.status_code == 403
    assert codes() == before


def test_a_district_administrator_renames_his_own_district(wang_client, xiaodian):
    url = admin_url(District, "change", xiaodian.pk)

    response = wang_client.post(url, form_data(wang_client.get(url)) | {"name": "小店区（新）"})

    assert response.status_code == 302
    xiaodian.refresh_from_db()
    assert (xiaodian.code, xiaodian.name) == ("140105", "小店区（新）")


def test_a_county_administrator_adds_no_district(wang_client):
    before = codes()
    url = admin_url(District, "add")

    response = wang_client.post(
        url,
        form_data(wang_client.get(url)) | {"code": "140108", "name": "万柏林区"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.context["adminform"].form.non_field_errors() == [
        "Only a system administrator of 140108, or of the city or province it belongs to, may "
        "add or change this district."
    ]
    assert codes() == before


def test_a_city_administrator_adds_a_district_of_his_city(roles, taiyuan):
    chen = factories.make_staff("chen", taiyuan, StaffRole.SYSTEM_ADMIN)
    client = Client()
    client.force_login(chen)
    url = admin_url(District, "add")

    response = client.post(url, form_data(client.get(url)) | {"code": "140108", "name": "万柏林区"})

    assert response.status_code == 302
    assert District.objects.filter(code="140108", name="万柏林区").count() == 1


@pytest.mark.parametrize(
    ("code", "new_code"),
    [
        ("140105", "140100"),  # has roles (Wang's)
        ("140100", "149900"),  # has a district under it (小店区)
        ("140106", "140107"),  # has a record
    ],
)
def test_a_code_in_use_cannot_change_anywhere(wang, other_district, code, new_code):
    """The model refuses, so the back office, the API and an import all do (a superuser
    included)."""
    factories.make_project(district=other_district)
    district = District.objects.get(code=code)
    before = codes()
    district.code = new_code

    with pytest.raises(ValidationError) as raised:
        district.full_clean()

    assert raised.value.message_dict == {
        "code": [
            f"区划代码 {code} 已被角色、记录或下级区县引用，不能修改。如需新代码，请另行添加区县。"
        ]
    }
    assert codes() == before


def test_a_superuser_sees_a_code_in_use_read_only(client, xiaodian, wang):
    client.force_login(User.objects.create_superuser("root", password="unused-password"))

    page = client.get(admin_url(District, "change", xiaodian.pk))

    assert "code" not in page.context["adminform"].form.fields
    assert page.context["adminform"].form.instance.code == "140105"


def test_a_code_nothing_refers_to_can_still_be_corrected(client, db):
    client.force_login(User.objects.create_superuser("root", password="unused-password"))
    typo = factories.make_district(code="140109", name="万柏林区")
    url = admin_url(District, "change", typo.pk)

    response = client.post(url, form_data(client.get(url)) | {"code": "140108"})

    assert response.status_code == 302
    typo.refresh_from_db()
    assert typo.code == "140108"
