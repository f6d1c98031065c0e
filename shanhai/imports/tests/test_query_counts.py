"""The import pages read the same number of queries with 2 rows as with 12 (issue 9): the list
of a person's recent imports, and a job's preview of every row of its sheet."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanhai.imports.models import ImportJob
from shanhai.imports.tests.sheets import xlsx
from shanhai.imports.views import RECENT_JOBS

pytestmark = pytest.mark.django_db

KINDS = ["visits", "meetings", "donations", "trainings"]


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_of_recent_imports_reads_the_same_queries_however_many(
    client, tree, east_office, django_assert_num_queries, rows
):
    for n in range(rows):
        ImportJob.objects.create(
            kind=KINDS[n % len(KINDS)],
            pairing=tree.town if n % 2 else tree.county,
            file=f"imports/2023/06/sheet-{n}.xlsx",
            file_name=f"台账{n:02d}.xlsx",
            sha256=f"{n:064x}",
            status=list(ImportJob.Status)[n % len(ImportJob.Status)],
            summary={"rows": n + 1},
            created_by=east_office,
        )
    client.force_login(east_office)

    # session, user, may record somewhere, the form's pairings (grants, pairings), the jobs
    with django_assert_num_queries(6):
        response = client.get(reverse("imports:upload"))

    assert response.status_code == 200
    shown = [n for n in range(rows) if f"台账{n:02d}.xlsx" in response.text]
    assert shown == list(range(rows))[-RECENT_JOBS:]  # the newest


@pytest.mark.parametrize("rows", [2, 12])
def test_a_jobs_preview_reads_the_same_queries_however_many_rows(
    client, east_office, django_capture_on_commit_callbacks, django_assert_num_queries, rows
):
    sheet: list[list[object]] = [
        ["序号", "时间", "带队领导", "人数", "带队人单位"],
        *([n, f"2023年6月{n}日", f"领导{n:02d}", n, "松江区委"] for n in range(1, rows + 1)),
    ]
    client.force_login(east_office)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("imports:upload"),
            {
                "kind": "visits",
                "pairing": "songjiang-weixin",
                "mode": "create",
                "file": SimpleUploadedFile(
                    "考察台账.xlsx", xlsx(sheet, name="考察台账.xlsx").read()
                ),
            },
        )
    job = ImportJob.objects.get()

    # session, user, the job with its pairing's places, and one for the navigation: the
    # preview's rows are in the job's JSON, so none is read per row
    with django_assert_num_queries(4):
        response = client.get(reverse("imports:job", args=[job.pk]))

    assert response.status_code == 200
    assert response.text.count('class="badge action-create"') == rows
    for n in range(1, rows + 1):
        assert f"领导{n:02d}" in response.text
