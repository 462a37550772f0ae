"""Checking an uploaded attachment by its content, not by its name: a PDF or a Word document (DOCX)."""
from __future__ import annotations

import io
import re
import zipfile

MAX_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}
# A DOCX holding more than this once unpacked is refused (a "zip bomb" would fill the memory of
# anyone's tool that opens it, not ours: we never unpack more than the directory).
DOCX_MAX_UNPACKED = 100 * 1024 * 1024


class UploadRefused(ValueError):
    """``reason`` is one of: empty, too_large, not_allowed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sniff(data: bytes) -> str:
    """The MIME type of ``data`` if it is a PDF or a DOCX, else UploadRefused."""
    if not data:
        raise UploadRefused("empty")
    if len(data) > MAX_BYTES:
        raise UploadRefused("too_large")
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return PDF
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                unpacked = sum(info.file_size for info in archive.infolist())
                if ("[Content_Types].xml" in names and "word/document.xml" in names
                        and unpacked <= DOCX_MAX_UNPACKED
                        and b"wordprocessingml.document.main+xml" in archive.read("[Content_Types].xml")):
                    return DOCX
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            pass
    raise UploadRefused("not_allowed")


def safe_filename(name: str, mimetype: str) -> str:
    """A plain name to show and to download under, ending in the extension of the real type."""
    stem = re.sub(r"[^\w\- ]+", "", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]).strip()
    return (stem[:80] or "attachment") + EXTENSIONS[mimetype]
