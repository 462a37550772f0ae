"""A small case exercise for tests, and a cohort running it with two teams and two judges."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

from tests.conftest import PASSWORD

CASE_YAML = """\
title: The Wang application
summary: A fictional application for a protection order.
content_warning: Threats and an assault are described.
team_size: 2
pass_mark: 60
weights: {written: 60, oral: 40}
stages:
  - {slug: case-file, title: Case file, opens: start}
  - {slug: inject, title: New evidence, opens: trainer}
  - {slug: hearing, title: Hearing, opens: trainer}
submissions: {due: 7, max_words: 50}
documents:
  - {file: intake, stage: case-file, roles: [applicant]}
  - {file: instructions, stage: case-file, roles: [respondent]}
  - {file: police, stage: case-file, roles: all}
  - {file: breach, stage: inject, roles: all}
  - {file: memo, stage: case-file, roles: [judge]}
written_rubric:
  criteria:
    - slug: law
      title: Law
      weight: 3
      levels: [None, Some, Good, Very good, Complete]
    - slug: survivor
      title: Survivor-centred conduct
      weight: 1
      levels: [Harmful, Careless, Adequate, Careful, Exemplary]
oral_rubric:
  criteria:
    - slug: bench
      title: Answering the bench
      weight: 1
      levels: [Poor, Weak, Fair, Good, Excellent]
