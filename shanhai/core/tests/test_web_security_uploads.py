"""Files uploaded on a record's page, end to end: judged by content, limited in size, photos
re-encoded without their GPS position, and nothing but a re-encoded photo ever shown inline.

The checks themselves are tested one by one in test_uploads.py and test_sheets.py; here each
goes through the page an office uses and the view that serves the file back.
"""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from shanhai.core.tests.test_uploads import exif_with_gps, image_bytes, ooxml
from shanhai.core.uploads import MAX_UPLOAD_BYTES, XLSX
from shanhai.ledger.models import Evidence
from shanhai.ledger.tests.conftest import east_office, media_root, tree  # noqa: F401
from shanhai.ledger.tests.factories import VisitFactory

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def visit(tree, east_office):  # noqa: F811 (fixtures from the ledger's conftest)
    return VisitFactory.create(pairing=tree.county, recorded_by=east_office, title="调研麟凤镇")


@pytest.fixture
def office(client, east_office, media_root):  # noqa: F811
    client.force_login(east_office)
    return client


def attach(client, visit, name: str, content: bytes):
    """Upload on the record's page; return the message the office reads there."""
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = client.post(
        reverse("ledger:evidence-upload", args=[visit.pk]),
        {"file": upload, "caption": ""},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    return " ".join(str(message) for message in response.context["messages"])


def served(client, evidence: Evidence):
    return client.get(reverse("ledger:evidence-file", args=[evidence.pk, "file"]))


def test_a_photo_with_a_gps_position_is_served_without_it(office, visit):
    photo = image_bytes("JPEG", size=(320, 240), exif=exif_with_gps())
    with Image.open(BytesIO(photo)) as original:
        assert original.getexif().get_ifd(0x8825)  # the camera wrote where it was taken

    attach(office, visit, "现场.jpg", photo)
    response = served(office, Evidence.objects.get())
    content = b"".join(response.streaming_content)

    with Image.open(BytesIO(content)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()  # no EXIF at all, so no GPS
    assert b"Shanhai Camera" not in content
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content", "detected"),
    [
        ("logo.svg", SVG, "SVG"),
        ("logo.png", SVG, "SVG"),
        ("report.html", HTML, "HTML"),
        ("photo.jpg", HTML, "HTML"),
    ],
)
def test_svg_and_html_are_refused_whatever_their_name(
    office,
    visit,
    media_root,  # noqa: F811
    name,
    content,
    detected,
):
    message = attach(office, visit, name, content)

    assert f"“{name}” is not an allowed file type (detected: {detected})." in message
    assert not Evidence.objects.exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_a_workbook_named_png_is_kept_as_a_workbook_and_only_ever_downloaded(office, visit):
    workbook = ooxml("xl/workbook.xml")

    attach(office, visit, "照片.png", workbook)
    evidence = Evidence.objects.get()
    response = served(office, evidence)

    assert (evidence.content_type, evidence.extension) == (XLSX, "xlsx")
    assert str(evidence.file.name).endswith(".xlsx")  # stored under the sniffed type, not the name
    assert not evidence.thumbnail
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == XLSX
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_png_named_xlsx_is_kept_as_a_photo(office, visit):
    attach(office, visit, "台账.xlsx", image_bytes("PNG"))
    evidence = Evidence.objects.get()

    assert (evidence.content_type, evidence.extension) == ("image/png", "png")
    assert served(office, evidence)["Content-Type"] == "image/png"


def test_a_file_over_the_limit_is_refused_with_the_limit_on_the_page(office, visit):
    too_large = b"%PDF-1.4\n" + b"0" * MAX_UPLOAD_BYTES

    message = attach(office, visit, "会议纪要.pdf", too_large)

    assert message == "“会议纪要.pdf” is too large: a file may be at most 20 MB."
    assert not Evidence.objects.exists()
