"""Attachments lose the metadata that could name their author: judges mark them blind."""
from __future__ import annotations

import io
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile

import pytest
from pypdf import PdfReader

from courses.cases import uploads
from courses.cases.uploads import DOCX, PDF, UploadRefused, sniff, strip_metadata
from tests.courses.cases.helpers import DOCX_TEXT, W, docx_with_author, pdf_bytes

NAMES = ("Zhang Wei", "张伟", "ZW")


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def names_in(data: bytes) -> list[str]:
    """Every entry (embedded packages' entries too) that still holds one of NAMES."""
    found = []
    for name, content in entries(data).items():
        if content.startswith(b"PK\x03\x04"):
            found += [f"{name}!{inner}" for inner in names_in(content)]
        elif any(n.encode() in content for n in NAMES):
            found.append(name)
    return found


def document_text(data: bytes) -> list[str]:
    root = ET.fromstring(entries(data)["word/document.xml"])
    return [node.text for node in root.iter() if node.tag in (f"{{{W}}}t", f"{{{W}}}delText")]


def test_a_docx_keeps_its_text_and_loses_every_name():
    original = docx_with_author("Zhang Wei 张伟", "ZW")
    assert names_in(original)  # the helper does name her everywhere
    cleaned = strip_metadata(original, DOCX)
    assert names_in(cleaned) == []
    assert sniff(cleaned) == DOCX
    before, after = entries(original), entries(cleaned)
    assert list(after) == list(before)  # same entries, same order
    with zipfile.ZipFile(io.BytesIO(original)) as old, zipfile.ZipFile(io.BytesIO(cleaned)) as new:
        assert [i.compress_type for i in new.infolist()] == [i.compress_type for i in old.infolist()]
        assert {i.date_time for i in new.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert new.comment == b"" and all(i.extra == b"" and i.comment == b"" for i in new.infolist())
    assert document_text(cleaned) == document_text(original) == [
        DOCX_TEXT, "Inserted words.", "Deleted words."]
    # Only the names change in the document and its comments; the rest is byte for byte the same.
    assert after["word/document.xml"] == before["word/document.xml"].replace(
        'w:author="Zhang Wei 张伟"'.encode(), b'w:author="Author"')
    assert after["word/comments.xml"] == before["word/comments.xml"].replace(
        'w:author="Zhang Wei 张伟"'.encode(), b'w:author="Author"').replace(b'w:initials="ZW"', b'w:initials="A"')
    for name in ("[Content_Types].xml", "_rels/.rels", "word/settings.xml", "word/_rels/document.xml.rels"):
        assert after[name] == before[name]
    for name, content in after.items():  # every part is still well-formed XML
        if name.endswith((".xml", ".rels")):
            ET.fromstring(content)
    core = ET.fromstring(after["docProps/core.xml"])
    assert core.tag.endswith("}coreProperties") and len(core) == 0
    app = {child.tag.rsplit("}", 1)[-1]: child.text for child in ET.fromstring(after["docProps/app.xml"])}
    assert app == {"Pages": "1", "Words": "7", "Application": "Microsoft Office Word", "DocSecurity": "0",
                   "AppVersion": "16.0000"}
    assert len(ET.fromstring(after["docProps/custom.xml"])) == 0
    assert len(ET.fromstring(after["word/people.xml"])) == 0
    assert b'Target="Normal.dotm" TargetMode="External"' in after["word/_rels/settings.xml.rels"]
    assert b'Target="https://example.org/law"' in after["word/_rels/document.xml.rels"]
    workbook = entries(after["word/embeddings/Microsoft_Excel_Worksheet.xlsx"])
    assert len(ET.fromstring(workbook["docProps/core.xml"])) == 0 and b"<workbook" in workbook["xl/workbook.xml"]


def test_cleaning_twice_changes_nothing_more():
    once = strip_metadata(docx_with_author(), DOCX)
    assert strip_metadata(once, DOCX) == once


def test_only_attributes_inside_tags_are_rewritten():
    text = ('<w:document xmlns:w="x"><w:p w:val="a w:author=\'Zhang Wei\' > b" w:author=\'Zhang Wei\'>'
            '<w:t>She wrote w:author="Zhang Wei" in the brief.</w:t></w:p>'
            '<w:p w:author = "Zhang Wei" w:initials="ZW"/></w:document>')
    assert uploads._neutral_authors(text) == (
        '<w:document xmlns:w="x"><w:p w:val="a w:author=\'Zhang Wei\' > b" w:author="Author">'
        '<w:t>She wrote w:author="Zhang Wei" in the brief.</w:t></w:p>'
        '<w:p w:author = "Author" w:initials="A"/></w:document>')


def test_a_utf16_part_is_cleaned_in_its_encoding():
    part = '<?xml version="1.0" encoding="UTF-16"?><w:comments><w:comment w:author="Zhang Wei"/></w:comments>'
    cleaned = uploads._edit_xml(part.encode("utf-16"), uploads._neutral_authors)
    assert cleaned.decode("utf-16") == part.replace("Zhang Wei", "Author")


def test_local_paths_of_external_links_keep_only_the_file_name():
    rels = ('<Relationships><Relationship Id="a" Target="\\\\server\\Users\\zwei\\logo.png" TargetMode="External"/>'
            '<Relationship Id="b" Target="/home/zwei/x.png" TargetMode="External"/>'
            '<Relationship Id="c" Target="mailto:court@example.org" TargetMode="External"/>'
            '<Relationship Id="d" Target="media/image1.png"/></Relationships>')
    assert uploads._local_targets(rels) == (
        '<Relationships><Relationship Id="a" Target="logo.png" TargetMode="External"/>'
        '<Relationship Id="b" Target="x.png" TargetMode="External"/>'
        '<Relationship Id="c" Target="mailto:court@example.org" TargetMode="External"/>'
        '<Relationship Id="d" Target="media/image1.png"/></Relationships>')


def rezip(data: bytes, compression: int = zipfile.ZIP_DEFLATED, **replace: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in entries(data).items():
            archive.writestr(name, replace.get(name, content))
    return out.getvalue()


@pytest.mark.parametrize("app_xml", [
    b"<Properties><Company>Zhang Wei",  # not well-formed
    b'<!DOCTYPE p [<!ENTITY a "aaaa">]><Properties>&a;</Properties>',  # entities: refused unread
])
def test_a_docx_whose_properties_cannot_be_read_is_refused(app_xml):
    with pytest.raises(UploadRefused) as refused:
        strip_metadata(rezip(docx_with_author(), **{"docProps/app.xml": app_xml}), DOCX)
    assert refused.value.reason == "unreadable"


def test_a_docx_with_two_entries_of_one_name_is_refused():
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it writes
        for name, content in entries(docx_with_author()).items():
            archive.writestr(name, content)
        archive.writestr("docProps/core.xml", b"<cp:coreProperties/>")
    assert sniff(out.getvalue()) == DOCX
    with pytest.raises(UploadRefused, match="unreadable"):
        strip_metadata(out.getvalue(), DOCX)


def test_an_encrypted_zip_entry_is_refused():
    data = bytearray(docx_with_author())
    # Set the "encrypted" flag of every entry, in the local headers and in the central directory.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        for match in re.finditer(re.escape(signature), bytes(data)):
            data[match.start() + offset] |= 0x1
    with pytest.raises(UploadRefused, match="not_allowed"):  # its content types cannot be read
        sniff(bytes(data))
    with pytest.raises(UploadRefused, match="encrypted"):
        strip_metadata(bytes(data), DOCX)


def test_a_docx_that_grows_past_the_limit_is_refused_as_too_large(monkeypatch):
    document = f'<w:document xmlns:w="{W}">' + '<w:ins w:author="Al"/>' * 1000 + "</w:document>"
    original = rezip(docx_with_author(), zipfile.ZIP_STORED,  # each "Al" becomes the longer "Author"
                     **{"word/document.xml": document.encode()})
    monkeypatch.setattr(uploads, "MAX_BYTES", len(original))
    assert sniff(original) == DOCX
    with pytest.raises(UploadRefused, match="too_large"):
        strip_metadata(original, DOCX)


def test_a_pdf_keeps_its_page_and_loses_every_name():
    original = pdf_bytes(author="Zhang Wei")
    reader = PdfReader(io.BytesIO(original))
    assert reader.metadata.author == "Zhang Wei" and "/Metadata" in reader.root_object
    cleaned = strip_metadata(original, PDF)
    assert b"Zhang" not in cleaned and sniff(cleaned) == PDF
    reader = PdfReader(io.BytesIO(cleaned))
    assert reader.metadata is None and reader.xmp_metadata is None and "/Metadata" not in reader.root_object
    assert "/Info" not in reader.trailer
    assert len(reader.pages) == 1
    assert reader.pages[0].extract_text() == PdfReader(io.BytesIO(original)).pages[0].extract_text() == (
        "The applicant asks for a protection order.")
    assert reader.pages[0]["/Resources"]["/Font"]["/F1"]["/BaseFont"] == "/Helvetica"
    link, note = (annotation.get_object() for annotation in reader.pages[0]["/Annots"])
    assert link["/A"]["/URI"] == "https://example.org/law"
    assert (note["/T"], note["/Contents"]) == ("Author", "Check this.")


def test_an_encrypted_pdf_is_refused_unless_anyone_may_open_it():
    with pytest.raises(UploadRefused, match="encrypted"):
        strip_metadata(pdf_bytes(author="Zhang Wei", password="secret"), PDF)
    # Only restrictions (an owner password): it opens without one, so it is cleaned, unencrypted.
    cleaned = strip_metadata(pdf_bytes(author="Zhang Wei", password="", owner_password="owner"), PDF)
    reader = PdfReader(io.BytesIO(cleaned))
    assert not reader.is_encrypted and reader.metadata is None and b"Zhang" not in cleaned
    assert reader.pages[0].extract_text() == "The applicant asks for a protection order."


@pytest.mark.parametrize("data", [
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    pdf_bytes()[:400] + b"\n%%EOF\n",  # cut short
])
def test_a_pdf_that_cannot_be_read_is_refused(data):
    assert sniff(data) == PDF
    with pytest.raises(UploadRefused, match="unreadable"):
        strip_metadata(data, PDF)


# --- Zip bombs: limits over the whole upload, nested packages included ---------------------


def zeros_package(size: int, entries: int = 1) -> bytes:
    """An Office package whose entries unpack to ``size`` bytes of zeros in all (a few KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"/>')
        for n in range(entries):
            archive.writestr(f"xl/media/zeros{n}.bin", bytes(size // entries))
    return out.getvalue()


def docx_with_embeddings(*packages: bytes, folder: str = "word/embeddings") -> bytes:
    extra = {f"{folder}/object{n}.xlsx": package for n, package in enumerate(packages)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, content in {**entries(docx_with_author()), **extra}.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_nested_zip_bomb_is_refused_before_it_is_unpacked():
    """80 embedded packages of 90 MB each (7.2 GB) in a few hundred KB: each alone is under the
    limit, together they are far past it, and the refusal comes before any is unpacked."""
    inner = zeros_package(90 * 1024 * 1024)
    bomb = docx_with_embeddings(*[inner] * 80)
    assert len(bomb) < uploads.MAX_BYTES and sniff(bomb) == DOCX
    with pytest.raises(UploadRefused, match="too_complex"):
        strip_metadata(bomb, DOCX)


def test_packages_outside_the_embeddings_folder_count_too():
    bomb = docx_with_embeddings(*[zeros_package(60 * 1024 * 1024)] * 2, folder="word/media")
    with pytest.raises(UploadRefused, match="too_complex"):
        strip_metadata(bomb, DOCX)


def test_a_package_in_an_embedded_package_is_refused():
    inner = zeros_package(1000)
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/embeddings/deeper.xlsx", inner)
    with pytest.raises(UploadRefused, match="too_complex"):
        strip_metadata(docx_with_embeddings(middle.getvalue()), DOCX)


def test_a_flat_bomb_of_many_entries_is_refused():
    many = docx_with_embeddings(zeros_package(3000, entries=3000))
    with pytest.raises(UploadRefused, match="too_complex"):
        strip_metadata(many, DOCX)


def test_a_docx_taking_too_long_to_clean_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "CLEAN_SECONDS", -1.0)  # the time is already up at the first entry
    with pytest.raises(UploadRefused, match="too_complex"):
        strip_metadata(docx_with_author(), DOCX)


def test_a_docx_with_a_chart_workbook_within_the_limits_is_still_cleaned():
    cleaned = strip_metadata(docx_with_embeddings(zeros_package(10 * 1024 * 1024)), DOCX)
    assert names_in(cleaned) == [] and document_text(cleaned) == document_text(docx_with_author())


# --- PDFs: nothing a reader could run or unpack ----------------------------------------------


def pdf_with_active_content() -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(author="Zhang Wei"))))
    writer.add_attachment("client-notes.txt", b"The client's address is 12 Secret Road.")

    def js(code: str) -> DictionaryObject:
        return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})

    # A document-level script, in the name tree where Acrobat looks for them.
    names = writer.root_object["/Names"]
    names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject([
        TextStringObject("startup"), writer._add_object(js("app.alert('document script');"))])})

    writer.root_object[NameObject("/OpenAction")] = writer._add_object(js("app.alert('on open');"))
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): js("app.alert('page open');")})
    rect = ArrayObject([FloatObject(72), FloatObject(600), FloatObject(200), FloatObject(620)])
    launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})
    uri = DictionaryObject({NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://example.org/a"),
                            NameObject("/Next"): js("app.alert('chained');")})
    for action in (launch, uri):
        page[NameObject("/Annots")].append(writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): rect, NameObject("/A"): action})))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def active_content(data: bytes) -> list[str]:
    """Scripts, launch actions and embedded files anywhere in the PDF's object graph."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    reader = PdfReader(io.BytesIO(data))
    found, seen, stack = [], set(), [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            found += [key for key in ("/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/AA") if key in item]
            if item.get("/S") in ("/JavaScript", "/Launch"):
                found.append(str(item["/S"]))
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def test_a_pdf_loses_its_scripts_launch_actions_and_embedded_files():
    original = pdf_with_active_content()
    assert {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/AA", "/Launch"} <= set(active_content(original))
    cleaned = strip_metadata(original, PDF)
    assert active_content(cleaned) == []
    assert b"Secret Road" not in cleaned and b"alert" not in cleaned and b"calc.exe" not in cleaned
    reader = PdfReader(io.BytesIO(cleaned))
    assert reader.attachments == {}
    assert reader.pages[0].extract_text() == "The applicant asks for a protection order."
    # The plain link stays; its chained script does not.
    uris = [a.get_object()["/A"].get("/URI") for a in reader.pages[0]["/Annots"] if "/A" in a.get_object()]
    assert "https://example.org/law" in uris and "https://example.org/a" in uris
