"""The import pages: upload, preview, teach a column, commit; templates and exports to download."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from shanhai.accounts.models import Role, Side
from shanhai.imports.forms import _field_name
from shanhai.imports.models import ColumnMapping, ImportJob
from shanhai.imports.tests.sheets import xlsx
from shanhai.ledger.models import Visit
from shanhai.ledger.tests.factories import VisitFactory, person

pytestmark = pytest.mark.django_db

TITLE = "2023年松江区赴威信县考察情况统计表"
# Measured: session, user, the job, the navigation's import link, the pairing's two places.
# The preview's rows are in the job's JSON, so the count does not grow with the sheet.
JOB_PAGE_QUERIES = 6


@pytest.fixture(autouse=True)
def english():
    """Messages are checked as their English msgids, whatever the .po files say."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def viewer(tree):
    return person(tree.county, Role.VIEWER, Side.EAST, display_name="只读用户")


def messy_visits(*rows, header=("序号", "时间", "带队领导", "人数", "带队人单位")):
    """A visit sheet as an office keeps it: a merged title, a unit line, the header on row 3."""
    file = xlsx(
        [
            [TITLE],
            ["填报单位：松江区合作交流办", None, None, "填报日期：2023年12月"],
            list(header),
            *rows,
            ["合计", None, None, 20],
        ],
        merges=[(0, 0, 0, len(header) - 1, TITLE)],
        name="考察台账.xlsx",
    )
    return SimpleUploadedFile("考察台账.xlsx", file.read())


GOOD_ROWS = (
    [1, "2023年6月28日", "王书记", "12人", "松江区委"],
    [2, "2023.7.3", "李区长", 8, "松江区政府"],
)


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """POST a sheet to the upload page and run the check it queues."""

    def post(file, kind="visits", pairing="songjiang-weixin", mode="create"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("imports:upload"),
                {"kind": kind, "pairing": pairing, "mode": mode, "file": file},
            )

    return post


def job_url(job, name="imports:job"):
    return reverse(name, args=[job.pk])


# Upload, preview, mapping, commit --------------------------------------------------------------


def test_an_uploaded_sheet_is_checked_and_its_rows_shown_as_they_will_be_stored(
    client, east_office, upload
):
    client.force_login(east_office)

    response = upload(messy_visits(*GOOD_ROWS))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    assert job.status == ImportJob.Status.READY
    page = client.get(job_url(job)).content.decode()
    assert "王书记" in page
    assert "李区长" in page
    assert "2023年6月28日" in page  # dates as they will be stored
    assert "2023年7月3日" in page
    assert page.count('class="badge action-create"') == 2
    assert "合计" not in page.split('<table class="preview">')[1]  # the totals row is skipped
    assert 'name="commit"' in page
    assert "Read the sheet “Sheet1”." in page
    assert Visit.objects.count() == 0  # nothing is written before the commit


def test_an_unknown_header_is_offered_in_the_mapping_form(client, east_office, upload):
    client.force_login(east_office)
    upload(messy_visits(*GOOD_ROWS))
    job = ImportJob.objects.get()

    page = client.get(job_url(job)).content.decode()

    assert job.summary["unknown"] == ["带队人单位"]
    form = page.split('class="mapping-form"')[1].split("</form>")[0]
    assert reverse("imports:job-mapping", args=[job.pk]) in page
    assert f'name="{_field_name("带队人单位")}"' in form
    assert ">带队人单位" in form
    assert '<option value="leader_title">领导职务</option>' in form
    assert '<option value="" selected>Ignore this column</option>' in form
    assert 'value="leader_name"' not in form  # already filled by 带队领导


def test_mapping_a_header_saves_it_and_checks_the_sheet_again(
    client, east_office, upload, django_capture_on_commit_callbacks
):
    client.force_login(east_office)
    upload(messy_visits(*GOOD_ROWS))
    job = ImportJob.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            job_url(job, "imports:job-mapping"), {_field_name("带队人单位"): "leader_title"}
        )

    job.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    assert ColumnMapping.objects.get().column == "leader_title"
    assert job.status == ImportJob.Status.READY
    assert job.summary["unknown"] == []
    page = client.get(job_url(job)).content.decode()
    assert "→ 领导职务" in page  # the header as written, and the column it now fills
    assert "松江区委" in page
    assert 'class="mapping-form"' not in page


