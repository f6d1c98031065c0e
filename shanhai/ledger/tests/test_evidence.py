"""Evidence files: checked by their content, stored under their hash, served only to readers."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from shanhai.core.uploads import UploadRejected
from shanhai.ledger.models import Evidence
from shanhai.ledger.services import attach_evidence, remove_evidence
from shanhai.ledger.tests.factories import (
    VisitFactory,
    jpeg_upload,
    pdf_upload,
    renamed_exe_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(tree, east_office):
    return VisitFactory.create(pairing=tree.county, recorded_by=east_office, title="调研麟凤镇")


def files_under(root):
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_photo_is_stored_with_its_hash_and_type(visit, east_office):
    photo = jpeg_upload()
    content = photo.read()
    photo.seek(0)

    evidence = attach_evidence(record=visit, file=photo, uploaded_by=east_office)

    evidence.refresh_from_db()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.content_type == "image/jpeg"
    assert evidence.extension == "jpg"
    assert evidence.original_name == "现场照片.jpg"
    assert evidence.size == len(content)
    assert evidence.uploaded_by == east_office


def test_a_photo_is_stored_in_the_media_folder_under_its_hash(visit, east_office, media_root):
    evidence = attach_evidence(record=visit, file=jpeg_upload(), uploaded_by=east_office)

    assert evidence.file.name == f"evidence/{evidence.sha256[:2]}/{evidence.sha256}.jpg"
    assert (media_root / evidence.file.name).is_file()


def test_a_photo_gets_a_thumbnail(visit, east_office, media_root):
    evidence = attach_evidence(record=visit, file=jpeg_upload(), uploaded_by=east_office)

    assert evidence.thumbnail
    assert (media_root / evidence.thumbnail.name).is_file()


def test_a_pdf_gets_no_thumbnail(visit, east_office):
    evidence = attach_evidence(record=visit, file=pdf_upload(), uploaded_by=east_office)

    assert evidence.content_type == "application/pdf"
    assert not evidence.thumbnail


def test_the_same_file_cannot_be_attached_twice_to_one_record(visit, east_office):
    attach_evidence(record=visit, file=jpeg_upload(), uploaded_by=east_office)

    with pytest.raises(ValidationError) as caught:
        attach_evidence(record=visit, file=jpeg_upload("再传一次.jpg"), uploaded_by=east_office)

    assert caught.value.code == "duplicate_evidence"
    assert Evidence.objects.count() == 1


def test_the_same_photo_attached_to_two_records_is_one_file_on_disk(
    tree, visit, east_office, media_root
):
    other = VisitFactory.create(pairing=tree.county, recorded_by=east_office)

    first = attach_evidence(record=visit, file=jpeg_upload(), uploaded_by=east_office)
    second = attach_evidence(record=other, file=jpeg_upload(), uploaded_by=east_office)

    assert first.file.name == second.file.name


def test_a_program_renamed_as_a_photo_is_rejected(visit, east_office):
    with pytest.raises(UploadRejected) as caught:
        attach_evidence(record=visit, file=renamed_exe_upload(), uploaded_by=east_office)

    assert caught.value.code == "upload_rejected"


def test_a_rejected_file_leaves_nothing_behind(visit, east_office, media_root):
    with pytest.raises(UploadRejected):
        attach_evidence(record=visit, file=renamed_exe_upload(), uploaded_by=east_office)

    assert Evidence.objects.count() == 0
    assert files_under(media_root) == []


def test_the_other_side_cannot_attach_evidence(visit, west_office, media_root):
    with pytest.raises(PermissionDenied):
        attach_evidence(record=visit, file=jpeg_upload(), uploaded_by=west_office)

    assert Evidence.objects.count() == 0
    assert files_under(media_root) == []


# Serving files --------------------------------------------------------------------------------


def file_url(evidence, variant="file"):
    return reverse("ledger:evidence-file", args=[evidence.pk, variant])


def test_a_reader_of_the_record_downloads_its_evidence(client, visit, east_office, west_office):
    evidence = attach_evidence(record=visit, file=pdf_upload(), uploaded_by=east_office)
    client.force_login(west_office)

    response = client.get(file_url(evidence))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_upload().read()


def test_someone_who_cannot_see_the_record_gets_not_found(client, visit, east_office, outsider):
    evidence = attach_evidence(record=visit, file=pdf_upload(), uploaded_by=east_office)
    client.force_login(outsider)

    response = client.get(file_url(evidence))

    assert response.status_code == 404


def test_a_pdf_is_served_as_an_attachment(client, visit, east_office):
    evidence = attach_evidence(record=visit, file=pdf_upload(), uploaded_by=east_office)
    client.force_login(east_office)

    response = client.get(file_url(evidence))

    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_photo_is_served_inline(client, visit, east_office):
    evidence = attach_evidence(record=visit, file=jpeg_upload(), uploaded_by=east_office)
    client.force_login(east_office)

    response = client.get(file_url(evidence))

    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "image/jpeg"


def test_a_photos_thumbnail_is_served_as_a_jpeg(client, visit, east_office):
    evidence = attach_evidence(record=visit, file=jpeg_upload(), uploaded_by=east_office)
    client.force_login(east_office)

    response = client.get(file_url(evidence, "thumb"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == evidence.thumbnail.open("rb").read()


def test_evidence_refused_after_the_checks_leaves_no_file_behind(visit, east_office, media_root):
    with pytest.raises(ValidationError):
        attach_evidence(
            record=visit, file=jpeg_upload(), uploaded_by=east_office, caption="很长的说明" * 50
        )

    assert Evidence.objects.count() == 0
    assert files_under(media_root) == []


# Removing -------------------------------------------------------------------------------------


def test_removing_evidence_keeps_its_name_and_hash_in_the_history(visit, east_office):
    evidence = attach_evidence(record=visit, file=pdf_upload(), uploaded_by=east_office)

    remove_evidence(evidence=evidence, removed_by=east_office)

    assert not Evidence.objects.exists()
    assert visit.changes.get().changes == {
        "evidence": [f"会议纪要.pdf ({evidence.sha256[:12]})", None]
    }


def test_the_other_side_cannot_remove_evidence(visit, east_office, west_office):
    evidence = attach_evidence(record=visit, file=pdf_upload(), uploaded_by=east_office)

    with pytest.raises(PermissionDenied):
        remove_evidence(evidence=evidence, removed_by=west_office)

    assert Evidence.objects.count() == 1


# Uploading through the record page ------------------------------------------------------------


def upload_url(record):
    return reverse("ledger:evidence-upload", args=[record.pk])


def test_the_recording_side_attaches_a_photo_on_the_record_page(client, visit, east_office):
    client.force_login(east_office)

    response = client.post(upload_url(visit), {"file": jpeg_upload(), "caption": "座谈现场"})

    assert response.status_code == 302
    assert visit.evidence.get().caption == "座谈现场"


def test_a_renamed_program_uploaded_on_the_record_page_is_refused_with_a_message(
    client, visit, east_office, media_root
):
    client.force_login(east_office)

    response = client.post(upload_url(visit), {"file": renamed_exe_upload()}, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert "照片.jpg" in messages[0]
    assert Evidence.objects.count() == 0
    assert files_under(media_root) == []


def test_the_other_side_gets_forbidden_from_the_upload_button(client, visit, west_office):
    client.force_login(west_office)

    response = client.post(upload_url(visit), {"file": jpeg_upload()})

    assert response.status_code == 403
    assert Evidence.objects.count() == 0
