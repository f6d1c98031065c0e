import contextlib
import hashlib
import struct
import zipfile
from io import BytesIO

import filetype
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from shanhai.core.uploads import (
    ALLOWED_TYPES,
    DOC,
    DOCX,
    PPTX,
    XLS,
    XLSX,
    UploadRejected,
    check_upload,
    make_thumbnail,
    reencode_image,
)


@pytest.fixture(autouse=True)
def _english():
    """Compare against the English source messages; one test below checks the Chinese."""
    with translation.override("en"):
        yield


def test_a_refusal_is_explained_in_chinese_to_a_chinese_reader():
    renamed = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200)

    with translation.override("zh-hans"), pytest.raises(UploadRejected) as refused:
        check_upload(renamed)

    assert "“photo.jpg”不是允许的文件类型" in refused.value.messages[0]


ORIENTATION = 0x0112
GPS_IFD = 0x8825


def image_bytes(image_format="JPEG", size=(64, 48), mode="RGB", **save_options):
    output = BytesIO()
    Image.new(mode, size, "teal").save(output, image_format, **save_options)
    return output.getvalue()


def noisy_jpeg():
    """A photo-like JPEG, large enough that half of it still has a valid header."""
    output = BytesIO()
    Image.effect_noise((320, 240), 60).convert("RGB").save(output, "JPEG")
    return output.getvalue()


def exif_with_gps(orientation=1):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "Shanhai Camera"
    exif[GPS_IFD] = {1: "N", 2: (26.0, 34.0, 12.0), 3: "E", 4: (106.0, 42.0, 30.0)}
    return exif


def zip_bytes(entries):
    output = BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return output.getvalue()


def ooxml(main_part, *, extra=()):
    return zip_bytes([("[Content_Types].xml", "<Types/>"), *extra, (main_part, "<root/>")])


def ole_file(*stream_names):
    """Build an OLE compound file whose root holds *stream_names* (all empty).

    Sector 0 is the FAT and sectors 1–2 the directory: the layout of many real Office 97–2003
    files, and one that filetype's byte patterns take for Excel whatever the streams are.
    """
    free, end_of_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 44, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0, 0)
    struct.pack_into("<109I", header, 76, 0, *[free] * 108)
    fat = struct.pack("<128I", fat_sector, 2, end_of_chain, *[free] * 125)

    def entry(name, kind, right=no_stream, child=no_stream):
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBB3I", raw, 64, len(encoded), kind, 1, no_stream, right, child)
        struct.pack_into("<I", raw, 116, end_of_chain)
        return bytes(raw)

    entries = [entry("Root Entry", 5, child=1 if stream_names else no_stream)]
    for number, name in enumerate(stream_names, start=1):
        right = number + 1 if number < len(stream_names) else no_stream
        entries.append(entry(name, 2, right=right))
    directory = b"".join(entries).ljust(1024, b"\0")
    return bytes(header) + fat + directory


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def rejection_message(file, **options):
    with pytest.raises(UploadRejected) as caught:
        check_upload(file, **options)
    return caught.value.messages[0]


# check_upload: what is accepted


def test_a_real_jpeg_is_accepted_with_its_type_size_and_hash():
    content = image_bytes("JPEG")

    checked = check_upload(upload("photo.jpg", content, "image/jpeg"))

    assert checked.content_type == "image/jpeg"
    assert checked.extension == "jpg"
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.is_image


def test_a_real_png_is_accepted_as_an_image():
    checked = check_upload(upload("chart.png", image_bytes("PNG", mode="RGBA")))

    assert (checked.content_type, checked.extension, checked.is_image) == ("image/png", "png", True)


@pytest.mark.parametrize(
    ("image_format", "content_type"), [("GIF", "image/gif"), ("WEBP", "image/webp")]
)
def test_gif_and_webp_photos_are_accepted(image_format, content_type):
    assert check_upload(upload("photo", image_bytes(image_format))).content_type == content_type


def test_a_jpeg_named_png_is_accepted_as_a_jpeg_with_the_jpeg_extension():
    checked = check_upload(upload("photo.png", image_bytes("JPEG"), "image/png"))

    assert (checked.content_type, checked.extension) == ("image/jpeg", "jpg")


def test_a_minimal_pdf_is_accepted_and_is_not_an_image():
    content = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

    checked = check_upload(upload("minutes.pdf", content, "application/pdf"))

    assert (checked.content_type, checked.extension, checked.is_image) == (
        "application/pdf",
        "pdf",
        False,
    )


def test_a_word_document_is_accepted_as_docx():
    checked = check_upload(upload("agreement.docx", ooxml("word/document.xml")))

    assert (checked.content_type, checked.extension) == (DOCX, "docx")


def test_an_excel_workbook_is_accepted_as_xlsx():
    checked = check_upload(upload("funds.xlsx", ooxml("xl/workbook.xml")))

    assert (checked.content_type, checked.extension) == (XLSX, "xlsx")


def test_a_powerpoint_presentation_is_accepted_as_pptx():
    checked = check_upload(upload("briefing.pptx", ooxml("ppt/presentation.xml")))

    assert (checked.content_type, checked.extension) == (PPTX, "pptx")