hearing: {stage: hearing, speaker_minutes: 10, rebuttal_minutes: 3}
peer_review: true
"""

CASE_FILES = {
    "case.yaml": CASE_YAML,
    "documents/intake.md": "# Intake notes\n\nThe client, Ms Wang, wants **safety**.\n",
    "documents/instructions.md": "# Respondent's instructions\n\nHe denies it.\n",
    "documents/police.md": "# Police record\n\nA call-out on 3 March.\n",
    "documents/breach.md": "# Breach report\n\nHe came to her workplace.\n",
    "documents/memo.md": "# Bench memo\n\nAsk about the warning letter.\n",
}


def case_files(**replace: str) -> dict[str, str]:
    files = dict(CASE_FILES)
    files.update(replace)
    return files


def setup_moot(make_user, make_course, with_oral_scores=False):
    """A course with the case, a cohort (started yesterday) with trainer tess, teams 1 (ana, bo:
    applicant) and 2 (cy, di: respondent), judges jo (a participant) and tess, the run started."""
    from courses.cases import runs, services
    from courses.cases.models import CaseExercise
    from training import cohorts
    from training.extensions import db
    from training.progress import enrol

    course = make_course("moot-course", modules=1, lessons=1, case=case_files())
    tess = make_user("tess", role="trainer")
    people = {h: make_user(h) for h in ("ana1", "bob", "cyd", "dia", "joe", "obi")}
    cohort = cohorts.create_cohort(tess, course.id, "Spring", date.today() - timedelta(days=1), None)
    for user in people.values():
        cohorts.join_cohort(user, cohort.invite_code, date.today())
        enrol(user, course.id, cohort.id)
    exercise = db.session.query(CaseExercise).one()
    run = runs.set_up(tess, cohort, exercise)
    state = services.run_state(run, "en")
    t1 = runs.add_team(tess, state, "applicant")
    t2 = runs.add_team(tess, state, "respondent")
    for handle, team in (("ana1", t1), ("bob", t1), ("cyd", t2), ("dia", t2)):
        runs.assign_member(tess, state, team, people[handle].id)
    runs.add_judge(tess, state, people["joe"].id, presiding=True)
    runs.add_judge(tess, state, tess.id, presiding=False)
    runs.start(tess, state)
    db.session.commit()
    return {"course": course, "cohort": cohort, "run": run, "exercise": exercise, "tess": tess,
            "t1": t1, "t2": t2, **people, "password": PASSWORD}


def pdf_bytes(text: str = "The applicant asks for a protection order.", author: str | None = None,
              password: str | None = None, owner_password: str | None = None) -> bytes:
    """A one-page PDF (Helvetica) saying ``text``. With ``author``: named in the document information,
    in an XMP metadata stream and as the author of a comment; with a link. ``password``: encrypted
    (RC4, which pypdf does without the "cryptography" package; "" with ``owner_password``: anyone
    opens it, only restrictions)."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    def name(value: str) -> NameObject:
        return NameObject(value)

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = writer._add_object(DictionaryObject({name("/Type"): name("/Font"), name("/Subtype"): name("/Type1"),
                                                name("/BaseFont"): name("/Helvetica")}))
    page[name("/Resources")] = DictionaryObject({name("/Font"): DictionaryObject({name("/F1"): font})})
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode("latin-1"))
    page[name("/Contents")] = writer._add_object(content)
    if author is not None:
        rect = ArrayObject([FloatObject(72), FloatObject(700), FloatObject(200), FloatObject(720)])
        link = DictionaryObject({
            name("/Type"): name("/Annot"), name("/Subtype"): name("/Link"), name("/Rect"): rect,
            name("/A"): DictionaryObject({name("/S"): name("/URI"),
                                          name("/URI"): TextStringObject("https://example.org/law")})})
        note = DictionaryObject({
            name("/Type"): name("/Annot"), name("/Subtype"): name("/Text"), name("/Rect"): rect,
            name("/T"): TextStringObject(author), name("/Contents"): TextStringObject("Check this.")})
        page[name("/Annots")] = ArrayObject([writer._add_object(link), writer._add_object(note)])
        xmp = DecodedStreamObject()
        xmp.set_data(
            '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>'
            f'<rdf:li>{author}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>'
            '<?xpacket end="w"?>'.encode())
        xmp.update({name("/Type"): name("/Metadata"), name("/Subtype"): name("/XML")})
        writer.root_object[name("/Metadata")] = writer._add_object(xmp)
        writer.add_metadata({"/Author": author, "/Title": f"Brief by {author}", "/Subject": author,
                             "/Keywords": author, "/Creator": f"{author}'s Word", "/Producer": author})
    if password is not None:
        writer.encrypt(user_password=password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX_TEXT = "The applicant asks for a protection order."


def docx_with_author(author: str = "Zhang Wei", initials: str = "ZW", text: str = DOCX_TEXT) -> bytes:
    """A small DOCX as Word writes it, naming ``author`` everywhere a file can: the core, extended
    and custom properties, a comment, tracked changes, the people part, the attached template's
    path and an embedded chart's workbook. Entries dated 2024, some stored, some deflated."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    workbook = io.BytesIO()
    with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as xlsx:
        xlsx.writestr("[Content_Types].xml", decl + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                      'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
                      'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        xlsx.writestr("_rels/.rels", decl + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                      'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/package/'
                      '2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>')
        xlsx.writestr("xl/workbook.xml", decl + '<workbook xmlns="http://schemas.openxmlformats.org/'
                      'spreadsheetml/2006/main"/>')
        xlsx.writestr("docProps/core.xml", decl + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
                      'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                      f'<dc:creator>{author}</dc:creator></cp:coreProperties>')
    parts = {
        "[Content_Types].xml": decl + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="xlsx" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.comments+xml"/>'
            '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.settings+xml"/>'
            '<Override PartName="/word/people.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.people+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.'
            'core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.extended-properties+xml"/>'
            '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.custom-properties+xml"/></Types>'),
        "_rels/.rels": decl + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'extended-properties" Target="docProps/app.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'custom-properties" Target="docProps/custom.xml"/></Relationships>'),
        "word/document.xml": decl + (
            f'<w:document xmlns:w="{W}" xmlns:r="{rel}"><w:body>'
            f'<w:p><w:r><w:t>{text}</w:t></w:r></w:p>'
            f'<w:p><w:commentRangeStart w:id="0"/><w:ins w:id="1" w:author="{author}" w:date="2024-05-01T10:00:00Z">'
            '<w:r><w:t>Inserted words.</w:t></w:r></w:ins>'
            f'<w:del w:id="2" w:author="{author}" w:date="2024-05-01T10:01:00Z"><w:r><w:delText>Deleted words.'
            '</w:delText></w:r></w:del><w:commentRangeEnd w:id="0"/>'
            '<w:r><w:commentReference w:id="0"/></w:r></w:p>'
            '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'),
        "word/comments.xml": decl + (
            f'<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="{author}" w:date="2024-05-01T10:02:00Z"'
            f' w:initials="{initials}"><w:p><w:r><w:t>Cite the statute here.</w:t></w:r></w:p></w:comment>'
            '</w:comments>'),
        "word/settings.xml": decl + (
            f'<w:settings xmlns:w="{W}" xmlns:r="{rel}"><w:attachedTemplate r:id="rId1"/></w:settings>'),
        "word/_rels/settings.xml.rels": decl + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'attachedTemplate" Target="file:///C:\\Users\\{author}\\AppData\\Roaming\\Microsoft\\'
            'Templates\\Normal.dotm" TargetMode="External"/></Relationships>'),
        "word/_rels/document.xml.rels": decl + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'settings" Target="settings.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'comments" Target="comments.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'hyperlink" Target="https://example.org/law" TargetMode="External"/>'
            '<Relationship Id="rId4" Type="http://schemas.microsoft.com/office/2011/relationships/people"'
            ' Target="people.xml"/>'
            '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'package" Target="embeddings/Microsoft_Excel_Worksheet.xlsx"/></Relationships>'),
        "word/people.xml": decl + (
            '<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
            f'<w15:person w15:author="{author}"><w15:presenceInfo w15:providerId="AD"'
            f' w15:userId="S::{author}@example.org::5c1e"/></w15:person></w15:people>'),
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx": workbook.getvalue(),
        "docProps/core.xml": decl + (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>Brief by {author}</dc:title><dc:subject>{author}</dc:subject>'
            f'<dc:creator>{author}</dc:creator><cp:keywords>{author}</cp:keywords>'
            f'<dc:description>{author}</dc:description><cp:lastModifiedBy>{author}</cp:lastModifiedBy>'
            f'<cp:category>{author}</cp:category><cp:contentStatus>{author}</cp:contentStatus>'
            '<cp:revision>3</cp:revision>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2024-05-01T09:00:00Z</dcterms:created>'
            '</cp:coreProperties>'),
        "docProps/app.xml": decl + (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
            ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f'<Template>{author}.dotm</Template><TotalTime>42</TotalTime><Pages>1</Pages><Words>7</Words>'
            '<Application>Microsoft Office Word</Application><DocSecurity>0</DocSecurity>'
            f'<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>Brief by {author}</vt:lpstr>'
            f'</vt:vector></TitlesOfParts><Company>{author} &amp; Partners</Company>'
            f'<Manager>{author}</Manager><AppVersion>16.0000</AppVersion></Properties>'),
        "docProps/custom.xml": decl + (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
            ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Reviewer">'
            f'<vt:lpwstr>{author}</vt:lpwstr></property></Properties>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number, (name, content) in enumerate(parts.items()):
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 10, number, 0))
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".xlsx") else zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()