def test_the_same_column_cannot_be_given_twice(client, east_office, upload):
    client.force_login(east_office)
    upload(messy_visits(*GOOD_ROWS, header=("序号", "时间", "领队人", "人数", "带队人单位")))
    job = ImportJob.objects.get()

    response = client.post(
        job_url(job, "imports:job-mapping"),
        {_field_name("领队人"): "leader_title", _field_name("带队人单位"): "leader_title"},
    )

    assert response.status_code == 200
    assert "each column can be given once" in response.content.decode()
    assert not ColumnMapping.objects.exists()


def test_a_sheet_missing_a_required_column_is_mapped_and_then_ready(
    client, east_office, upload, django_capture_on_commit_callbacks
):
    client.force_login(east_office)
    upload(messy_visits(*GOOD_ROWS, header=("序号", "出发日", "带队领导", "人数", "单位")))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.UNUSABLE

    page = client.get(job_url(job)).content.decode()
    assert "Nothing was written" in page
    assert "Column “日期”: The sheet has no column “日期”" in page
    assert '<option value="occurred_on">日期*</option>' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            job_url(job, "imports:job-mapping"),
            {_field_name("出发日"): "occurred_on", _field_name("单位"): ""},
        )

    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY
    assert job.summary["accepted"] == 2


def test_committing_writes_the_records_and_shows_the_result(
    client, east_office, upload, django_capture_on_commit_callbacks
):
    client.force_login(east_office)
    upload(messy_visits(*GOOD_ROWS))
    job = ImportJob.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(job_url(job, "imports:job-commit"))

    job.refresh_from_db()
    assert response["Location"] == job_url(job)
    assert job.status == ImportJob.Status.DONE
    assert sorted(Visit.objects.values_list("leader_name", flat=True)) == ["李区长", "王书记"]
    assert Visit.objects.get(leader_name="王书记").occurred_on == date(2023, 6, 28)
    page = client.get(job_url(job)).content.decode()
    assert "2 new records, 0 updated." in page
    assert reverse("ledger:record-list", args=["visit"]) in page
    assert reverse("ledger:timeline", args=["songjiang-weixin"]) in page


def test_a_bad_date_is_shown_at_its_row_and_column_and_nothing_is_written(
    client, east_office, upload
):
    client.force_login(east_office)
    upload(messy_visits(GOOD_ROWS[0], [2, "2023年13月45日", "李区长", 8, "松江区政府"]))
    job = ImportJob.objects.get()

    page = client.get(job_url(job)).content.decode()
    committed = client.post(job_url(job, "imports:job-commit"), follow=True)

    assert job.status == ImportJob.Status.INVALID
    assert "Nothing was written: the sheet has 1 problem." in page
    assert "Row 5, column “时间”:" in page  # row numbers as the spreadsheet shows them
    assert 'class="short bad"' in page  # the cell itself is marked in the preview
    assert 'class="badge action-error"' in page
    assert 'name="commit"' not in page
    assert "Upload again" in page
    assert "Only a sheet checked without problems can be imported." in committed.content.decode()
    assert Visit.objects.count() == 0


def test_a_file_that_is_not_a_sheet_says_so(client, east_office, upload):
    client.force_login(east_office)

    upload(SimpleUploadedFile("照片.xlsx", b"\xff\xd8\xff\xe0 not a spreadsheet"))

    job = ImportJob.objects.get()
    page = client.get(job_url(job)).content.decode()
    assert job.status == ImportJob.Status.UNUSABLE
    assert "The file cannot be used as it is." in page
    assert "照片.xlsx" in page


# Progress ---------------------------------------------------------------------------------------


