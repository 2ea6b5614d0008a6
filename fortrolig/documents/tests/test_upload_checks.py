"""P-29: uploads are checked by content, not by name; refused files leave nothing behind."""

import io
import time

import pytest
from django.utils import translation
from PIL import Image

from fortrolig.documents import checks, services
from fortrolig.documents.errors import MESSAGES, UploadRefused
from fortrolig.documents.models import Document, ExtractionStatus
from fortrolig.documents.tests import corpus
from fortrolig.documents.tests.conftest import audit_count, stored_files, text_of

# (name of the corpus file, what it is called when uploaded, the reason it is refused)
HOSTILE = [
    ("elf_stub", "cv.pdf", checks.EXECUTABLE),
    ("pe_stub", "cv.docx", checks.EXECUTABLE),
    ("macho_stub", "cv.pdf", checks.EXECUTABLE),
    ("java_class", "attest.pdf", checks.EXECUTABLE),
    ("jar_bytes", "cv.docx", checks.EXECUTABLE),
    ("shell_script", "cv.pdf", checks.EXECUTABLE),
    ("batch_script", "cv.txt", checks.EXECUTABLE),
    ("powershell_script", "cv.txt", checks.EXECUTABLE),
    ("html_with_script", "cv.txt", checks.EXECUTABLE),
    ("svg_with_script", "bilde.png", checks.EXECUTABLE),
    ("docx_with_exe", "cv.docx", checks.EXECUTABLE),
    ("docx_with_macros", "cv.docx", checks.ACTIVE_CONTENT),
    ("docx_with_dde", "cv.docx", checks.ACTIVE_CONTENT),
    ("odt_with_macros", "cv.odt", checks.ACTIVE_CONTENT),
    ("rtf_with_object", "cv.rtf", checks.ACTIVE_CONTENT),
    ("pdf_with_javascript", "cv.pdf", checks.ACTIVE_CONTENT),
    ("pdf_with_hidden_javascript", "cv.pdf", checks.ACTIVE_CONTENT),
    ("pdf_with_launch", "cv.pdf", checks.ACTIVE_CONTENT),
    ("pdf_with_attachment", "cv.pdf", checks.ACTIVE_CONTENT),
    ("pdf_encrypted", "cv.pdf", checks.ENCRYPTED),
    ("docx_encrypted_ole", "cv.docx", checks.ENCRYPTED),
    ("docx_encrypted_entries", "cv.docx", checks.ENCRYPTED),
    ("zip_encrypted", "cv.zip", checks.ENCRYPTED),
    ("odt_encrypted", "cv.odt", checks.ENCRYPTED),
    ("docx_zip_bomb", "cv.docx", checks.BOMB),
    ("docx_with_nested_zip", "cv.docx", checks.BOMB),
    ("docx_with_many_entries", "cv.docx", checks.BOMB),
    ("zip_nested", "cv.zip", checks.BOMB),
    ("pdf_with_zip", "cv.pdf", checks.POLYGLOT),
    ("pdf_with_encrypted_zip", "cv.pdf", checks.POLYGLOT),
    ("prefix_then_pdf", "cv.pdf", checks.POLYGLOT),
    ("jpeg_with_zip", "bilde.jpg", checks.POLYGLOT),
    ("jpeg_with_pdf", "bilde.jpg", checks.POLYGLOT),
    ("png_with_trailing_data", "bilde.png", checks.POLYGLOT),
    ("pdf_truncated", "cv.pdf", checks.MALFORMED),
    ("docx_zip_bomb_lying", "cv.docx", checks.MALFORMED),
    ("rtf_truncated", "cv.rtf", checks.MALFORMED),
    ("jpeg_truncated", "bilde.jpg", checks.MALFORMED),
    ("png_broken", "bilde.png", checks.MALFORMED),
    ("png_pixel_bomb", "bilde.png", checks.TOO_MANY_PIXELS),
    ("legacy_doc", "cv.doc", checks.LEGACY_OFFICE),
    ("text_utf16", "cv.txt", checks.UNSUPPORTED),
    ("text_with_controls", "cv.txt", checks.UNSUPPORTED),
    ("gzip_bytes", "cv.pdf", checks.ARCHIVE),
]


