"""Official form PDFs: the upload's checks, serving, checksum, revert, roles and CSRF (store.form_pdfs, /staff/forms,
/forms/...)."""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter

from kiosk_ui.routers import forms as public_forms
from kiosk_ui.routers import staff_forms
from service_catalogue.loader import load_catalogue
from store.form_pdfs import FormPdfError, FormPdfs, check_pdf
from tests.kiosk_ui.test_staff import PASSWORD, make_staff_client, signed_in

# A form of the example catalogue with three language variants (AT 1, AT 1r, AT 1e).
CODE = "AT 1"


def a_pdf(text: str = "TEST 901") -> bytes:
    """A small valid one-page A4 PDF that says `text` (written out by hand: header, objects, xref, trailer)."""
    stream = f"BT /F1 36 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def blank_pdf(pages: int = 1) -> bytes:
    """A PDF written by pypdf: blank A4 pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def with_form_routers(client: TestClient) -> TestClient:
    """The app with the forms' routers, whether or not kiosk_ui.app lists them yet."""
    paths = {getattr(route, "path", "") for route in client.app.routes}
    if "/forms/pdfs.json" not in paths:
        client.app.include_router(public_forms.router)
    if "/staff/forms" not in paths:
        client.app.include_router(staff_forms.router)
    return client


@contextlib.contextmanager
def forms_client(tmp_path, **settings) -> Iterator[TestClient]:
    """A staff client with an advisor (aino), an editor (eero) and an admin (anna); PDFs under tmp_path."""
    settings.setdefault("form_files_dir", tmp_path / "forms")
    with make_staff_client(tmp_path, **settings) as client:
        from store.accounts import AccountStore

        store = AccountStore(client.app.state.db_engine)
        for username, role in {"aino": "advisor", "eero": "editor", "anna": "admin"}.items():
            store.create(username, PASSWORD, role)
        yield with_form_routers(client)


@pytest.fixture
def client(tmp_path):
    with forms_client(tmp_path) as client:
        yield client


def upload(client: TestClient, csrf: str | None, data: bytes, code: str = CODE, lang: str = "fi", name="form.pdf"):
    fields = {"code": code, "form_lang": lang}
    if csrf is not None:
        fields["csrf_token"] = csrf
    return client.post("/staff/forms/upload?lang=fi", data=fields, files={"file": (name, data, "application/pdf")})


# --- the store ------------------------------------------------------------------------------------------


@pytest.fixture
def pdfs(tmp_path) -> FormPdfs:
    from store.db import open_database

    engine = open_database(f"sqlite:///{tmp_path}/store.db")
    return FormPdfs(engine, tmp_path / "files", load_catalogue().forms, max_bytes=64 * 1024)


def test_the_check_takes_real_pdfs_and_refuses_anything_else():
    assert check_pdf(a_pdf()).pages == 1
    assert check_pdf(blank_pdf(3)).pages == 3
    for data, code in [
        (b"", "empty"),
        (b"Hello, I am a text file", "not_pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not_pdf"),
        (b"%PDF-1.4\nthis is no PDF at all\n%%EOF\n", "not_pdf"),  # the right header and trailer are not enough
        (a_pdf()[:200], "not_pdf"),  # cut short
    ]:
        with pytest.raises(FormPdfError) as refused:
            check_pdf(data)
        assert refused.value.code == code, data[:30]


def test_a_password_protected_pdf_is_refused_and_one_with_only_an_owner_password_is_taken():
    writer = PdfWriter(clone_from=io.BytesIO(blank_pdf()))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(FormPdfError) as refused:
        check_pdf(locked.getvalue())
    assert refused.value.code == "encrypted"
    writer = PdfWriter(clone_from=io.BytesIO(blank_pdf()))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    opens = io.BytesIO()
    writer.write(opens)
    assert check_pdf(opens.getvalue()).pages == 1


