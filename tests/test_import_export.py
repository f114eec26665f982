"""Spreadsheet import and export in the back office (docs/import.md).

Personas: Zhao, an editor of 小店区; Zhou, an editor of 迎泽区; Sun, a clerk of 小店区 who may add
institutions but not change them; Qian, the auditor of 小店区. All are staff with real role
groups (`setup_roles`), and every step goes through the admin's pages with the test client.
Hostile files are in tests/test_import_hostile.py.
"""

import datetime
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from companies.models import Enterprise
from outcomes.models import Outcome, Target
from partnerships.choices import AuditAction, AuditChannel, PublicationState, StaffRole
from partnerships.models import Agreement, AuditEntry, Institution, Project, Source
from partnerships.spreadsheets import admin as spreadsheet_admin
from partnerships.spreadsheets.templates import TEMPLATES
from tests import factories
from tests.admin_helpers import admin_url
from tests.spreadsheet_helpers import (
    changes,
    confirm,
    csv_file,
    export,
    exported_rows,
    import_file,
    problems,
    upload,
    xlsx_file,
)

HEADINGS = ["编号", "名称", "机构类型", "所属区县代码"]


@pytest.fixture(autouse=True)
def private_upload_folder(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"


staff = factories.make_staff


@pytest.fixture
def zhou(roles, other_district) -> User:
    """Zhou, an editor of 迎泽区."""
    return staff("zhou", other_district, StaffRole.EDITOR)


@pytest.fixture
def sun(roles, xiaodian) -> User:
    """Sun, a clerk of 小店区: writes for the district, but may only add institutions."""
    user = staff("sun", xiaodian, StaffRole.EDITOR)
    clerk = Group.objects.create(name="clerk")
    clerk.permissions.set(
        Permission.objects.filter(codename__in=["add_institution", "view_institution"])
    )
    user.groups.set([clerk])
    return user


@pytest.fixture
def qian(roles, xiaodian) -> User:
    """Qian, the auditor of 小店区: reads, writes nothing."""
    return staff("qian", xiaodian, StaffRole.AUDITOR)


def logged_in(client, user):
    # English pages: the messages' Chinese is the translators' (locale/), not what is tested.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    return client


def institution_names() -> list[str]:
    return sorted(Institution.objects.values_list("name", flat=True))


def import_events() -> list[dict]:
    return list(
        AuditEntry.objects.filter(action=AuditAction.IMPORT)
        .order_by("id")
        .values_list("detail", flat=True)
    )


# --- Preview -------------------------------------------------------------------------------------


def test_preview_shows_what_each_row_creates_or_changes_and_writes_nothing(client, zhao, xiaodian):
    existing = factories.make_institution(name="太原学院", district=xiaodian)
    file = xlsx_file(
        [
            HEADINGS,
            [None, "山西大学", "大学", "140105"],
            [existing.pk, "太原师范学院", "大学", 140105],
        ]
    )

    preview = upload(logged_in(client, zhao), Institution, file)

    assert problems(preview) == []
    assert changes(preview) == [(2, "new"), (3, "update")]
    id_and_name_cells = [row.diff[:2] for row in preview.context["changes"]]
    assert id_and_name_cells == [
        ["", "山西大学"],
        [str(existing.pk), "<del>太原学院</del> → <ins>太原师范学院</ins>"],
    ]
    assert (preview.context["created"], preview.context["changed"]) == (1, 1)
    assert institution_names() == ["太原学院"]
    assert import_events() == []


def test_preview_lists_every_error_by_row_and_column(client, zhao, xiaodian):
    file = csv_file(
        [
            [*HEADINGS, "网站"],
            ["", "山西大学", "大学", "140105", ""],
            ["", "", "综合大学", "140105", ""],
            ["", "计算机学院", "学院", "999999", "not a url"],
        ]
    )

    preview = upload(logged_in(client, zhao), Institution, file)

    assert problems(preview) == [
        (
            3,
            "机构类型",
            "“综合大学” is not one of: 大学、学院、重点实验室、科技园、科研院所、"
            "培训机构（如干部学院、党校）、学校、其他.",
        ),
        (3, "名称", "This field cannot be blank."),
        (4, "所属区县代码", "There is no district with code 999999."),
        (4, "网站", "Enter a valid URL."),
        (4, "上级机构", "A college, key laboratory or science park needs its parent."),
    ]
    # The valid row is still shown, but nothing can be confirmed.
    assert changes(preview) == [(2, "new")]
    assert "confirm_form" not in preview.context
    assert institution_names() == []


def test_preview_refuses_unknown_columns_and_two_rows_for_one_record(client, zhao, xiaodian):
    record = factories.make_institution(district=xiaodian)

    unknown = upload(
        logged_in(client, zhao), Institution, csv_file([["名称", "学校名称"], ["山西大学", "x"]])
    )
    twice = upload(
        client,
        Institution,
        csv_file([["编号", "名称"], [record.pk, "甲"], [record.pk, "乙"]]),
    )

    assert problems(unknown)[0][:2] == (None, "")
    assert problems(unknown)[0][2].startswith(
        "The headings do not match the template (unknown columns: 学校名称). Its columns are: "
        "编号、名称、英文名称、"
    )
    assert problems(twice) == [(3, "编号", "Row 2 already has this id.")]


# --- Confirm: all or nothing ---------------------------------------------------------------------


def test_confirm_creates_and_changes_every_row_as_drafts_through_the_import_channel(
    client, zhao, xiaodian
):
    existing = factories.make_institution(name="太原学院", district=xiaodian)
    file = xlsx_file(
        [
            [*HEADINGS, "发布状态"],
            [None, "山西大学", "大学", "140105", "已发布"],
            [None, "太原理工大学", "大学", "140105", "已发布"],
            [existing.pk, "太原师范学院", "大学", "140105", "已发布"],
        ]
    )

    response = import_file(logged_in(client, zhao), Institution, file)

    assert (response.status_code, response.url) == (302, admin_url(Institution, "changelist"))
    assert dict(Institution.objects.values_list("name", "state")) == {
        "山西大学": PublicationState.DRAFT,
        "太原理工大学": PublicationState.DRAFT,
        "太原师范学院": PublicationState.DRAFT,
    }
    writes = AuditEntry.objects.filter(model="partnerships.institution").exclude(
        object_id=existing.pk, action=AuditAction.CREATE
    )
    assert sorted(writes.values_list("action", "channel", "username")) == [
        (AuditAction.CHANGE, AuditChannel.IMPORT, "zhao"),
        (AuditAction.CREATE, AuditChannel.IMPORT, "zhao"),
        (AuditAction.CREATE, AuditChannel.IMPORT, "zhao"),
    ]
    assert import_events() == [
        {
            "model": "partnerships.institution",
            "file": "表格.xlsx",
            "rows": 3,
            "created": 2,
            "changed": 1,
            "unchanged": 0,
            "errors": 0,
        }
    ]


def test_one_bad_row_among_good_ones_writes_nothing(client, zhao, xiaodian, other_district):
    rows = [[None, f"大学{number}", "大学", "140105"] for number in range(1, 6)]
    rows.insert(3, [None, "大学X", "大学", "140106"])

    preview = upload(logged_in(client, zhao), Institution, xlsx_file([HEADINGS, *rows]))

    assert problems(preview) == [
        (
            5,
            "所属区县代码",
            "You may only import records of your own districts, not of 迎泽区 (140106).",
        )
    ]
    assert "confirm_form" not in preview.context
    assert institution_names() == []


def test_confirm_checks_every_row_again_and_writes_nothing_if_one_became_invalid(
    client, zhao, xiaodian
):
    file = csv_file([HEADINGS, ["", "甲大学", "大学", "140105"], ["", "乙大学", "大学", "140105"]])
    preview = upload(logged_in(client, zhao), Institution, file)
    assert problems(preview) == []
    # Meanwhile a colleague enters 乙大学 in the admin.
    factories.make_institution(name="乙大学", district=xiaodian)

    response = confirm(client, Institution, preview)

    assert response.status_code == 200
    assert problems(response) == [(3, "", "An institution with this name already exists.")]
    assert institution_names() == ["乙大学"]
    assert import_events() == [
        {
            "model": "partnerships.institution",
            "file": "表格.csv",
            "rows": 2,
            "created": 0,
            "changed": 0,
            "unchanged": 0,
            "errors": 1,
        }
    ]


def test_an_upload_is_confirmed_once_and_only_by_its_uploader(client, zhao, zhou):
    file = csv_file([HEADINGS, ["", "甲大学", "大学", "140105"]])
    preview = upload(logged_in(client, zhao), Institution, file)

    logged_in(client, zhou)
    by_someone_else = confirm(client, Institution, preview, follow=True)
    logged_in(client, zhao)
    first = confirm(client, Institution, preview, follow=True)
    second = confirm(client, Institution, preview, follow=True)

    assert [str(m) for m in by_someone_else.context["messages"]] == [
        "This upload has expired or is not yours."
    ]
    assert [str(m) for m in first.context["messages"]] == [
        "Import finished: 1 new, 0 updated, 0 deleted and 0 skipped institutions."
    ]
    assert [str(m) for m in second.context["messages"]] == [
        "This upload was already imported or expired."
    ]
    assert institution_names() == ["甲大学"]


# --- Rights --------------------------------------------------------------------------------------


def test_editor_cannot_import_rows_of_another_district_nor_name_its_records(
    client, zhao, xiaodian, other_district
):
    theirs = factories.make_institution(name="迎泽学院", district=other_district)
    file = csv_file(
        [
            HEADINGS,
            ["", "甲大学", "大学", "140106"],
            [theirs.pk, "乙大学", "大学", "140105"],
            ["999999", "丙大学", "大学", "140105"],
        ]
    )

    preview = upload(logged_in(client, zhao), Institution, file)

    assert problems(preview) == [
        (
            2,
            "所属区县代码",
            "You may only import records of your own districts, not of 迎泽区 (140106).",
        ),
        # Another district's record answers exactly like one that does not exist.
        (3, "编号", f"There is no record with id {theirs.pk}."),
        (4, "编号", "There is no record with id 999999."),
    ]
    assert institution_names() == ["迎泽学院"]


def test_rows_refer_only_to_records_the_editor_may_see(client, zhao, xiaodian, other_district):
    draft_elsewhere = factories.make_institution(name="迎泽草稿大学", district=other_district)
    published_elsewhere = factories.make_institution(
        name="迎泽公开大学", district=other_district, state=PublicationState.PUBLISHED
    )
    file = csv_file(
        [
            ["名称", "机构类型", "上级机构", "所属区县代码"],
            ["学院甲", "学院", draft_elsewhere.pk, "140105"],
            ["学院乙", "学院", "迎泽草稿大学", "140105"],
            ["学院丙", "学院", "迎泽公开大学", "140105"],
        ]
    )

    preview = upload(logged_in(client, zhao), Institution, file)

    assert problems(preview) == [
        (2, "上级机构", f"There is no institution with id {draft_elsewhere.pk}."),
        (3, "上级机构", "There is no institution called “迎泽草稿大学”."),
    ]
    assert changes(preview) == [(4, "new")]
    assert preview.context["changes"][0].diff[5] == str(published_elsewhere.pk)


def test_user_without_change_right_cannot_change_records_by_id(client, sun, xiaodian):
    record = factories.make_institution(name="太原学院", district=xiaodian)
    file = csv_file(
        [HEADINGS, [record.pk, "太原师范学院", "大学", "140105"], ["", "甲大学", "大学", "140105"]]
    )

    preview = upload(logged_in(client, sun), Institution, file)

    assert problems(preview) == [
        (2, "编号", "You may not change existing records; leave 编号 empty to add.")
    ]
    assert institution_names() == ["太原学院"]


def test_editor_may_not_change_a_published_record_by_import_but_a_publisher_may(
    client, zhao, xiaodian
):
    """The permission policy decides, as in the admin: a published record is a publisher's."""
    publisher = staff("zhou_publisher", xiaodian, StaffRole.PUBLISHER)
    record = factories.make_institution(
        name="山西大学", district=xiaodian, state=PublicationState.PUBLISHED
    )
    file = csv_file([["编号", "名称"], [record.pk, "山西大学（新）"]])

    by_editor = upload(logged_in(client, zhao), Institution, file)
    file.seek(0)
    import_file(logged_in(client, publisher), Institution, file)

    assert problems(by_editor) == [
        (2, "编号", "This record is Published; only a publisher of its district may change it.")
    ]
    record.refresh_from_db()
    assert (record.name, record.state) == ("山西大学（新）", PublicationState.PUBLISHED)


def test_auditor_may_export_but_not_import(client, qian):
    logged_in(client, qian)

    export_page = client.get(admin_url(Institution, "export"))
    changelist = client.get(admin_url(Institution, "changelist"))

    assert client.get(admin_url(Institution, "import")).status_code == 403
    assert export_page.context["fields_list"][0][1][:3] == ["编号", "名称", "英文名称"]
    assert (
        changelist.context["has_import_permission"],
        changelist.context["has_export_permission"],
    ) == (False, True)


# --- Formats -------------------------------------------------------------------------------------


def test_csv_saved_by_excel_on_chinese_windows_is_read_as_gb18030(client, zhao, xiaodian):
    file = csv_file([HEADINGS, ["", "山西农业大学", "大学", "140105"]], encoding="gbk")

    import_file(logged_in(client, zhao), Institution, file)

    assert institution_names() == ["山西农业大学"]


def test_dates_keep_the_precision_the_sheet_gives(client, zhao, xiaodian):
    file = csv_file(
        [
            ["协议名称", "所属区县代码", "协议类型", "签订日期", "起始日期", "终止日期"],
            ["合作协议", "140105", "框架协议", "2019年3月", "2019", "2021-06-30"],
        ]
    )

    import_file(logged_in(client, zhao), Agreement, file)

    agreement = Agreement.objects.get()
    assert [
        (str(date.date), date.precision)
        for date in (agreement.signed, agreement.starts, agreement.ends)
    ] == [("2019-03-01", "month"), ("2019-01-01", "year"), ("2021-06-30", "day")]


def test_an_excel_date_cell_counts_to_the_precision_its_format_shows(client, zhao, xiaodian):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["协议名称", "所属区县代码", "协议类型", "签订日期", "起始日期"])
    sheet.append(
        ["合作协议", 140105, "框架协议", datetime.date(2019, 3, 1), datetime.date(2019, 4, 8)]
    )
    sheet["D2"].number_format = 'yyyy"年"m"月"'  # what Excel makes of "2019年3月" typed in
    buffer = io.BytesIO()
    book.save(buffer)

    import_file(
        logged_in(client, zhao), Agreement, SimpleUploadedFile("协议.xlsx", buffer.getvalue())
    )

    agreement = Agreement.objects.get()
    assert [(str(date.date), date.precision) for date in (agreement.signed, agreement.starts)] == [
        ("2019-03-01", "month"),
        ("2019-04-08", "day"),
    ]


