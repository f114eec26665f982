"""Time a 5,000-row spreadsheet import, preview and confirm, of each template.

Run on a scratch database (it adds 5,000 records per template and keeps them):

    DATABASE_URL=postgres://…/scratch .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/import_times.py [rows] [template…]

Each file is generated valid (new records of 小店区 140105, a unique name per row), uploaded on
the admin's import page (the preview) and confirmed, through the real admin views with the test
client, logged in as a system administrator of 140105. It prints, per step, the wall-clock
seconds, the CPU seconds of this process (less sensitive to other load on the machine) and the
number of queries.
`--profile` writes a cProfile of each step to <tmp>/import_<template>_<step>.prof.
"""

import cProfile
import csv
import io
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from companies.models import Enterprise  # noqa: E402
from outcomes.models import Outcome, Target  # noqa: E402
from partnerships import services  # noqa: E402
from partnerships.choices import PublicationState, StaffRole  # noqa: E402
from partnerships.models import (  # noqa: E402
    Agreement,
    District,
    Institution,
    Project,
    Source,
)

DISTRICT = "140105"


def context() -> dict:
    """The records every file refers to: a source and a published project of 140105."""
    district = District.objects.get(code=DISTRICT)
    source = Source.objects.first() or Source.objects.create(title="基准测试来源")
    project = Project.objects.filter(district=district, state=PublicationState.PUBLISHED).first()
    if project is None:
        project = Project.objects.create(
            title="基准测试项目", district=district, state=PublicationState.PUBLISHED
        )
    return {"source": source.pk, "project": project.pk}


def rows_of(template: str, count: int, refs: dict) -> list[list]:
    run = uuid.uuid4().hex[:6]
    cite = [str(refs["source"]), "据报道。"]
    project = str(refs["project"])
    if template == "source":
        return [["标题", "发布机构", "发布日期"]] + [
            [f"来源{run}-{n}", "太原日报", "2023-05"] for n in range(count)
        ]
    if template == "institution":
        return [["名称", "机构类型", "所属区县代码", "所在地", "来源编号", "来源原文"]] + [
            [f"机构{run}-{n}", "大学", DISTRICT, "太原市", *cite] for n in range(count)
        ]
    if template == "agreement":
        return [["协议名称", "所属区县代码", "协议类型", "签订日期", "来源编号", "来源原文"]] + [
            [f"协议{run}-{n}", DISTRICT, "框架协议", "2019-03", *cite] for n in range(count)
        ]
    if template == "project":
        return [
            ["项目名称", "所属区县代码", "项目类型", "领域", "开始日期", "来源编号", "来源原文"]
        ] + [
            [f"项目{run}-{n}", DISTRICT, "base_platform", "big_data_it", "2019-03", *cite]
            for n in range(count)
        ]
    if template == "enterprise":
        return [["企业名称", "所属区县代码", "成立日期", "来源编号", "来源原文"]] + [
            [f"企业{run}-{n}", DISTRICT, "2020", *cite] for n in range(count)
        ]
    heading = ["所属区县代码", "统计内容", "数量", "单位", "限定词", "原文数字", "项目编号"]
    if template == "outcome":
        return [[*heading, "成果类型", "统计口径", "期间开始", "来源编号", "来源原文"]] + [
            [
                DISTRICT,
                f"培训{run}-{n}",
                n + 1,
                "person_time",
                "exact",
                f"{n + 1}人次",
                project,
                "trainees",
                "increment",
                "2022",
                *cite,
            ]
            for n in range(count)
        ]
    if template == "target":
        return [[*heading, "指标类型", "来源编号", "来源原文"]] + [
            [
                DISTRICT,
                f"目标{run}-{n}",
                n + 1,
                "person_time",
                "exact",
                f"{n + 1}人次",
                project,
                "trainees",
                *cite,
            ]
            for n in range(count)
        ]
    raise SystemExit(f"unknown template {template}")


MODELS = {
    "source": Source,
    "institution": Institution,
    "agreement": Agreement,
    "project": Project,
    "enterprise": Enterprise,
    "outcome": Outcome,
    "target": Target,
}


def csv_upload(rows) -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile("bench.csv", buffer.getvalue().encode("utf-8-sig"))


def timed(step: str, template: str, profile: bool, send):
    """The response, wall-clock and CPU seconds of this process, and the number of queries."""
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    profiler = cProfile.Profile() if profile else None
    with connection.execute_wrapper(count):
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        response = send()
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profiler:
        profiler.dump_stats(Path(tempfile.gettempdir()) / f"import_{template}_{step}.prof")
    return response, (seconds, cpu, queries)


def run(client: Client, template: str, count: int, refs: dict, profile: bool) -> None:
    model = MODELS[template]
    opts = model._meta
    before = model.objects.count()
    rows = rows_of(template, count, refs)
    import_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
    data = {"import_file": csv_upload(rows), "resource": "", "format": ""}
    preview, previewed = timed("preview", template, profile, lambda: client.post(import_url, data))
    page = preview.context or {}
    problems = page.get("problems")
    if preview.status_code != 200 or problems or "confirm_form" not in page:
        errors = page["form"].errors if "form" in page else preview.status_code
        raise SystemExit(f"{template}: preview failed: {problems[:3] if problems else errors}")
    form = preview.context["confirm_form"]
    confirm_data = {name: form.initial.get(name, "") for name in form.fields}
    confirm_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_process_import")
    confirmed, confirmed_in = timed(
        "confirm", template, profile, lambda: client.post(confirm_url, confirm_data)
    )
    written = model.objects.count() - before
    if confirmed.status_code != 302 or written != count:
        raise SystemExit(f"{template}: confirm failed ({confirmed.status_code}, {written} rows)")
    cells = " ".join(f"{s:10.1f} {cpu:10.1f} {q:10d}" for s, cpu, q in (previewed, confirmed_in))
    print(f"{template:12} {count:6d} {cells}", flush=True)


def main() -> None:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    profile = "--profile" in sys.argv
    count = int(args[0]) if args else settings.IMPORT_MAX_ROWS
    templates = args[1:] or list(MODELS)
    # The test client then gives each response its template context (the preview's errors).
    setup_test_environment()
    # Pages render without `collectstatic`'s manifest.
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    call_command("setup_roles", stdout=io.StringIO())
    district, _created = District.objects.get_or_create(code=DISTRICT, defaults={"name": "小店区"})
    user, created = User.objects.get_or_create(username="bench-import", defaults={"is_staff": True})
    if created:
        services.staff_role_assign(user, district=district, role=StaffRole.SYSTEM_ADMIN)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    refs = context()
    print(f"database: {connection.vendor}; {count} rows per file")
    columns = ("preview s", "cpu s", "queries", "confirm s", "cpu s", "queries")
    print(f"{'template':12} {'rows':>6} " + " ".join(f"{column:>10}" for column in columns))
    for template in templates:
        run(client, template, count, refs, profile)


if __name__ == "__main__":
    main()
