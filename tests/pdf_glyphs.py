"""Which glyphs a PDF draws, read from its content streams and embedded font programs.

Text extraction cannot see a missing glyph: the font's /ToUnicode map still says "space" when
the page shows an empty box. This follows each text-showing operator to the glyph it draws:
the string's codes, through the font's /Encoding CMap to CIDs, through /CIDToGIDMap (or a
CID-keyed CFF's charset) to a glyph of the embedded program. Glyph 0 (.notdef), or a glyph
the program does not have, is the box a person sees on paper.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import ArrayObject, ContentStream, NameObject

TEXT_OPERATORS = (b"Tj", b"TJ", b"'", b'"')


@dataclass(frozen=True)
class DrawnGlyph:
    font: str  # the embedded font's name, e.g. "DDJITB+Amicus-CJK-87de5039e8a2"
    glyph: int  # its glyph id in the font program; 0 is .notdef
    text: str  # the characters the font's /ToUnicode map gives for it

    @property
    def missing(self) -> bool:
        return self.glyph == 0


def _hex(token: str) -> int:
    return int(token, 16)


def _utf16(token: str) -> str:
    return bytes.fromhex(token).decode("utf-16-be")


def _cmap_sections(data: str, kind: str):
    yield from re.findall(rf"begin{kind}(.*?)end{kind}", data, re.S)


def to_unicode(stream) -> dict[int, str]:
    """A /ToUnicode CMap as code -> text (bfchar and bfrange, both forms of bfrange)."""
    data = stream.get_data().decode("latin-1")
    mapping = {}
    for body in _cmap_sections(data, "bfchar"):
        for code, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", body):
            mapping[_hex(code)] = _utf16(text)
    for body in _cmap_sections(data, "bfrange"):
        for low, high, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", body):
            low, high = _hex(low), _hex(high)
            if target.startswith("["):
                for offset, text in enumerate(re.findall(r"<([0-9A-Fa-f]*)>", target)):
                    mapping[low + offset] = _utf16(text)
            else:
                first = bytes.fromhex(target[1:-1])
                for offset in range(high - low + 1):
                    last = int.from_bytes(first[-2:], "big") + offset
                    mapping[low + offset] = (first[:-2] + last.to_bytes(2, "big")).decode("utf-16-be")
    return mapping


def _code_to_cid(encoding) -> dict[int, int] | None:
    """An embedded /Encoding CMap as code -> CID; None for /Identity-H (the code is the CID)."""
    if isinstance(encoding, NameObject):
        if encoding != "/Identity-H":
            raise AssertionError(f"unexpected predefined CMap {encoding}")
        return None
    data = encoding.get_object().get_data().decode("latin-1")
    mapping = {}
    for body in _cmap_sections(data, "cidchar"):
        for code, cid in re.findall(r"<([0-9A-Fa-f]+)>\s*(\d+)", body):
            mapping[_hex(code)] = int(cid)
    for body in _cmap_sections(data, "cidrange"):
        for low, high, cid in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\d+)", body):
            for offset in range(_hex(high) - _hex(low) + 1):
                mapping[_hex(low) + offset] = int(cid) + offset
    return mapping


class _Font:
    """One Type0 font of the PDF: how its codes become glyphs of its embedded program."""

    def __init__(self, font):
        from fontTools.cffLib import CFFFontSet
        from fontTools.ttLib import TTFont

        font = font.get_object()
        if font["/Subtype"] != "/Type0":
            raise AssertionError(f"{font['/BaseFont']}: a {font['/Subtype']} font, which Amicus does not make")
        self.name = str(font["/BaseFont"]).lstrip("/")
        self.to_unicode = to_unicode(font["/ToUnicode"].get_object()) if "/ToUnicode" in font else {}
        self.code_to_cid = _code_to_cid(font["/Encoding"])
        cid_font = font["/DescendantFonts"][0].get_object()
        descriptor = cid_font["/FontDescriptor"].get_object()
        program = next((descriptor[k].get_object() for k in ("/FontFile2", "/FontFile3") if k in descriptor), None)
        if program is None:
            raise AssertionError(f"{self.name}: the font is not embedded")
        data = program.get_data()
        self.cid_to_gid = None  # None: the CID is the glyph id
        if program.get("/Subtype") == "/CIDFontType0C":  # a bare CFF: CIDs through its charset
            cff = CFFFontSet()
            cff.decompile(io.BytesIO(data), None)
            top = cff[cff.fontNames[0]]
            order = top.getGlyphOrder()
            self.glyph_count = len(order)
            if hasattr(top, "ROS"):
                self.cid_to_gid = {int(name[3:]): gid for gid, name in enumerate(order) if name.startswith("cid")}
        else:  # TrueType (FontFile2) or OpenType (FontFile3): glyph ids, as WeasyPrint and poppler read them
            self.glyph_count = len(TTFont(io.BytesIO(data), lazy=True).getGlyphOrder())
            mapping = cid_font.get("/CIDToGIDMap", NameObject("/Identity"))
            if not isinstance(mapping, NameObject):
                table = mapping.get_object().get_data()
                self.cid_to_gid = {cid: int.from_bytes(table[2 * cid:2 * cid + 2], "big")
                                   for cid in range(len(table) // 2)}

    def glyphs(self, string: bytes) -> list[DrawnGlyph]:
        drawn = []
        for i in range(0, len(string) - 1, 2):
            code = int.from_bytes(string[i:i + 2], "big")
            cid = code if self.code_to_cid is None else self.code_to_cid.get(code, 0)
            gid = cid if self.cid_to_gid is None else self.cid_to_gid.get(cid, 0)
            if gid >= self.glyph_count:  # a glyph the embedded program does not have: .notdef
                gid = 0
            drawn.append(DrawnGlyph(self.name, gid, self.to_unicode.get(code, "")))
        return drawn


def _strings(operator: bytes, operands) -> list[bytes]:
    if operator == b"TJ":
        items = operands[0]
    else:
        items = operands[-1:]
    out = []
    for item in items if isinstance(items, (list, ArrayObject)) else [items]:
        if isinstance(item, bytes):
            out.append(bytes(item))
        elif hasattr(item, "original_bytes"):
            out.append(item.original_bytes)
    return out


def _walk(content, resources, reader, drawn: list[DrawnGlyph], fonts: dict) -> None:
    resources = resources.get_object() if resources is not None else {}
    font_resources = resources.get("/Font", {})
    font_resources = font_resources.get_object() if font_resources else {}
    current = None
    for operands, operator in ContentStream(content, reader).operations:
        if operator == b"Tf":
            ref = font_resources[operands[0]]
            key = id(ref.get_object())
            if key not in fonts:
                fonts[key] = _Font(ref)
            current = fonts[key]
        elif operator in TEXT_OPERATORS:
            for string in _strings(operator, operands):
                drawn.extend(current.glyphs(string))
        elif operator == b"Do":
            xobjects = resources["/XObject"].get_object()
            xobject = xobjects[operands[0]].get_object()
            if xobject.get("/Subtype") == "/Form":
                _walk(xobject, xobject.get("/Resources", resources), reader, drawn, fonts)


def drawn_glyphs(pdf: bytes) -> list[DrawnGlyph]:
    """Every glyph the PDF's pages draw, in order, forms included."""
    reader = PdfReader(io.BytesIO(pdf))
    drawn: list[DrawnGlyph] = []
    fonts: dict = {}
    for page in reader.pages:
        _walk(page.get_contents(), page.get("/Resources"), reader, drawn, fonts)
    return drawn


def missing_glyphs(pdf: bytes) -> list[DrawnGlyph]:
    """The glyphs drawn as .notdef (an empty box on paper), each with the text it stands for."""
    return [glyph for glyph in drawn_glyphs(pdf) if glyph.missing]


def drawn_text(pdf: bytes) -> str:
    """The characters drawn with a real glyph, in drawing order (a bag of characters, not lines)."""
    return "".join(glyph.text for glyph in drawn_glyphs(pdf) if not glyph.missing)