# --- Export --------------------------------------------------------------------------------------


def test_export_escapes_formulas_and_writes_csv_with_a_bom(client, zhao, xiaodian):
    factories.make_institution(
        name='=HYPERLINK("http://evil")', description="@SUM(1)", district=xiaodian
    )
    logged_in(client, zhao)

    as_csv = export(client, Institution, "csv")
    as_xlsx = export(client, Institution, "xlsx")

    assert as_csv.content.startswith("\ufeff编号,名称".encode())
    csv_row = exported_rows(as_csv)[1]
    assert (csv_row[1], csv_row[12]) == ('\'=HYPERLINK("http://evil")', "'@SUM(1)")
    xlsx_row = exported_rows(as_xlsx)[1]
    assert (xlsx_row[1], xlsx_row[12]) == ('\'=HYPERLINK("http://evil")', "'@SUM(1)")


def test_export_holds_only_the_users_districts_and_the_lists_filters(
    client, zhao, xiaodian, other_district
):
    factories.make_institution(name="小店大学", district=xiaodian)
    college = factories.make_institution(
        name="小店学院", district=xiaodian, parent=Institution.objects.get(name="小店大学")
    )
    factories.make_institution(name="迎泽大学", district=other_district)
    logged_in(client, zhao)

    everything = exported_rows(export(client, Institution, "csv"))
    colleges = exported_rows(export(client, Institution, "xlsx", "?kind__exact=college"))

    assert sorted(row[1] for row in everything[1:]) == ["小店大学", "小店学院"]
    assert [row[:2] for row in colleges[1:]] == [[college.pk, "小店学院"]]
    assert [event["rows"] for event in export_events()] == [2, 1]