def test_a_docx_that_filetype_calls_a_zip_is_recognised_by_its_parts():
    # A thumbnail stored before the document pushes word/ past the 8 KiB that filetype reads.
    thumbnail = hashlib.shake_256(b"incompressible").digest(10_000)
    content = ooxml("word/document.xml", extra=[("docProps/thumbnail.jpeg", thumbnail)])
    assert filetype.guess(content).mime == "application/zip"

    assert check_upload(upload("agreement.docx", content)).content_type == DOCX


def test_a_word_97_document_is_accepted_as_doc_even_though_filetype_calls_it_excel():
    content = ole_file("1Table", "WordDocument", "\x05SummaryInformation")
    assert filetype.guess(content).mime == XLS

    checked = check_upload(upload("report.doc", content))

    assert (checked.content_type, checked.extension) == (DOC, "doc")


def test_an_excel_97_workbook_is_accepted_as_xls():
    checked = check_upload(upload("funds.xls", ole_file("Workbook", "\x05SummaryInformation")))

    assert (checked.content_type, checked.extension) == (XLS, "xls")


# check_upload: what is refused, and what the message says


def test_a_refusal_is_a_validation_error_with_the_upload_rejected_code():
    with pytest.raises(ValidationError) as caught:
        check_upload(upload("empty.jpg", b""))

    assert caught.value.code == "upload_rejected"


def test_an_empty_file_is_refused():
    assert "“empty.jpg” is empty." in rejection_message(upload("empty.jpg", b""))


def test_a_file_over_the_size_limit_is_refused_with_the_limit_in_mb():
    file = upload("big.pdf", b"%PDF-1.4\n" + b" " * 600_000)

    message = rejection_message(file, max_bytes=500_000)

    assert "“big.pdf”" in message
    assert "0.5 MB" in message


def test_a_file_that_grows_past_its_declared_size_is_still_refused():
    file = upload("big.pdf", b"%PDF-1.4\n" + b" " * 2_000)
    file.size = 10  # the declared size is the client's word; the bytes counted are ours

    with pytest.raises(UploadRejected):
        check_upload(file, max_bytes=1_000)


def test_a_windows_program_named_jpg_is_refused_naming_the_file_and_what_it_is():
    message = rejection_message(upload("photo.jpg", b"MZ\x90\x00" + b"\0" * 200, "image/jpeg"))

    assert "“photo.jpg” is not an allowed file type (detected: EXE)" in message