def _refused(upload, content: bytes, filename: str) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        upload(content, filename)
    return caught.value


@pytest.mark.parametrize(("factory", "filename", "reason"), HOSTILE)
def test_p29_hostile_file_is_refused_with_its_reason_and_nothing_is_stored(
    agency, candidate, upload, media_root, search_calls, factory, filename, reason
):
    content = getattr(corpus, factory)()
    events_before = audit_count(agency)
    search_calls.clear()

    refused = _refused(upload, content, filename)

    assert refused.reason == reason
    assert refused.code == f"upload_{reason}"
    assert not Document.objects.exists()
    assert stored_files(media_root) == []
    assert audit_count(agency) == events_before
    assert search_calls == []


def test_p29_a_file_over_the_size_limit_is_refused_before_it_is_read(
    agency, upload, media_root, monkeypatch
):
    def never(**kwargs):
        raise AssertionError("an oversized file must not reach the parsers")

    monkeypatch.setattr(services, "sandbox_run", never)
    content = corpus.text_utf8() + b"a" * services.DEFAULT_MAX_BYTES
    events_before = audit_count(agency)

    refused = _refused(upload, content, "cv.txt")

    assert refused.reason == checks.TOO_LARGE
    with translation.override("en"):
        assert "20 MB" in str(refused.message)
    assert not Document.objects.exists()
    assert stored_files(media_root) == []
    assert audit_count(agency) == events_before


def test_p29_the_size_limit_is_a_setting(upload, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(UploadRefused) as caught:
        upload(b"a" * (1024 * 1024 + 1), "notat.txt")
    assert caught.value.reason == checks.TOO_LARGE
    with translation.override("nb"):
        assert "1 MB" in str(caught.value.message)


def test_p29_an_empty_file_is_refused(upload):
    assert _refused(upload, b"", "cv.pdf").reason == checks.EMPTY


def test_p29_a_check_that_runs_out_of_time_refuses_the_file(upload, settings, monkeypatch):
    from fortrolig.documents import sandbox

    monkeypatch.setattr(sandbox, "CHILD", sandbox.CHILD.with_name("no_such_child.py"))
    # A child that cannot even start answers nothing: the upload is refused, never let in.
    assert _refused(upload, corpus.pdf_bytes(), "cv.pdf").reason == checks.TOO_COMPLEX


def test_p29_every_reason_has_a_translated_message_that_says_what_to_do():
    for reason in checks.REASONS:
        with translation.override("en"):
            english = str(UploadRefused(reason, limit="20").message)
        with translation.override("nb"):
            norwegian = str(UploadRefused(reason, limit="20").message)
        assert english and norwegian
        assert english != norwegian, f"no bokmål message for {reason}"
        assert reason in MESSAGES


def test_p29_refusal_message_for_a_program_says_what_is_accepted(upload):
    refused = _refused(upload, corpus.shell_script(), "cv.pdf")
    with translation.override("nb"):
        message = str(refused.message)
    assert "program" in message
    assert "PDF" in message and "DOCX" in message


GOOD = [
    ("pdf_bytes", "CV Kari.pdf", "application/pdf", "CV Kari.pdf"),
    ("pdf_with_open_page", "cv.pdf", "application/pdf", "cv.pdf"),
    (
        "docx_bytes",
        "cv.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "cv.docx",
    ),
    ("odt_bytes", "cv.odt", "application/vnd.oasis.opendocument.text", "cv.odt"),
    ("rtf_bytes", "cv.rtf", "application/rtf", "cv.rtf"),
    ("text_utf8", "cv.txt", "text/plain; charset=utf-8", "cv.txt"),
    ("text_latin1", "cv", "text/plain; charset=windows-1252", "cv.txt"),
]


@pytest.mark.parametrize(("factory", "filename", "content_type", "stored_name"), GOOD)
def test_p29_good_documents_are_accepted_and_their_text_extracted(
    agency,
    candidate,
    upload,
    search_calls,
    django_capture_on_commit_callbacks,
    factory,
    filename,
    content_type,
    stored_name,
):
    content = getattr(corpus, factory)()
    with django_capture_on_commit_callbacks(execute=True):
        document = upload(content, filename)

    document.refresh_from_db()
    assert document.content_type == content_type
    assert document.filename == stored_name
    assert document.size == len(content)
    assert document.extraction_status == ExtractionStatus.DONE
    if factory != "pdf_with_open_page":
        assert corpus.SEARCH_PHRASE in text_of(document)
        assert "pålitelig" in text_of(document)
    # Once for the upload, once for the extracted text.
    assert search_calls == [candidate.id, candidate.id]


def test_p29_the_name_does_not_decide_the_type(upload):
    document = upload(corpus.pdf_bytes(), "cv.exe")
    assert document.content_type == "application/pdf"
    assert document.filename == "cv.pdf"
    document = upload(corpus.docx_bytes(), "Kari.Nordmann CV")
    assert document.filename == "Kari.Nordmann CV.docx"


def test_p29_file_names_lose_paths_and_direction_tricks(upload):
    document = upload(corpus.pdf_bytes(), "C:\\Users\\kari\\cv\u202efdp.exe")
    assert document.filename == "cvfdp.pdf"
    document = upload(corpus.pdf_bytes(), "../../etc/passwd")
    assert document.filename == "passwd.pdf"
    document = upload(corpus.pdf_bytes(), "...")
    assert document.filename == "document.pdf"


def _stored_image(document) -> bytes:
    from fortrolig.core.vault import vault_read

    return vault_read(name=document.blob_name)


def test_p29_images_are_stored_without_exif_and_gps(upload):
    original = corpus.jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(0x8825), "the sample must carry GPS to begin with"

    document = upload(original, "bilde.jpg")

    stored = _stored_image(document)
    assert document.content_type == "image/jpeg"
    assert document.extraction_status == ExtractionStatus.NOT_APPLICABLE
    assert document.size == len(stored)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (64, 48)
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)
        assert "exif" not in image.info
        assert "comment" not in image.info
    assert b"Exif" not in stored
    assert b"Fiktiv Kamera" not in stored
    assert b"Kari Nordmann" not in stored
    assert b"xmpmeta" not in stored