def test_upload_stores_the_file_by_checksum_and_keeps_the_old_one(pdfs):
    first, second = a_pdf("TEST 901 one"), a_pdf("TEST 901 two")
    row = pdfs.upload(CODE, "sv", first, "../../etc/AT 1r.pdf", "eero")
    assert row.sha256 == hashlib.sha256(first).hexdigest() and row.size == len(first)
    assert row.filename == "AT 1r.pdf" and row.uploaded_by == "eero" and row.uploaded_at is not None
    assert pdfs.path(row).read_bytes() == first and pdfs.path(row).name == f"{row.sha256}.pdf"
    newer = pdfs.upload(CODE, "sv", second, "new.pdf", "anna")
    assert pdfs.current(CODE, "sv").id == newer.id
    assert pdfs.path(row).exists()  # the old file stays, for revert
    assert [r.id for r in pdfs.history(CODE)] == [newer.id, row.id]
    assert pdfs.available() == {CODE: ["sv"]}
    assert pdfs.current(CODE, "fi") is None


def test_revert_withdraws_the_newest_and_the_one_before_is_served_again(pdfs):
    old = pdfs.upload(CODE, "fi", a_pdf("old"), "old.pdf", "eero")
    new = pdfs.upload(CODE, "fi", a_pdf("new"), "new.pdf", "eero")
    with pytest.raises(FormPdfError) as refused:
        pdfs.revert(old.id, "eero")  # not the current one
    assert refused.value.code == "nothing"
    assert pdfs.revert(new.id, "anna").withdrawn
    assert pdfs.current(CODE, "fi").id == old.id
    pdfs.revert(old.id, "anna")
    assert pdfs.current(CODE, "fi") is None and pdfs.available() == {}
    assert all(r.withdrawn for r in pdfs.history(CODE))
    with pytest.raises(FormPdfError) as refused:
        pdfs.revert(new.id, "anna")
    assert refused.value.code == "nothing"
    with pytest.raises(FormPdfError) as refused:
        pdfs.revert(9999, "anna")
    assert refused.value.code == "not_found"


def test_upload_refuses_unknown_forms_languages_and_oversized_files(pdfs):
    for code, lang, data, error in [
        ("TEST 901", "fi", a_pdf(), "unknown_form"),
        (CODE, "de", a_pdf(), "unknown_language"),
        ("OT 1", "sv", a_pdf(), "unknown_language"),  # OT 1 has a Finnish variant only
        (CODE, "fi", a_pdf() + b"%" + b"x" * (64 * 1024), "too_big"),
        (CODE, "fi", b"plain text", "not_pdf"),
    ]:
        with pytest.raises(FormPdfError) as refused:
            pdfs.upload(code, lang, data, "x.pdf", "eero")
        assert refused.value.code == error, (code, lang)
    assert pdfs.history(CODE) == [] and not (pdfs.files_dir.exists() and any(pdfs.files_dir.iterdir()))


def test_a_file_lost_from_the_disk_is_not_offered(pdfs):
    row = pdfs.upload(CODE, "en", a_pdf(), "x.pdf", "eero")
    pdfs.path(row).unlink()
    assert pdfs.current(CODE, "en") is None and pdfs.available() == {}


# --- the staff page and the public files ----------------------------------------------------------------


def test_roles_anonymous_to_the_login_advisors_refused_editors_and_admins_in(client):
    for path in ("/staff/forms",):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")
    signed_in(client, "aino")
    assert client.get("/staff/forms").status_code == 403
    assert upload(client, None, a_pdf()).status_code == 403
    for username in ("eero", "anna"):
        signed_in(client, username)
        page = client.get("/staff/forms?lang=sv")
        assert page.status_code == 200 and 'data-code="AT 1"' in page.text and "AT 1r" in page.text


def test_an_advisor_cannot_upload_even_with_a_csrf_token(client):
    csrf = signed_in(client, "aino")
    assert upload(client, csrf, a_pdf()).status_code == 403
    assert client.get("/forms/AT%201/fi.pdf").status_code == 404


def test_upload_needs_the_sessions_csrf_token(client):
    signed_in(client, "eero")
    assert upload(client, None, a_pdf()).status_code == 403
    assert upload(client, "wrong-token", a_pdf()).status_code == 403
    assert client.get("/forms/AT%201/fi.pdf").status_code == 404