def running_job(user, tree, **fields):
    return ImportJob.objects.create(
        kind="visits",
        pairing=tree.county,
        file_name="考察台账.xlsx",
        sha256="0" * 64,
        created_by=user,
        **{"status": ImportJob.Status.CHECKING, "rows_read": 500, "rows_checked": 300, **fields},
    )


def test_the_progress_bar_is_polled_while_the_job_runs(client, tree, east_office):
    client.force_login(east_office)
    job = running_job(east_office, tree, summary={"rows": 1000})

    page = client.get(job_url(job)).content.decode()
    partial = client.get(job_url(job, "imports:job-status"), headers={"HX-Request": "true"})

    assert 'hx-trigger="every 1s"' in page
    assert job_url(job, "imports:job-status") in page
    assert "<html" not in partial.content.decode()
    assert '<progress max="1000" value="300"' in partial.content.decode()
    assert "500 rows read, 300 checked" in partial.content.decode()


def test_once_the_job_stops_the_page_is_reloaded(client, tree, east_office):
    client.force_login(east_office)
    job = running_job(east_office, tree, status=ImportJob.Status.READY)

    partial = client.get(job_url(job, "imports:job-status"), headers={"HX-Request": "true"})
    plain = client.get(job_url(job, "imports:job-status"))

    assert partial["HX-Refresh"] == "true"
    assert plain.status_code == 302
    assert plain["Location"] == job_url(job)


# Access -----------------------------------------------------------------------------------------


def test_another_persons_import_is_not_found(client, tree, east_office, outsider):
    job = running_job(east_office, tree, status=ImportJob.Status.READY)
    client.force_login(outsider)

    assert client.get(job_url(job)).status_code == 404
    assert client.get(job_url(job, "imports:job-status")).status_code == 404
    assert client.post(job_url(job, "imports:job-commit")).status_code == 404
    assert client.post(job_url(job, "imports:job-mapping")).status_code == 404


