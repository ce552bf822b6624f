"""The official form PDFs the point holds: upload (checked), the current one per variant, history and revert.

Files live under FORM_FILES_DIR named by their SHA-256 (`<sha256>.pdf`), so the same PDF uploaded twice is
one file and a file never changes under its name; rows (store.form_files) say who uploaded what and when.
Revert withdraws the newest upload, and the one before it is served again.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from store.form_files import FormFile
from store.rows import now_db

log = logging.getLogger(__name__)
LANGUAGES = ("fi", "sv", "en")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_FILENAME = 255
MAX_EDITOR = 64
# Every PDF starts with this (ISO 32000-1, 7.5.2); checked before the parser is asked at all.
PDF_MAGIC = b"%PDF-"
# The codes FormPdfError carries; the staff page shows a text for each.
ERRORS = (
    "not_pdf",
    "too_big",
    "no_length",
    "empty",
    "encrypted",
    "unknown_form",
    "unknown_language",
    "not_found",
    "nothing",
)


class FormPdfError(ValueError):
    """An upload or revert refused: `code` says why (one of ERRORS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PdfInfo:
    """What the check learnt of a PDF: its page count."""

    pages: int


def check_pdf(data: bytes) -> PdfInfo:
    """The data parsed as a PDF with pages that opens without a password, else FormPdfError("not_pdf"|...).

    pypdf (maintained, pure Python) parses the file structure and its page tree, so a file that merely
    starts with "%PDF-" but would not open in the printer's viewer is refused here, not at the kiosk.
    """
    if not data:
        raise FormPdfError("empty")
    # The header may follow a little leading junk (ISO 32000-1 annex H.3 lets readers look in the first 1024 bytes),
    # but an official form never has any; anything else is certainly not a PDF.
    if not data.startswith(PDF_MAGIC):
        raise FormPdfError("not_pdf")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            # Official forms may carry an owner password (printing and filling still allowed); one that needs a
            # password to open could not be printed at the kiosk.
            raise FormPdfError("encrypted")
        pages = len(reader.pages)
    except FormPdfError:
        raise
    except Exception as error:  # pypdf raises many kinds on a broken file; each means the same to the editor
        raise FormPdfError("not_pdf") from error
    if pages < 1:
        raise FormPdfError("not_pdf")
    return PdfInfo(pages=pages)


class FormPdfs:
    """Uploaded form PDFs over the app database and FORM_FILES_DIR.

    `forms` is the catalogue's forms by code (Catalogue.forms): when given, an upload must name one of its
    forms and one of that form's language variants.
    """

    def __init__(
        self,
        engine: Engine,
        files_dir: str | os.PathLike[str],
        forms: Mapping[str, dict] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ):
        self.engine = engine
        self.files_dir = Path(files_dir)
        self.forms = forms
        self.max_bytes = max_bytes

    def path(self, row: FormFile) -> Path:
        """Where the row's file is."""
        return self.files_dir / f"{row.sha256}.pdf"

    def _check_form(self, code: str, lang: str) -> None:
        if lang not in LANGUAGES:
            raise FormPdfError("unknown_language")
        if self.forms is None:
            return
        form = self.forms.get(code)
        if form is None:
            raise FormPdfError("unknown_form")
        if lang not in form["variants"]:
            raise FormPdfError("unknown_language")

    def upload(self, code: str, lang: str, data: bytes, filename: str, editor: str) -> FormFile:
        """Check and store one PDF of a form variant; the new row is the current one from now on."""
        self._check_form(code, lang)
        if len(data) > self.max_bytes:
            raise FormPdfError("too_big")
        check_pdf(data)
        digest = hashlib.sha256(data).hexdigest()
        row = FormFile(
            form_code=code,
            lang=lang,
            sha256=digest,
            size=len(data),
            filename=_clean_filename(filename),
            uploaded_by=editor[:MAX_EDITOR],
            uploaded_at=now_db(),
            withdrawn=False,
        )
        self._write(self.path(row), data)
        with Session(self.engine, expire_on_commit=False) as session:
            session.add(row)
            session.commit()
        return row

    def _write(self, target: Path, data: bytes) -> None:
        """Write the file whole or not at all: a reader never sees half a PDF (temporary file, then rename)."""
        if target.exists():
            return  # the same content is already there under its checksum
        self.files_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.files_dir, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def current(self, code: str, lang: str) -> FormFile | None:
        """The newest upload of the variant that is not withdrawn and whose file is there, else None."""
        with Session(self.engine, expire_on_commit=False) as session:
            rows = session.scalars(
                select(FormFile)
                .where(FormFile.form_code == code, FormFile.lang == lang, FormFile.withdrawn.is_(False))
                .order_by(FormFile.id.desc())
            ).all()
        # A file lost from the disk (a restore without var/forms) is no PDF to offer: the older one, or none.
        return next((row for row in rows if self.path(row).is_file()), None)

    def available(self) -> dict[str, list[str]]:
        """Form code -> the languages that have a current PDF (for the kiosk's form cards)."""
        with Session(self.engine) as session:
            pairs = session.execute(
                select(FormFile.form_code, FormFile.lang).where(FormFile.withdrawn.is_(False)).distinct()
            ).all()
        found: dict[str, list[str]] = {}
        for code, lang in sorted(pairs):
            # A form the catalogue no longer lists (or a variant it dropped) is offered no more.
            listed = self.forms is None or lang in (self.forms.get(code) or {}).get("variants", {})
            if listed and self.current(code, lang) is not None:
                found.setdefault(code, []).append(lang)
        return {code: sorted(langs, key=LANGUAGES.index) for code, langs in found.items()}

    def history(self, code: str) -> list[FormFile]:
        """Every upload of the form, newest first, withdrawn ones too."""
        with Session(self.engine, expire_on_commit=False) as session:
            return list(
                session.scalars(select(FormFile).where(FormFile.form_code == code).order_by(FormFile.id.desc())).all()
            )

    def revert(self, file_id: int, editor: str) -> FormFile:
        """Withdraw the variant's current upload (it must be `file_id`): the one before it is served again.

        The row stays (withdrawn) so the history still says who uploaded it; the table keeps no withdrawer,
        so who reverted goes to the log.
        """
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(FormFile, file_id)
            if row is None:
                raise FormPdfError("not_found")
            current = self.current(row.form_code, row.lang)
            if row.withdrawn or current is None or current.id != row.id:
                # Only the newest can be reverted, so a second click on an old page withdraws nothing else.
                raise FormPdfError("nothing")
            row.withdrawn = True
            session.commit()
        log.info("form PDF %s (%s %s) withdrawn by %s", row.id, row.form_code, row.lang, editor)
        return row


def _clean_filename(filename: str) -> str:
    """The uploaded name without any folder part, control characters or excess length (shown to staff only)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return (name or "form.pdf")[:MAX_FILENAME]
