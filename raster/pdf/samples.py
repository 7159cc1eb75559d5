"""Sample PDFs to try check/repair on: typeset Arabic text, then break the ToUnicode maps.

``shaped_pdf`` typesets lines with fpdf2 (HarfBuzz shaping; the font is embedded as a subset,
Type0/CIDFontType2 with Identity-H, with fpdf2's ToUnicode map). ``strip_tounicode`` removes the
maps, ``scramble_tounicode`` rotates their texts among the codes: the two failures
``raster.pdf`` repairs. ``miswrite_tounicode`` gets a few codes wrong, ``present_tounicode``
writes a correct map in presentation forms (as some producers do): the maps that lie a little,
and a sound map in another spelling. The tests, ``bench/bench_pdf.py`` and
``tools/fit_suspect_share.py`` build their PDFs with these.
"""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pikepdf

from raster.data.unicode_tables import presentation_forms
from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.tounicode import build_tounicode, parse_tounicode

#: Arabic letters that join only to the preceding letter (the rest of the letters join both
#: ways, hamza neither): what the forms of a word's letters follow
RIGHT_JOINING = frozenset("آأؤإاٱةدذرزوژڈڑۀۃۄۅۆۇۈۉۊۋۍۏےۓ")
NON_JOINING = frozenset("ء")

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


def _rewrite_maps(src: Path, dst: Path, rewrite) -> Path:
    """``src`` with each font's ToUnicode map replaced by ``rewrite(font, old map)``."""

    def edit(pdf, font):
        old = parse_tounicode(font.ToUnicode.read_bytes())
        new = rewrite(font, old)
        font.ToUnicode = pdf.make_stream(build_tounicode(new, 2 if font.Subtype == "/Type0" else 1))

    return _edit_fonts(src, dst, edit)


def miswrite_tounicode(src: Path, dst: Path, wrong: int = 3, seed: int = 0) -> Path:
    """``src`` with ``wrong`` codes of each ToUnicode (codes of one letter each, all different)
    given another of those codes' letters: a map that lies about a few codes."""

    def rewrite(font, old):
        letters = {}
        for code in sorted(old):
            if len(old[code]) == 1 and old[code].isalpha() and old[code] not in letters:
                letters[old[code]] = code
        codes = random.Random(seed).sample(sorted(letters.values()), min(wrong, len(letters)))
        texts = [old[c] for c in codes]
        return dict(old) | dict(zip(codes, texts[1:] + texts[:1], strict=True))

    return _rewrite_maps(src, dst, rewrite)


def _forms(letters: list[str]) -> list[str]:
    """The contextual form of each letter of a word (logical order; marks left out)."""

    def joins_next(ch: str) -> bool:
        return ch not in RIGHT_JOINING and ch not in NON_JOINING

    out = []
    for i, ch in enumerate(letters):
        before = i > 0 and joins_next(letters[i - 1]) and ch not in NON_JOINING
        after = i + 1 < len(letters) and joins_next(ch) and letters[i + 1] not in NON_JOINING
        out.append({(1, 1): "medi", (1, 0): "fina", (0, 1): "init"}.get((before, after), "isol"))
    return out


def present_tounicode(src: Path, dst: Path) -> Path:
    """``src`` with each code that maps to one Arabic letter mapped to that letter's
    presentation form (U+FB50-FEFF) in the form the glyph is drawn in: a correct map in the
    spelling some producers use. Forms come from the shown runs (drawn right to left, as fpdf2
    draws them) and the letters' joining; a code seen in several forms keeps its first."""
    with open_pdf(src) as pdf:
        runs = {font.objgen: font.sequences for font in scan_fonts(pdf)}
    table = presentation_forms()

    def rewrite(font, old):
        form_of: dict[int, str] = {}
        for run in runs.get(font.objgen, []):
            word: list[tuple[int, str]] = []
            for code in [*reversed(run), None]:
                text = old.get(code, "") if code is not None else " "
                if text.strip() and all(unicodedata.category(c)[0] == "L" for c in text):
                    word.extend((code, ch) for ch in text)
                    continue
                if text.strip():  # a mark: transparent to joining
                    continue
                for (c, _), form in zip(word, _forms([ch for _, ch in word]), strict=True):
                    form_of.setdefault(c, form)
                word = []
        new = dict(old)
        for code, form in form_of.items():
            text = old[code]
            forms = table.get((ord(text), form)) if len(text) == 1 else None
            if forms:
                new[code] = chr(forms[0])
        return new

    return _rewrite_maps(src, dst, rewrite)


def restore_tounicode(src: Path, dst: Path, maps: list[dict]) -> Path:
    """``src`` (a stripped producer fixture) with its producer's maps put back: ``maps`` as
    saved beside ``tests/pdf/fixtures/*.pdf`` (one ``{base_font, map: code -> text}`` per font,
    in scan order)."""
    with pikepdf.open(src) as pdf:
        fonts = scan_fonts(pdf)
        for font, saved in zip(fonts, maps, strict=True):
            mapping = {int(code): text for code, text in saved["map"].items()}
            font.obj.ToUnicode = pdf.make_stream(build_tounicode(mapping, font.code_bytes))
        pdf.save(dst)
    return dst