def export_events() -> list[dict]:
    return list(
        AuditEntry.objects.filter(action=AuditAction.EXPORT)
        .order_by("id")
        .values_list("detail", flat=True)
    )


def test_export_runs_the_same_queries_for_one_and_three_rows(client, zhao, xiaodian):
    logged_in(client, zhao)
    factories.make_enterprise(district=xiaodian, sector=factories.make_sector())
    with CaptureQueriesContext(connection) as one:
        export(client, Enterprise, "csv")
    for _ in range(2):
        factories.make_enterprise(district=xiaodian, sector=factories.make_sector())
    with CaptureQueriesContext(connection) as three:
        response = export(client, Enterprise, "csv")

    assert len(exported_rows(response)) == 4
    # The session and the user; the user's permissions (own, then their groups'); what the
    # admin reads for its district filter; ONE query for the rows, joined to their districts
    # and sectors (the code columns); the audit event; the session's save.
    assert len(three.captured_queries) == len(one.captured_queries)
    (rows_query,) = [
        query["sql"]
        for query in three.captured_queries
        if 'FROM "companies_enterprise"' in query["sql"]
    ]
    # The list's own joins (the incubator's name) come along; the code columns need these two.
    joined = set(re.findall(r'JOIN "(\w+)"', rows_query))
    assert joined >= {"companies_sector", "partnerships_district"}


