"""Downloading the report from the site, and writing it from the command line."""

import io
import json
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def url(code, year, fmt):
    return reverse("reports:annual", args=[code, year, fmt])


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
        ("json", "application/json", b"{"),
    ],
)
def test_the_report_downloads_in_each_format(client, songjiang, fmt, content_type, magic):
    client.force_login(songjiang)

    response = client.get(url("songjiang-weixin", 2023, fmt), {"from": 2021})

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    filename = f"松江区↔威信县东西部协作年度报告（2021—2023年）.{fmt}"
    assert f"filename*=utf-8''{quote(filename)}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(magic)


def test_the_json_download_counts_the_span_asked_for(client, songjiang):
    client.force_login(songjiang)

    both = json.loads(b"".join(client.get(url("songjiang-weixin", 2023, "json"), {"from": 2021})))
    alone = json.loads(b"".join(client.get(url("songjiang-weixin", 2023, "json"))))

    a2 = {item["code"]: item["actual"] for item in both["indicators"]}["A2"]
    assert (a2, {i["code"]: i["actual"] for i in alone["indicators"]}["A2"]) == ("4", "1")


def test_a_pairing_the_user_cannot_see_is_not_found(client, songjiang):
    client.force_login(songjiang)

    assert client.get(url("shanghai-yunnan", 2023, "json")).status_code == 404
    assert client.get(url("no-such-pairing", 2023, "json")).status_code == 404


def test_an_unknown_format_or_a_bad_first_year_is_refused(client, songjiang):
    client.force_login(songjiang)

    assert client.get(url("songjiang-weixin", 2023, "docx")).status_code == 404
    assert client.get(url("songjiang-weixin", 2023, "json"), {"from": 2024}).status_code == 400
    assert client.get(url("songjiang-weixin", 2023, "json"), {"from": "x"}).status_code == 400


def test_signing_in_is_required(client, demo):
    response = client.get(url("songjiang-weixin", 2023, "json"))

    assert response.status_code == 302


def test_the_progress_page_links_to_the_downloads(client, songjiang):
    client.force_login(songjiang)

    page = client.get(reverse("indicators:progress", args=["songjiang-weixin"]), {"year": 2023})

    assert url("songjiang-weixin", 2023, "xlsx") in page.content.decode()


def test_the_command_writes_a_workbook(songjiang, tmp_path):
    target = tmp_path / "report.xlsx"

    call_command(
        "report", "annual", "--pairing", "songjiang-weixin", "--year", "2023",
        "--from-year", "2021", "-o", str(target), "--user", "songjiang", stderr=io.StringIO(),
    )  # fmt: skip

    assert target.read_bytes().startswith(b"PK")


def test_the_command_writes_json_to_stdout_as_the_first_superuser(demo):
    out = io.StringIO()

    call_command(
        "report", "annual", "--pairing", "songjiang-weixin", "--year", "2023",
        "--from-year", "2021", "--format", "json", "-o", "-", stdout=out,
    )  # fmt: skip

    data = json.loads(out.getvalue())
    assert {i["code"]: i["actual"] for i in data["indicators"]}["A1"] == "3"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pairing", "no-such-pairing", "-o", "x.json"], "no-such-pairing"),
        (["--pairing", "songjiang-weixin", "-o", "x.docx"], "docx"),
        (["--pairing", "songjiang-weixin", "-o", "x.json", "--user", "nobody"], "nobody"),
        (["--pairing", "shanghai-yunnan", "-o", "x.json", "--user", "songjiang"], "songjiang"),
    ],
)
def test_the_command_refuses_what_it_cannot_find(demo, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report", "annual", "--year", "2023", *args)