def test_p29_an_image_is_turned_upright_before_its_orientation_is_dropped(upload):
    document = upload(corpus.jpeg_rotated(), "bilde.jpg")
    with Image.open(io.BytesIO(_stored_image(document))) as image:
        assert image.size == (40, 80)


def test_p29_png_text_chunks_are_dropped(upload):
    document = upload(corpus.png_with_text(), "bilde.png")
    stored = _stored_image(document)
    assert b"Kari Nordmann" not in stored
    assert b"tEXt" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert not image.text  # type: ignore[attr-defined]


def test_p29_checks_by_content_alone_run_on_the_corpus_directly():
    # The pure checker agrees with the sandboxed one, without a subprocess.
    assert checks.check_content(corpus.pdf_bytes()).format == checks.PDF
    with pytest.raises(checks.Refusal) as caught:
        checks.check_content(corpus.elf_stub())
    assert caught.value.reason == checks.EXECUTABLE


def test_p29_nested_archives_share_one_decompression_budget():
    # Each archive's declared sizes are under the limit on their own (the DOCX's own parts
    # take about 0.8 MB, each workbook 0.4 MB); together they are over it.
    limits = checks.Limits(zip_max_total_bytes=1_400_000)
    content = corpus.docx_with_embedded_workbooks(count=3, size=400_000)
    with pytest.raises(checks.Refusal) as caught:
        checks.check_content(content, limits)
    assert caught.value.reason == checks.BOMB
    # One of them fits.
    single = corpus.docx_with_embedded_workbooks(count=1, size=400_000)
    assert checks.check_content(single, limits).format == checks.DOCX


def test_p29_a_bomb_that_lies_about_its_size_is_never_expanded():
    # The headers claim 1 kB; the stream holds 1 GB of zeros. The reader stops at the
    # claimed size and the checksum fails, long before the gigabyte.
    started = time.monotonic()
    with pytest.raises(checks.Refusal) as caught:
        checks.check_content(corpus.docx_zip_bomb_lying())
    assert caught.value.reason == checks.MALFORMED
    assert time.monotonic() - started < 5