# --- Round trip ----------------------------------------------------------------------------------


def registry_records(district):
    """One or two records of every importable kind, with every kind of cell filled."""
    source = factories.make_source(title="小店区校地合作纪实", url="https://example.cn/a")
    university = factories.make_institution(
        name="山西大学",
        name_en="Shanxi University",
        district=district,
        website="https://www.sxu.edu.cn",
        description="-- 校地合作 --",
        source=source,
        source_passage="山西大学与小店区签约。",
    )
    factories.make_institution(name="计算机学院", parent=university, district=district)
    framework = factories.make_agreement(district=district, title="框架协议", term_months=24)
    factories.make_agreement(part_of=framework, title="共建协议（二期）", phase_number=2)
    project = factories.make_project(
        district=district, agreement=framework, funding_yuan="1234.50", address="'=A1"
    )
    factories.make_enterprise(
        district=district, sector=factories.make_sector(), incubator=university
    )
    factories.make_outcome(project=project, source=source)
    factories.make_target(project=project, source=source, quantity_is_stated=True)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "model", [Institution, Agreement, Project, Enterprise, Outcome, Target], ids=str
)
def test_an_exported_list_imports_back_unchanged(client, zhao, xiaodian, model, file_format):
    registry_records(xiaodian)
    logged_in(client, zhao)
    exported = export(client, model, file_format)
    count = model.objects.count()

    preview = upload(client, model, SimpleUploadedFile(f"list.{file_format}", exported.content))

    assert problems(preview) == []
    assert (preview.context["created"], preview.context["changed"]) == (0, 0)
    assert preview.context["unchanged"] == count


