"""The 通报 as a Word document, laid out after GB/T 9704 (党政机关公文格式).

python-docx: the maintained, standard library for writing .docx from Python.  Chinese text
gets explicit East Asian fonts (w:eastAsia on every style's w:rFonts, theme fonts removed) in
the GB/T 9704 manner — 仿宋_GB2312 body, 黑体 headings, 楷体_GB2312 sub-headings, 宋体 title and
table — with the Windows names (仿宋, 楷体, SimSun, SimHei) as w:altName in the font table for
Word and WPS where the _GB2312 fonts are missing.  LibreOffice ignores w:altName and falls back
per glyph through fontconfig to an installed CJK font (Noto CJK).

Page numbers are a PAGE field in the footer ("— 1 —"); the 印发 line is a paragraph ruled
above and below (版记); a draft notice is a Word comment on the title (``draft=True``), which
neither prints by default nor sits in the text.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from gridxl.reports.bulletin import Bulletin, ranking_rows
from ..core.scheme import UNIT_KEY
from gridxl.io.outputs import atomic_path, refuse_overwrite
from .bulletin_text import BulletinForm, bulletin_blocks, default_title, draft_notice
from gridxl.reports.charts import bar_chart_png

LATIN_FONT = "Times New Roman"
FONTS = {  # GB/T 9704 党政机关公文格式
    "title": ("宋体", 22, True),  # 二号小标宋 in print; 宋体 bold is on every Windows and WPS
    "issuer": ("宋体", 26, True),
    "h1": ("黑体", 16, False),  # 三号黑体
    "item": ("楷体_GB2312", 16, True),  # 三号楷体
    "body": ("仿宋_GB2312", 16, False),  # 三号仿宋
    "table": ("宋体", 9, False),  # 小五
    "note": ("仿宋_GB2312", 12, False),
}
# Windows/WPS names to try when the font itself is missing (w:altName in the font table).
ALT_NAMES = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "宋体": "SimSun", "黑体": "SimHei"}


def _set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT):
    from docx.oxml.ns import qn
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)  # theme fonts would override the names below
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def _set_lang(rpr):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _add_font_table_entries(doc):
    """Declare the Chinese fonts with GB2312 charset and their Windows alternative names."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from lxml import etree
    parts = [rel.target_part for rel in doc.part.rels.values() if rel.reltype == RT.FONT_TABLE]
    if not parts:
        return
    part = parts[0]
    root = etree.fromstring(part.blob)
    have = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name in dict.fromkeys(f[0] for f in FONTS.values()):
        if name in have:
            continue
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        if name in ALT_NAMES:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), ALT_NAMES[name])
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")  # GB2312_CHARSET
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "modern" if "黑" in name else "roman")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "fixed" if "黑" not in name else "variable")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _styles(doc):
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, FONTS["body"][0])
    _set_lang(rpr)

    def make(name, role, align=None, indent=True, exact=28.0, before=0, after=0, base="Normal"):
        font, size, bold = FONTS[role]
        style = doc.styles["Normal"] if name == "Normal" else doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if name != "Normal":
            style.base_style = doc.styles[base]
        style.font.size = Pt(size)
        style.font.bold = bold
        _set_fonts(style.element.get_or_add_rPr(), font)
        pf = style.paragraph_format
        pf.first_line_indent = Pt(size * 2) if indent else Pt(0)
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        if exact:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(exact)
        else:
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if align is not None:
            pf.alignment = align
        return style

    make("Normal", "body", align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    make("Bulletin Issuer", "issuer", WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=None, after=12)
    make("Bulletin Title", "title", WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=36, before=12, after=12)
    make("Bulletin To", "body", WD_ALIGN_PARAGRAPH.LEFT, indent=False)
    make("Bulletin Heading", "h1").paragraph_format.keep_with_next = True
    make("Bulletin Caption", "h1", WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=6,
         after=6).paragraph_format.keep_with_next = True
    make("Bulletin Table", "table", WD_ALIGN_PARAGRAPH.CENTER, indent=False, exact=None)
    make("Bulletin Note", "note", indent=True, exact=22)
    make("Bulletin Sign", "body", WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    doc.styles["Bulletin Issuer"].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)  # 红色版头


def _page(section, landscape=False):
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Cm(29.7), Cm(21.0)) if landscape else (Cm(21.0), Cm(29.7))
    section.top_margin, section.bottom_margin = (Cm(2.5), Cm(2.5)) if landscape else (Cm(3.7), Cm(3.5))
    section.left_margin, section.right_margin = (Cm(2.5), Cm(2.5)) if landscape else (Cm(2.8), Cm(2.6))