def test_a_viewer_cannot_upload(client, viewer):
    client.force_login(viewer)

    assert client.get(reverse("imports:upload")).status_code == 403
    response = client.post(
        reverse("imports:upload"),
        {"kind": "visits", "pairing": "songjiang-weixin", "mode": "create", "file": messy_visits()},
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_the_upload_page_offers_only_what_the_person_may_import(client, east_office):
    client.force_login(east_office)

    page = client.get(reverse("imports:upload")).content.decode()

    assert '<option value="visits"' in page
    assert '<option value="places"' not in page  # the registers are for administrators
    assert '<option value="songjiang-weixin"' in page
    assert '<option value="elsewhere"' not in page
    assert reverse("imports:template", args=["visits"]) in page


def test_a_pairing_one_may_not_record_in_is_refused(client, east_office, upload):
    client.force_login(east_office)

    response = upload(messy_visits(*GOOD_ROWS), pairing="elsewhere")

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_navigation_offers_imports_only_to_those_who_record(client, east_office, viewer):
    client.force_login(east_office)
    recorder_page = client.get(reverse("ledger:record-list", args=["visit"])).content.decode()
    client.force_login(viewer)
    viewer_page = client.get(reverse("ledger:record-list", args=["visit"])).content.decode()

    link = f'href="{reverse("imports:upload")}"'
    assert link in recorder_page
    assert link not in viewer_page


def test_the_job_page_needs_the_same_queries_however_many_rows(
    client, east_office, upload, django_assert_max_num_queries
):
    client.force_login(east_office)
    rows = [[n, f"2023年6月{n}日", f"领导{n}", n, "单位"] for n in range(1, 29)]
    upload(messy_visits(*rows))
    job = ImportJob.objects.get()
    assert job.summary["rows"] == 28

    with django_assert_max_num_queries(JOB_PAGE_QUERIES):
        response = client.get(job_url(job))

    assert response.content.decode().count('class="badge action-create"') == 28


# Downloads --------------------------------------------------------------------------------------


def test_the_template_is_an_xlsx_with_the_chinese_headers(client, east_office):
    client.force_login(east_office)

    response = client.get(reverse("imports:template", args=["visits"]))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename*=utf-8''{quote('互访考察-导入模板.xlsx')}" in disposition
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [cell.value for cell in book.worksheets[0][2]]
    assert headers[:3] == ["序号", "结对", "日期*"]
    assert "带队领导" in headers
    assert "人数" in headers


def test_an_unknown_kind_has_no_template(client, east_office):
    client.force_login(east_office)

    assert client.get(reverse("imports:template", args=["parades"])).status_code == 404


@pytest.fixture
def visits(tree, east_office, outsider):
    return [
        VisitFactory.create(
            pairing=tree.county,
            recorded_by=east_office,
            title="区委书记带队赴威信考察",
            occurred_on=date(2023, 4, 10),
            leader_name="王书记",
        ),
        VisitFactory.create(
            pairing=tree.town,
            recorded_by=east_office,
            title="新浜镇赴麟凤镇对接",
            occurred_on=date(2024, 3, 2),
        ),
        VisitFactory.create(
            pairing=tree.elsewhere,
            recorded_by=outsider,
            title="别处的考察",
            occurred_on=date(2023, 5, 1),
        ),
    ]


def export(client, fmt="csv", **params):
    response = client.get(reverse("imports:export", args=["visits", fmt]), params)
    return response, b"".join(response.streaming_content) if response.status_code == 200 else b""


def test_the_csv_export_has_the_headers_and_only_the_rows_one_may_see(client, east_office, visits):
    client.force_login(east_office)

    response, content = export(client)

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel and WPS read UTF-8
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert rows[0][:3] == ["序号", "结对", "日期*"]
    titles = [row[rows[0].index("标题")] for row in rows[1:]]
    assert sorted(titles) == ["区委书记带队赴威信考察", "新浜镇赴麟凤镇对接"]
    assert "2023年4月10日" in rows[1]


def test_the_export_keeps_the_pairing_and_year_asked_for(client, east_office, visits):
    client.force_login(east_office)

    _response, content = export(client, pairing="xinbang-linfeng")
    _response, by_year = export(client, year="2023")

    assert "新浜镇赴麟凤镇对接" in content.decode("utf-8-sig")
    assert "区委书记带队赴威信考察" not in content.decode("utf-8-sig")
    assert "区委书记带队赴威信考察" in by_year.decode("utf-8-sig")
    assert "新浜镇赴麟凤镇对接" not in by_year.decode("utf-8-sig")


def test_the_export_of_a_pairing_one_cannot_see_is_not_found(client, east_office, visits):
    client.force_login(east_office)

    response, _content = export(client, pairing="elsewhere")

    assert response.status_code == 404
    assert export(client, year="twenty")[0].status_code == 400
    assert client.get(reverse("imports:export", args=["visits", "pdf"])).status_code == 404


def test_the_excel_export_is_the_template_sheet_filled_in(client, east_office, visits):
    client.force_login(east_office)

    _response, content = export(client, fmt="xlsx", year="2023")

    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["A1"].value == "互访考察导出（2023年）"
    assert [c.value for c in sheet[2]][:3] == ["序号", "结对", "日期*"]
    assert sheet.max_row == 3  # title, header, the one visit of 2023 one may see


def test_the_ledger_list_and_the_timeline_link_to_the_exports(client, tree, east_office):
    client.force_login(east_office)

    listing = client.get(reverse("ledger:record-list", args=["visit"])).content.decode()
    timeline = client.get(
        reverse("ledger:timeline", args=[tree.county.code]),
        {"kind": "visit", "sub": "xinbang-linfeng"},
    ).content.decode()
    all_kinds = client.get(reverse("ledger:timeline", args=[tree.county.code])).content.decode()

    assert reverse("imports:export", args=["visits", "xlsx"]) in listing
    assert reverse("imports:export", args=["visits", "csv"]) in listing
    csv_url = reverse("imports:export", args=["visits", "csv"])
    assert f"{csv_url}?pairing=xinbang-linfeng" in timeline
    assert reverse("imports:export", args=["visits", "csv"]) not in all_kinds