def test_upload_then_serve_inline_with_checksum_and_cache_headers(client):
    csrf = signed_in(client, "eero")
    data = a_pdf()
    response = upload(client, csrf, data, lang="en", name="AT 1e.pdf")
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/forms?lang=fi&done=uploaded")
    pdf = client.get("/forms/AT%201/en.pdf")
    assert pdf.status_code == 200 and pdf.content == data
    assert pdf.headers["content-type"] == "application/pdf"
    assert (
        pdf.headers["content-disposition"].startswith("inline;") and "AT-1e.pdf" in pdf.headers["content-disposition"]
    )
    assert "max-age" in pdf.headers["cache-control"] and pdf.headers["etag"]
    assert client.get("/forms/AT%201/en.pdf", headers={"If-None-Match": pdf.headers["etag"]}).status_code == 304
    assert client.get("/forms/at1e/en.pdf").content == data  # a variant code names its form too
    assert client.get("/forms/AT%201/fi.pdf").status_code == 404
    assert client.get("/forms/TEST%20901/fi.pdf").status_code == 404
    assert client.get("/forms/AT%201/de.pdf").status_code == 422
    listed = client.get("/forms/pdfs.json")
    assert listed.json() == {"forms": {"AT 1": ["en"]}} and "max-age" in listed.headers["cache-control"]
    page = client.get("/staff/forms").text
    assert hashlib.sha256(data).hexdigest()[:12] in page and "eero" in page


def test_a_non_pdf_is_refused_with_the_reason(client):
    csrf = signed_in(client, "eero")
    response = upload(client, csrf, b"MZ\x90\x00 not a PDF", name="virus.exe")
    assert response.status_code == 400
    assert client.app.state.texts.text("fi", "forms.errors.not_pdf") in response.text
    assert client.get("/forms/pdfs.json").json() == {"forms": {}}


def test_an_oversized_upload_is_refused_before_its_body_is_read(tmp_path):
    with forms_client(tmp_path, form_pdf_max_bytes=4096) as client:
        csrf = signed_in(client, "eero")
        big = a_pdf() + b"%" + b"x" * 200_000  # a valid PDF with a long comment: only its size is wrong
        response = upload(client, csrf, big)
        assert response.status_code == 413
        assert client.app.state.texts.text("fi", "forms.errors.too_big", max="4 kB") in response.text
        # Declared small enough for the envelope but the file itself over the limit: refused after reading it.
        response = upload(client, csrf, a_pdf() + b"%" + b"x" * 5000)
        assert response.status_code == 413
        # A body of unstated length (chunked) is not read at all.
        chunked = client.post(
            "/staff/forms/upload?lang=fi",
            content=iter([b"--x\r\n", b"x" * 1000]),
            headers={"Content-Type": "multipart/form-data; boundary=x", "X-CSRF-Token": csrf},
        )
        assert chunked.status_code == 411
        assert client.get("/forms/pdfs.json").json() == {"forms": {}}


def test_revert_through_the_page(client):
    csrf = signed_in(client, "anna")
    first, second = a_pdf("first"), a_pdf("second")
    assert upload(client, csrf, first).status_code == 303
    assert upload(client, csrf, second).status_code == 303
    assert client.get("/forms/AT%201/fi.pdf").content == second
    pdfs = FormPdfs(client.app.state.db_engine, tmp := client.app.state.settings.form_files_dir)
    assert tmp.exists()
    newest = pdfs.current(CODE, "fi")
    assert client.post(f"/staff/forms/{newest.id}/revert?lang=fi", data={}).status_code == 403  # no CSRF
    response = client.post(f"/staff/forms/{newest.id}/revert?lang=fi", data={"csrf_token": csrf})
    assert response.status_code == 303 and "done=reverted" in response.headers["location"]
    assert client.get("/forms/AT%201/fi.pdf").content == first
    again = client.post(f"/staff/forms/{newest.id}/revert?lang=fi", data={"csrf_token": csrf})
    assert again.status_code == 400
    history = client.get("/staff/forms").text
    assert history.count(client.app.state.texts.text("fi", "forms.withdrawn")) == 1