def _text_width_cm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / 360000


def _column_widths(header: list[str], n_ind: int, available: float) -> list[float] | None:
    """Widths (cm) of the ranking table, or None when the indicator columns would be under 1 cm."""
    fixed = {"排名": 0.8, "总分": 1.2, "等次": 1.2, "名次变化": 1.0}
    widths = [fixed.get(h) for h in header]
    widths[1] = 1.6
    rest = available - sum(w for w in widths if w is not None)
    each = rest / max(n_ind, 1)
    if each < 1.0:
        return None
    return [w if w is not None else each for w in widths]


def _table(doc, b: Bulletin, available: float):
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    header, rows = ranking_rows(b)
    widths = _column_widths(header, len(b.scheme.indicators), available)
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout fixed: the widths below hold in Word, WPS and LibreOffice
    margins = OxmlElement("w:tblCellMar")  # narrow cell margins, 45 twips
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), "45")
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    # schema order matters to Word: tblCellMar comes before tblLook
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription",
                                           "w:tblPrChange")
    for i, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))  # a row is never cut across two pages
        if i == 0:
            repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
            repeat.set(qn("w:val"), "true")
            trpr.append(repeat)
    if widths:
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)  # w:gridCol, which Word's fixed layout follows
    for i, texts in enumerate([header] + rows):
        for j, text in enumerate(texts):
            cell = table.cell(i, j)
            if widths:
                cell.width = Cm(widths[j])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = cell.paragraphs[0]
            para.style = doc.styles["Bulletin Table"]
            para.paragraph_format.keep_with_next = i < len(rows)  # the table stays on one page when it fits
            if i == 0:  # 事项总量 / （20）: the points on a line of their own, in 8 pt to fit narrow columns
                name, _, points = text.partition("（")
                parts = [name, "（" + points] if points and name else [text]
                for k, part in enumerate(parts):
                    if k:
                        para.add_run().add_break()
                    run = para.add_run(part)
                    run.bold = True
                    run.font.size = Pt(8)
            else:
                para.add_run(text)
    return table


def _page_number_footer(section):
    """— PAGE — centred in the footer, 宋体 14 pt (四号), as GB/T 9704 numbers pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.first_line_indent = Pt(0)

    def run(text=None, field=None):
        r = para.add_run(text)
        r.font.size = Pt(14)
        _set_fonts(r._r.get_or_add_rPr(), "宋体")
        if field is not None:
            for kind, instr in (("begin", None), (None, field), ("separate", None), ("end", None)):
                if kind:
                    el = OxmlElement("w:fldChar")
                    el.set(qn("w:fldCharType"), kind)
                else:
                    el = OxmlElement("w:instrText")
                    el.set(qn("xml:space"), "preserve")
                    el.text = instr
                r._r.append(el)
                if kind == "separate":
                    t = OxmlElement("w:t")
                    t.text = "1"
                    r._r.append(t)
        return r

    run("— ")
    run(field=" PAGE ")
    run(" —")


def _rule(para, sides=("top", "bottom")):
    """Thin rules above and below a paragraph (the 版记 lines)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    ppr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in sides:
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "6")
        el.set(qn("w:space"), "1")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    ppr.append(borders)