def test_a_truncated_jpeg_is_refused_as_damaged():
    content = noisy_jpeg()
    damaged = content[: len(content) // 2] + b"\x13\x37" * 100

    message = rejection_message(upload("photo.jpg", damaged))

    assert "“photo.jpg” is damaged or incomplete" in message


def test_a_jpeg_header_with_nothing_after_it_is_refused():
    with pytest.raises(UploadRejected):
        check_upload(upload("photo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64))


@pytest.mark.parametrize(
    "content",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_an_svg_is_refused(content):
    assert "(detected: SVG)" in rejection_message(upload("logo.svg", content, "image/svg+xml"))


def test_an_html_page_is_refused():
    content = b"\xef\xbb\xbf<!DOCTYPE html><html><script>alert(1)</script></html>"

    assert "(detected: HTML)" in rejection_message(upload("photo.jpg", content, "image/jpeg"))


def test_text_of_no_known_kind_is_refused_without_guessing_what_it_is():
    message = rejection_message(upload("names.csv", "姓名,单位\n".encode()))

    assert message.startswith("“names.csv” is not an allowed file type. Allowed:")


def test_an_iphone_heic_photo_is_refused_as_heic():
    content = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 64

    assert "(detected: HEIC)" in rejection_message(upload("IMG_0001.HEIC", content))


def test_a_plain_zip_is_refused():
    content = zip_bytes([("photos/1.jpg", image_bytes())])

    assert "(detected: ZIP)" in rejection_message(upload("photos.zip", content))


def test_a_zip_whose_entry_names_fool_filetype_into_docx_is_refused():
    content = zip_bytes([("[Content_Types].xml", "<Types/>"), ("word/setup.exe", b"MZ")])
    assert filetype.guess(content).mime == DOCX

    assert "(detected: ZIP)" in rejection_message(upload("agreement.docx", content))


def test_a_word_document_with_macros_is_refused():
    content = ooxml("word/document.xml", extra=[("word/vbaProject.bin", b"\0")])

    message = rejection_message(upload("agreement.docx", content))

    assert "“agreement.docx” contains macros" in message


def test_a_word_97_document_with_macros_is_refused():
    content = ole_file("WordDocument", "1Table", "Macros")

    assert "contains macros" in rejection_message(upload("report.doc", content))


def test_an_ole_file_that_is_neither_word_nor_excel_is_refused():
    # An MSI installer is an OLE compound file too.
    content = ole_file("\u4840\u3b3f\u43f2", "\x05SummaryInformation")

    assert "(detected: OLE)" in rejection_message(upload("setup.doc", content))


def test_a_password_protected_office_file_is_refused_as_such():
    content = ole_file("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage")

    with pytest.raises(UploadRejected) as caught:
        check_upload(upload("funds.xlsx", content))

    assert caught.value.messages == [
        "“funds.xlsx” is protected by a password. Please remove it and upload the file again."
    ]
    assert caught.value.reason == "password"


def test_a_zip_claiming_a_zip_version_from_the_future_is_refused_as_damaged():
    content = bytearray(ooxml("xl/workbook.xml"))
    directory = content.rfind(b"PK\x01\x02")
    content[directory + 6] = 200  # "version needed to extract": 20.0

    message = rejection_message(upload("funds.xlsx", bytes(content)))

    assert "“funds.xlsx” is damaged or incomplete" in message


def test_a_damaged_ole_file_is_refused():
    content = ole_file("WordDocument")[:600]

    assert "is damaged or incomplete" in rejection_message(upload("report.doc", content))


@pytest.mark.parametrize("size", [(20, 10), (30, 30)], ids=["over-the-limit", "over-twice"])
def test_an_image_with_too_many_pixels_is_refused(monkeypatch, size):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)

    message = rejection_message(upload("bomb.png", image_bytes("PNG", size=size)))

    assert "“bomb.png” has too many pixels" in message


def test_a_long_file_name_is_shortened_in_the_message():
    message = rejection_message(upload("很长的文件名" * 30 + ".exe", b"MZ\x90\x00" + b"\0" * 64))

    assert "…" in message
    assert len(message) < 250


@pytest.mark.parametrize(
    ("name", "content"),
    [("photo.jpg", image_bytes("JPEG")), ("photo.jpg", b"MZ\x90\x00" + b"\0" * 64)],
    ids=["accepted", "refused"],
)
def test_the_file_is_rewound_after_checking(name, content):
    file = upload(name, content)
    file.read(3)

    with contextlib.suppress(UploadRejected):
        check_upload(file)

    assert file.tell() == 0


def test_every_allowed_type_has_a_plain_extension():
    assert all(extension.isalnum() and extension.islower() for extension in ALLOWED_TYPES.values())


# make_thumbnail


def test_a_thumbnail_is_a_jpeg_no_larger_than_the_size_on_its_longest_side():
    file = upload("photo.png", image_bytes("PNG", size=(1000, 400), mode="RGBA"))

    thumbnail = make_thumbnail(file, size=320)

    with Image.open(thumbnail) as image:
        assert image.format == "JPEG"
        assert image.size == (320, 128)


def test_a_thumbnail_is_turned_upright_by_the_exif_orientation():
    # Orientation 6: the camera was held upright, so a 200 × 100 sensor image is portrait.
    content = image_bytes("JPEG", size=(200, 100), exif=exif_with_gps(orientation=6))

    thumbnail = make_thumbnail(upload("photo.jpg", content), size=50)

    with Image.open(thumbnail) as image:
        assert image.size == (25, 50)


def test_a_thumbnail_leaves_the_file_rewound():
    file = upload("photo.jpg", image_bytes("JPEG"))

    make_thumbnail(file)

    assert file.tell() == 0


# reencode_image


def test_reencoding_a_jpeg_drops_its_exif_and_gps_and_keeps_it_a_jpeg():
    content = image_bytes("JPEG", exif=exif_with_gps())

    reencoded = reencode_image(upload("photo.jpg", content), "image/jpeg").read()

    with Image.open(BytesIO(reencoded)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"Shanhai Camera" not in reencoded


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_reencoding_keeps_the_format_and_drops_the_metadata(image_format, content_type):
    options = {"comment": b"Shanhai Camera"} if image_format == "GIF" else {"exif": exif_with_gps()}
    content = image_bytes(image_format, **options)

    reencoded = reencode_image(upload("picture", content), content_type).read()

    with Image.open(BytesIO(reencoded)) as image:
        assert image.format == image_format
        assert not image.getexif()
    assert b"Shanhai Camera" not in reencoded


def test_reencoding_turns_the_photo_upright_before_dropping_the_orientation():
    content = image_bytes("JPEG", size=(200, 100), exif=exif_with_gps(orientation=6))

    with Image.open(reencode_image(upload("photo.jpg", content), "image/jpeg")) as image:
        assert image.size == (100, 200)


def test_reencoding_drops_what_is_hidden_after_the_image():
    polyglot = image_bytes("PNG") + b"<html><script>alert(1)</script></html>"
    assert check_upload(upload("photo.png", polyglot)).content_type == "image/png"

    reencoded = reencode_image(upload("photo.png", polyglot), "image/png").read()

    assert b"<script>" not in reencoded


def test_reencoding_keeps_an_animated_gif_animated():
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    output = BytesIO()
    frames[0].save(output, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    reencoded = reencode_image(upload("wave.gif", output.getvalue()), "image/gif")

    with Image.open(reencoded) as image:
        assert getattr(image, "n_frames", 1) == 3


def test_reencoding_something_that_is_not_an_image_is_a_programming_error():
    with pytest.raises(ValueError, match="not an image type"):
        reencode_image(upload("minutes.pdf", b"%PDF-1.4\n"), "application/pdf")
