"""A report made in the background: queued, its progress shown, then downloaded."""

import json

import pytest
from django.urls import reverse

from shanhai.accounts.models import User
from shanhai.core.models import AuditEvent
from shanhai.reports.models import ReportJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def request_report(client, django_capture_on_commit_callbacks):
    """POST the request and run what it queues once the transaction commits."""

    def post(pairing, fmt="json", **extra):
        url = reverse("reports:job-create", args=[pairing.code, 2023])
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, {"fmt": fmt, "from": "2021", **extra})

    return post


def test_a_queued_report_is_made_and_can_be_downloaded(client, songjiang, pairing, request_report):
    client.force_login(songjiang)

    response = request_report(pairing)

    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.status == ReportJob.Status.DONE  # the test settings run tasks at once
    assert job.progress == 100
    download = client.get(reverse("reports:job-file", args=[job.pk]))
    data = json.loads(b"".join(download.streaming_content))
    visits = {row["code"]: row for row in data["indicators"]}["A2"]
    assert visits["actual"] == "4"  # Weixin's principal leaders' four visits to Songjiang
    assert "attachment" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(action="reports.annual.requested").exists()


def test_the_progress_page_polls_only_while_the_job_runs(client, songjiang, pairing):
    client.force_login(songjiang)
    job = ReportJob.objects.create(
        pairing=pairing, year=2023, first_year=2021, fmt="pdf", requested_by=songjiang,
        status=ReportJob.Status.RUNNING, progress=60,
    )  # fmt: skip
    url = reverse("reports:job", args=[job.pk])

    running = client.get(url, headers={"HX-Request": "true"})
    job.status, job.progress = ReportJob.Status.DONE, 100
    job.save()
    done = client.get(url, headers={"HX-Request": "true"})

    assert b"<html" not in running.content  # only the partial is sent back
    assert b'hx-trigger="every 1s"' in running.content
    assert b'value="60"' in running.content
    assert b"hx-trigger" not in done.content


def test_someone_else_cannot_see_or_download_my_report(client, songjiang, pairing, request_report):
    client.force_login(songjiang)
    request_report(pairing)
    job = ReportJob.objects.get()
    client.force_login(User.objects.get(username="weixin"))

    assert client.get(reverse("reports:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:job-file", args=[job.pk])).status_code == 404


def test_a_bad_format_or_year_is_refused_and_nothing_is_queued(
    client, songjiang, pairing, request_report
):
    client.force_login(songjiang)

    assert request_report(pairing, fmt="docx").status_code == 400
    assert request_report(pairing, **{"from": "2030"}).status_code == 400
    assert not ReportJob.objects.exists()


def test_a_failed_job_says_so_and_keeps_the_error(
    client, songjiang, pairing, monkeypatch, request_report
):
    from shanhai.reports import services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "build_annual_report", broken)
    client.force_login(songjiang)

    request_report(pairing, fmt="pdf")

    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.FAILED
    assert "disk full" in job.error
    page = client.get(reverse("reports:job", args=[job.pk]))
    assert 'role="alert"' in page.content.decode()
    assert client.get(reverse("reports:job-file", args=[job.pk])).status_code == 404