def test_system_administrator_imports_sources(client, roles, xiaodian):
    wu = staff("wu", xiaodian, StaffRole.SYSTEM_ADMIN)
    factories.make_source(title="太原日报报道", published_on="2019-03-01")
    logged_in(client, wu)
    exported = export(client, Source, "xlsx")
    rows = exported_rows(exported)
    rows.append([None, "山西日报报道", "山西日报", "", "sxrb.cn/a", "2020年5月", ""])

    import_file(client, Source, xlsx_file(rows))

    assert sorted(Source.objects.values_list("title", "url", "published_on_precision")) == [
        ("太原日报报道", "", "month"),
        ("山西日报报道", "https://sxrb.cn/a", "month"),
    ]


def test_editor_adds_sources_but_may_not_change_shared_ones(client, zhao, xiaodian):
    shared = factories.make_source(title="太原日报报道")
    file = csv_file(
        [
            ["编号", "标题", "所属区县代码"],
            ["", "山西日报报道", "140105"],
            [shared.pk, "太原日报报道（更正）", ""],
            ["", "无区县的报道", ""],
        ]
    )

    preview = upload(logged_in(client, zhao), Source, file)

    assert problems(preview) == [
        (
            3,
            "编号",
            "Districts, sectors and sources are shared by every district; only a system "
            "administrator may change them (writers may add sources).",
        ),
        (4, "所属区县代码", "Choose the district you add the source for."),
    ]
    assert changes(preview) == [(2, "new")]
    assert list(Source.objects.values_list("title", flat=True)) == ["太原日报报道"]


def test_editor_corrects_her_districts_uncited_source_by_import(client, zhao, xiaodian):
    own = factories.make_source(title="山西日报报道", district=xiaodian)
    file = csv_file([["编号", "标题", "所属区县代码"], [own.pk, "山西日报报道（更正）", "140105"]])

    preview = upload(logged_in(client, zhao), Source, file)

    assert (problems(preview), changes(preview)) == ([], [(2, "update")])


# --- The documented templates --------------------------------------------------------------------


def test_docs_document_every_column_of_every_template():
    """docs/import.md has a table per entity whose first column lists its headings in order
    (after the table's own heading row and its separator)."""
    text = (Path(settings.BASE_DIR) / "docs" / "import.md").read_text()
    for model, columns in TEMPLATES.items():
        section = text.split(f"<!-- template: {model._meta.label_lower} -->")[1]
        table = section.split("\n\n")[1]
        documented = re.findall(r"^\| (\S+?) \|", table, re.MULTILINE)
        assert documented[2:] == list(columns.values()), model