def _imprint(doc, left: str, right: str, width_cm: float):
    """印发机关 on the left, 印发日期 on the right, between two rules, 仿宋 14 pt."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Cm, Pt
    doc.add_paragraph(style="Normal").paragraph_format.keep_with_next = True
    para = doc.add_paragraph(style="Normal")
    pf = para.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.left_indent = pf.right_indent = Cm(0.25)
    pf.keep_together = True
    pf.tab_stops.add_tab_stop(Cm(width_cm - 0.5), WD_TAB_ALIGNMENT.RIGHT)
    r = para.add_run(f"{left}\t{right}")
    r.font.size = Pt(14)
    _rule(para)


def _placeholder(doc, text: str):
    """A marked gap for the office to fill: highlighted, so it cannot go out unnoticed."""
    from docx.enum.text import WD_COLOR_INDEX
    para = doc.add_paragraph(style="Normal")
    run = para.add_run(text)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return para


def write_docx(b: Bulletin, path: str | Path, form: BulletinForm | None = None, inputs=()) -> Path:
    """The bulletin as a Word document (written atomically, never over an input)."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt


    form = form or BulletinForm()
    path = Path(path)
    refuse_overwrite(path, inputs)
    doc = docx.Document()
    _styles(doc)
    _add_font_table_entries(doc)
    _page(doc.sections[0])
    _page_number_footer(doc.sections[0])
    doc.core_properties.title = form.title or default_title(b)
    doc.core_properties.author = form.issuer or b.scheme.bulletin.issuer or "gridxl"
    doc.core_properties.comments = draft_notice(b)
    doc.core_properties.language = "zh-CN"
    style_of = {"issuer": "Bulletin Issuer", "title": "Bulletin Title", "to": "Bulletin To", "body": "Normal",
                "h1": "Bulletin Heading", "caption": "Bulletin Caption", "note": "Bulletin Note",
                "sign": "Bulletin Sign", "date": "Bulletin Sign"}
    header, _ = ranking_rows(b)
    available = _text_width_cm(doc.sections[0])
    landscape = _column_widths(header, len(b.scheme.indicators), available) is None
    with tempfile.TemporaryDirectory() as tmp:
        for block in bulletin_blocks(b, form):
            if block.kind == "item":
                para = doc.add_paragraph(style="Normal")
                lead = para.add_run(block.lead)
                _set_fonts(lead._r.get_or_add_rPr(), FONTS["item"][0])  # （一）… in 楷体, as GB/T 9704 sets them
                lead.bold = True
                para.add_run(block.text)
            elif block.kind == "caption" and landscape:
                section = doc.add_section(WD_SECTION.NEW_PAGE)
                _page(section, landscape=True)
                available = _text_width_cm(section)
                doc.add_paragraph(block.text, style=style_of["caption"])
            elif block.kind == "table":
                _table(doc, b, available)
            elif block.kind == "chart":
                png = Path(tmp) / "totals.png"
                units = b.ranking[UNIT_KEY].astype(str).tolist()
                bar_chart_png(units, b.ranking["total"].to_numpy(dtype=float), png, title=block.text,
                              digits=b.scheme.digits)
                para = doc.add_paragraph(style="Bulletin Table")
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                para.add_run().add_picture(str(png), width=Cm(min(available, 16.0)))
                if landscape:
                    section = doc.add_section(WD_SECTION.NEW_PAGE)
                    _page(section)
                    available = _text_width_cm(section)
            elif block.kind == "placeholder":
                _placeholder(doc, block.text)
            elif block.kind == "imprint":
                _imprint(doc, block.text, block.lead, available)
            else:
                para = doc.add_paragraph(block.text, style=style_of[block.kind])
                if block.kind in ("sign", "date"):  # signature, date and 印发 line stay on one page
                    para.paragraph_format.keep_with_next = True
                if block.kind == "sign":
                    para.paragraph_format.space_before = Pt(28)  # a line's gap below the text, for the seal
                if block.kind == "title" and form.draft:
                    doc.add_comment(para.runs, text=draft_notice(b), author="gridxl", initials="GX")
        with atomic_path(path) as out:
            doc.save(str(out))
    return path
