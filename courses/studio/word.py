"""A chapter of a Word handbook (.docx) as a lesson's Markdown, with its images as assets.

Mammoth reads the .docx: it is a well-kept, pure-Python converter made for exactly this (the
document's structure, not its looks: headings, lists, tables, footnotes, images), needs no
system package (pandoc would, and a LibreOffice install more so) and never runs macros.
markdownify then writes its HTML as Markdown. Footnotes become Markdown footnotes (`[^1]`),
which the lesson renderer (Python-Markdown's "extra") shows as footnotes again. Images are kept
only if they are PNG, JPEG or GIF by their content, as the package's other assets are.
"""
from __future__ import annotations

import io
import re
import zipfile

import mammoth
from markdownify import markdownify

MAX_IMAGES = 50
_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"GIF87a": "gif", b"GIF89a": "gif"}
_FOOTNOTE_REF = re.compile(r'<sup><a href="#(?:foot|end)note-(\d+)" id="(?:foot|end)note-ref-\d+">\[\d+\]</a></sup>')
_FOOTNOTE = re.compile(r'<li id="(?:foot|end)note-(\d+)">(.*?)</li>', re.S)
_BACK_LINK = re.compile(r'\s*<a href="#(?:foot|end)note-ref-\d+">↑</a>')
_NOTES_LIST = re.compile(r'<ol>\s*(?:<li id="(?:foot|end)note-\d+">.*?</li>\s*)+</ol>', re.S)


class WordError(Exception):
    """The file is not a Word document Amicus can read (a message safe to show)."""


def _kind(data: bytes) -> str | None:
    return next((ext for magic, ext in _IMAGE_TYPES.items() if data.startswith(magic)), None)


def to_markdown(docx: bytes, image_stem: str) -> tuple[str, dict[str, bytes], list[str]]:
    """(Markdown, {"assets/<image_stem>-1.png": bytes, ...}, notes on what was left out)."""
    if not zipfile.is_zipfile(io.BytesIO(docx)):
        raise WordError("not a .docx file")
    images: dict[str, bytes] = {}
    notes: list[str] = []

    def image(element):
        with element.open() as stream:
            data = stream.read()
        ext = _kind(data)
        if ext is None or len(images) >= MAX_IMAGES:
            notes.append(f"an image ({element.content_type}) was left out: only PNG, JPEG and GIF are kept")
            return {}
        path = f"assets/{image_stem}-{len(images) + 1}.{ext}"
        images[path] = data
        return {"src": path, "alt": element.alt_text or ""}

    try:
        result = mammoth.convert_to_html(io.BytesIO(docx), convert_image=mammoth.images.img_element(image))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise WordError("not a .docx file") from error
    notes += [str(message.message) for message in result.messages if message.type == "error"]
    return html_to_markdown(result.value), images, notes


def html_to_markdown(text: str) -> str:
    """Mammoth's HTML as lesson Markdown: ATX headings, "-" bullets, footnotes as [^n]."""
    notes = {n: _BACK_LINK.sub("", body) for n, body in _FOOTNOTE.findall(text)}
    text = _NOTES_LIST.sub("", text)
    text = _FOOTNOTE_REF.sub(lambda m: f"FOOTNOTEREF{m.group(1)}X", text)
    body = markdownify(text, heading_style="ATX", bullets="-", strip=["span"], table_infer_header=True).strip()
    body = re.sub(r"FOOTNOTEREF(\d+)X", r"[^\1]", body)
    body = re.sub(r"\n{3,}", "\n\n", body)
    lines = [body]
    for n, note in notes.items():
        lines.append(f"[^{n}]: {markdownify(note).strip()}")
    return "\n\n".join(lines).strip() + "\n"


def lesson_text(markdown: str, title: str) -> str:
    """A lesson file: its first line is its title (# ...); the document's first heading, else ``title``."""
    first = markdown.lstrip().split("\n", 1)[0]
    if first.startswith("# "):
        return markdown.lstrip()
    return f"# {title.strip() or 'Untitled'}\n\n{markdown.lstrip()}"