# --- Large files ---------------------------------------------------------------------------------


def test_two_rows_of_one_file_with_one_unique_value_are_refused_in_the_preview(
    client, zhao, xiaodian
):
    """Rows are written in batches, so a row cannot find an earlier row of its file in the
    database: the file is checked against itself."""
    file = csv_file(
        [
            ["名称", "机构类型", "所属区县代码", "学校标识码"],
            ["山西大学", "大学", "140105", "4114010108"],
            ["太原学院", "大学", "140105", "4114010108"],
            ["山西大学", "大学", "140105", ""],
        ]
    )

    preview = upload(logged_in(client, zhao), Institution, file)

    assert problems(preview) == [
        (
            3,
            "学校标识码",
            "Another institution already has this school identification code. (the same as "
            "row 2 of this file)",
        ),
        (
            4,
            "名称",
            "An institution with this name already exists. (the same as row 2 of this file)",
        ),
    ]
    assert "confirm_form" not in preview.context
    assert institution_names() == []


def outcome_rows(count: int, project, source) -> list[list]:
    headings = ["所属区县代码", "成果类型", "统计内容", "数量", "单位", "限定词", "原文数字"]
    cited = ["increment", "2022", project.pk, source.pk, "培训人次。"]
    return [
        [*headings, "统计口径", "期间开始", "项目编号", "来源编号", "来源原文"],
        *(
            ["140105", "trainees", f"培训{n}", n + 1, "person_time", "exact", f"{n}人次", *cited]
            for n in range(count)
        ),
    ]


def import_queries(client, model, rows) -> tuple[int, int]:
    """Queries of the preview and of the confirmation of a file of `rows`, but the batched
    INSERTs (SQLite splits a batch by its limit on parameters, PostgreSQL does not)."""
    with CaptureQueriesContext(connection) as previewing:
        preview = upload(client, model, csv_file(rows))
    assert problems(preview) == []
    with CaptureQueriesContext(connection) as confirming:
        response = confirm(client, model, preview)
    assert response.status_code == 302
    return tuple(
        len([query for query in queries if not query["sql"].startswith("INSERT")])
        for queries in (previewing, confirming)
    )


@pytest.mark.parametrize("count", [10, 30])
def test_import_queries_do_not_grow_with_the_rows_that_name_the_same_records(
    client, zhao, xiaodian, count
):
    """References are looked up once per file and taken as found by full_clean(); constraints
    are decided without a query where Python can; rows are written in batches: a file of 30
    outcomes asks the database as often as one of 10."""
    project = factories.make_project(district=xiaodian)
    source = factories.make_source()
    client = logged_in(client, zhao)

    import_queries(client, Outcome, outcome_rows(1, project, source))  # warms Django's caches
    ten = import_queries(client, Outcome, outcome_rows(10, project, source))
    more = import_queries(client, Outcome, outcome_rows(count, project, source))

    assert more == ten
    assert Outcome.objects.count() == 1 + 10 + count


def test_preview_of_a_long_file_shows_its_first_rows_and_counts_the_rest(
    client, zhao, xiaodian, monkeypatch
):
    monkeypatch.setattr(spreadsheet_admin, "PREVIEW_ROWS", 2)
    rows = [["名称", "机构类型", "所属区县代码"]] + [
        [f"大学{n}", "大学", "140105"] for n in range(5)
    ]

    preview = upload(logged_in(client, zhao), Institution, csv_file(rows))

    assert changes(preview) == [(2, "new"), (3, "new")]
    assert (preview.context["created"], preview.context["more_changes"]) == (5, 3)
    assert "And 3 more rows, not shown." in preview.content.decode()


def test_a_record_changed_by_import_says_when_it_changed(client, zhao, xiaodian):
    """Rows are written in batches (bulk_update, which skips auto_now): updated_at still moves."""
    record = factories.make_institution(name="太原学院", district=xiaodian)
    before = Institution.objects.get(pk=record.pk).updated_at

    file = csv_file([["编号", "名称"], [record.pk, "太原师范学院"]])
    import_file(logged_in(client, zhao), Institution, file)

    record.refresh_from_db()
    assert record.name == "太原师范学院"
    assert record.updated_at > before
