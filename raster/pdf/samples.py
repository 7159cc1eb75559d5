"""Sample PDFs to try check/repair on: typeset Arabic text, then break the ToUnicode maps.

``shaped_pdf`` typesets lines with fpdf2 (HarfBuzz shaping; the font is embedded as a subset,
Type0/CIDFontType2 with Identity-H, with fpdf2's ToUnicode map). ``strip_tounicode`` removes the
maps, ``scramble_tounicode`` rotates their texts among the codes: the two failures
``raster.pdf`` repairs. The tests and ``bench/bench_pdf.py`` build their PDFs with these.
"""

from __future__ import annotations

import random
from pathlib import Path

import pikepdf

from raster.pdf.tounicode import build_tounicode, parse_tounicode

# Written for the project (plain sentences; the first is the classical Arabic pangram, which has
# every letter of the alphabet): the text of tests/pdf/fixtures (tools/make_pdf_fixtures.py) and
# of bench/bench_pdf.py's PDFs.
ARABIC_LINES = [
    "صف خلق خود كمثل الشمس إذ بزغت يحظى الضجيع بها نجلاء معطار",
    "كتب الطالب درسه في المكتبة قبل صلاة الظهر",
    "ذهب الأولاد إلى الحديقة ولعبوا بالكرة حتى المساء",
    "غابت الشمس وظهر القمر فوق الجبال العالية",
    "شرب الضيف فنجان القهوة ثم شكر صاحب البيت",
    "لا تؤجل عمل اليوم إلى الغد",
]


def shaped_pdf(font: Path, lines: list[str], out: Path, size: int = 24) -> Path:
    """One page, one line per item, each shaped right to left with ``font`` (fpdf2 + HarfBuzz)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("f", fname=str(font))
    pdf.set_font("f", size=size)
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
    for line in lines:
        pdf.cell(0, size * 0.6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return out


# Written for the project: the two-column and table pages of ``raster.pdf text``'s tests and
# bench (a reader reads the right column first, the table row by row from the right).
COLUMN_TITLE = "مقالة قصيرة في عمودين"
COLUMNS = [
    ["يبدأ القارئ من العمود الأيمن", "ثم ينزل فيه سطرا بعد سطر", "حتى يصل إلى آخر العمود"],
    ["وبعد ذلك ينتقل إلى اليسار", "فيقرأ أسطره من الأعلى", "إلى أن تنتهي الصفحة"],
]
TABLE_CAPTION = "جدول المسافرين في الصيف"
TABLE = [
    ["الاسم", "المدينة", "الشهر"],
    ["أحمد", "القاهرة", "يونيو"],
    ["سلمى", "بغداد", "يوليو"],
    ["يوسف", "تونس", "أغسطس"],
]


def _rtl_pdf(font: Path, size: int):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("f", fname=str(font))
    pdf.set_font("f", size=size)
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
    return pdf


def two_column_pdf(font: Path, out: Path, size: int = 14) -> Path:
    """One page: :data:`COLUMN_TITLE` across the top, then :data:`COLUMNS` side by side (the
    first on the right), their lines on the same heights (mm units, fpdf2's default)."""
    pdf = _rtl_pdf(font, size)
    pdf.set_xy(10, 15)
    pdf.cell(190, 12, COLUMN_TITLE, align="C")
    for col, lines in enumerate(COLUMNS):
        x = 110 if col == 0 else 10
        for row, line in enumerate(lines):
            pdf.set_xy(x, 35 + row * 10)
            pdf.cell(90, 10, line, align="R")
    pdf.output(str(out))
    return out


def ruled_table_pdf(font: Path, out: Path, size: int = 14) -> Path:
    """One page: :data:`TABLE_CAPTION`, then :data:`TABLE` with a border around every cell,
    each row's first cell on the right."""
    pdf = _rtl_pdf(font, size)
    pdf.set_xy(10, 15)
    pdf.cell(190, 12, TABLE_CAPTION, align="C")
    for row, cells in enumerate(TABLE):
        for col, text in enumerate(cells):
            pdf.set_xy(145 - col * 60, 35 + row * 12)
            pdf.cell(60, 12, text, border=1, align="C")
    pdf.output(str(out))
    return out


def _edit_fonts(src: Path, dst: Path, edit) -> Path:
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            for _, font in page.obj.Resources.get("/Font", {}).items():
                edit(pdf, font)
        pdf.save(dst)
    return dst


def strip_tounicode(src: Path, dst: Path) -> Path:
    """``src`` with every font's ToUnicode removed."""

    def edit(pdf, font):
        if "/ToUnicode" in font:
            del font["/ToUnicode"]

    return _edit_fonts(src, dst, edit)


def scramble_tounicode(src: Path, dst: Path, seed: int = 0) -> Path:
    """``src`` with each ToUnicode's texts rotated among its codes (every code gets another's
    text; codes mapping to U+0000 or a space keep theirs)."""

    def edit(pdf, font):
        old = parse_tounicode(font.ToUnicode.read_bytes())
        codes = sorted(c for c, t in old.items() if t.strip() and t != "\x00")
        texts = [old[c] for c in codes]
        random.Random(seed).shuffle(texts)
        rotated = texts[1:] + texts[:1]
        new = dict(old) | dict(zip(codes, rotated, strict=True))
        font.ToUnicode = pdf.make_stream(build_tounicode(new, 2 if font.Subtype == "/Type0" else 1))

    return _edit_fonts(src, dst, edit)
