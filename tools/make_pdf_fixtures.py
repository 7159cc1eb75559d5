"""Typeset Arabic with real PDF producers, strip the text layer, write test fixtures.

Run by ``scripts/make_pdf_fixtures.sh`` (which installs the producers with apt). For each
producer (``cairo``: pango-view; ``chromium``: headless ``--print-to-pdf`` with ``@font-face``;
``libreoffice``: ``soffice --convert-to pdf`` of an HTML page) and each font, it writes

* ``<producer>-<font>.pdf``: the producer's PDF with its text layer removed: every
  ``/ToUnicode``, every ``/ActualText`` of marked content, and the Unicode cmap subtables of
  embedded TrueType programs that a reader falls back to (Type0 fonts, whose glyphs are
  addressed by glyph index, so the drawing does not change);
* ``<producer>-<font>.json``: the producer's own ToUnicode maps (one per font in the order
  ``raster.pdf.document.scan_fonts`` lists them, which saving does not change while object
  numbers may: code -> text, the truth for the oracle tests), the producer's accuracy, the
  stripped one;

and ``source.txt``, the typeset text (one line per paragraph). Chromium gets the fonts as
CFF-flavoured OpenType (converted here with fontTools: web fonts are mostly CFF), which it
embeds as Type3 fonts; LibreOffice gets TrueType for upright faces and CFF for italic ones (it
embeds CFF as Type 1). Only bundled (OFL) fonts are used.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pikepdf
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTFont

from raster.data.bundled import bundled_font_paths
from raster.pdf.document import scan_fonts
from raster.pdf.samples import ARABIC_LINES
from raster.pdf.text_accuracy import char_accuracy, extract_text
from raster.pdf.tounicode import parse_tounicode
from raster.reviewing.browser import CHROMIUM_ARGS

# Amiri's four faces; Noto Sans Arabic draws dotted letters as a skeleton + a dots mark
# (raster.pdf.clusters), typeset at its default instance.
FONTS = [
    "Amiri-Regular",
    "Amiri-Bold",
    "Amiri-Italic",
    "Amiri-BoldItalic",
    "NotoSansArabic[wdth,wght]",
]
# The review page's browser flags (headless, no network chatter), plus a bare page for printing.
CHROMIUM_FLAGS = [*CHROMIUM_ARGS, "--no-pdf-header-footer"]


def ttf_to_otf(src: Path, dst: Path) -> Path:
    """``src`` (TrueType outlines) redrawn as a CFF-flavoured OpenType font; the layout tables
    (cmap, GSUB, GPOS, GDEF), names and metrics are kept, so shaping is unchanged."""
    tt = TTFont(src)
    order = tt.getGlyphOrder()
    glyph_set = tt.getGlyphSet()
    charstrings = {}
    for name in order:
        pen = T2CharStringPen(tt["hmtx"][name][0], glyph_set)
        glyph_set[name].draw(pen)  # quadratic curves become cubic
        charstrings[name] = pen.getCharString()
    fb = FontBuilder(tt["head"].unitsPerEm, isTTF=False)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(tt.getBestCmap())
    ps_name = tt["name"].getDebugName(6) or src.stem
    fb.setupCFF(ps_name, {"FullName": ps_name}, charstrings, {})
    fb.setupHorizontalMetrics({n: tt["hmtx"][n] for n in order})
    for tag in ("hhea", "OS/2", "name", "GSUB", "GPOS", "GDEF"):
        if tag in tt:
            fb.font[tag] = tt[tag]
    fb.setupPost()
    fb.setupMaxp()
    fb.font.save(dst)
    return dst


def _fontconfig(work: Path, font: Path) -> dict:
    """Environment where fontconfig sees only ``font``."""
    fonts = work / "fonts"
    shutil.rmtree(fonts, ignore_errors=True)
    fonts.mkdir(parents=True)
    shutil.copy(font, fonts / font.name)
    conf = work / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{fonts}</dir><cachedir>{work / 'fccache'}</cachedir></fontconfig>\n"
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": str(work)}


def _family_style(font: Path) -> tuple[str, str]:
    """Family and style fontconfig gives the file (a variable font: its first listed face,
    the default instance)."""
    out = subprocess.run(
        ["fc-scan", "--format", "%{family[0]}|%{style[0]}\n", str(font)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    family, style = out.splitlines()[0].split("|")
    return family, style


def _html(font_css: str, family: str, style: str) -> str:
    weight = "bold" if "Bold" in style else "normal"
    slant = "italic" if "Italic" in style else "normal"
    paras = "\n".join(f"<p>{line}</p>" for line in ARABIC_LINES)
    return (
        '<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><style>'
        f"{font_css} body {{ font-family: '{family}'; font-size: 20pt; font-weight: {weight}; "
        f"font-style: {slant}; }}</style></head><body>\n{paras}\n</body></html>\n"
    )


def cairo_pdf(font: Path, out: Path, work: Path) -> Path:
    env = _fontconfig(work, font)
    family, style = _family_style(font)
    text = work / "text.txt"
    text.write_text("\n".join(ARABIC_LINES) + "\n", encoding="utf-8")
    subprocess.run(
        ["pango-view", "-q", f"--font={family} {style} 20", "--rtl", "-o", str(out), str(text)],
        check=True,
        env=env,
    )
    return out


def chromium_pdf(font: Path, out: Path, work: Path) -> Path:
    otf = ttf_to_otf(font, work / (font.stem + ".otf"))
    css = f"@font-face {{ font-family: 'Web'; src: url('file://{otf}'); }}"
    page = work / "page.html"
    page.write_text(_html(css, "Web", "Regular"), encoding="utf-8")
    profile = tempfile.mkdtemp(dir=work)
    subprocess.run(
        [
            "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={out}",
            str(page),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def libreoffice_pdf(font: Path, out: Path, work: Path) -> Path:
    if "Italic" in font.stem:  # LibreOffice embeds CFF programs as Type 1 fonts
        font = ttf_to_otf(font, work / (font.stem + ".otf"))
    env = _fontconfig(work, font)
    family, style = _family_style(font)
    page = work / (out.stem + ".html")
    page.write_text(_html("", family, style), encoding="utf-8")
    outdir = work / "lo_out"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{work / 'lo_profile'}",
            "--headless",
            "--infilter=HTML (StarWriter)",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            str(page),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=300,
    )
    shutil.move(outdir / (page.stem + ".pdf"), out)
    return out


PRODUCERS = {"cairo": cairo_pdf, "chromium": chromium_pdf, "libreoffice": libreoffice_pdf}


def _all_fonts(pdf: pikepdf.Pdf):
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.Font:
            yield obj


def producer_maps(path: Path) -> list[dict]:
    """Per font (scan order): its name and code -> text of the producer's ToUnicode map."""
    out = []
    with pikepdf.open(path) as pdf:
        for font in scan_fonts(pdf):
            tu = font.obj.get("/ToUnicode")
            declared = parse_tounicode(tu.read_bytes()) if isinstance(tu, pikepdf.Stream) else {}
            out.append(
                {"base_font": font.base_font, "map": {str(c): t for c, t in declared.items()}}
            )
    return out


def _strip_actualtext(owner) -> None:
    ops = pikepdf.parse_content_stream(owner)
    changed = False
    for inst in ops:
        if str(inst.operator) == "BDC" and isinstance(inst.operands[-1], pikepdf.Dictionary):
            props = inst.operands[-1]
            if "/ActualText" in props:
                del props["/ActualText"]
                changed = True
    if changed:
        target = owner if isinstance(owner, pikepdf.Stream) else owner.obj.Contents
        target.write(pikepdf.unparse_content_stream(ops))


def _strip_unicode_cmap(descriptor: pikepdf.Dictionary) -> None:
    stream = descriptor.get("/FontFile2")
    if not isinstance(stream, pikepdf.Stream):
        return
    import io

    tt = TTFont(io.BytesIO(stream.read_bytes()))
    if "cmap" not in tt:
        return
    del tt["cmap"]
    buf = io.BytesIO()
    tt.save(buf)
    stream.write(buf.getvalue())


def strip_text_layer(src: Path, dst: Path) -> Path:
    """``src`` without ToUnicode, ActualText, and the Unicode cmaps of Type0 TrueType programs."""
    with pikepdf.open(src) as pdf:
        for font in _all_fonts(pdf):
            if "/ToUnicode" in font:
                del font["/ToUnicode"]
            if font.get("/Subtype") == pikepdf.Name.Type0:
                desc = font.DescendantFonts[0]
                if "/FontDescriptor" in desc:
                    _strip_unicode_cmap(desc.FontDescriptor)
        for page in pdf.pages:
            page.contents_coalesce()
            _strip_actualtext(page)
        if "/StructTreeRoot" in pdf.Root:  # tagged PDFs repeat the text in /Alt, /ActualText
            del pdf.Root["/StructTreeRoot"]
        pdf.save(dst, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return dst


def fixture_stem(stem: str) -> str:
    """A font file stem as fixtures name it: a variable font's axes tag becomes its default
    instance (``NotoSansArabic[wdth,wght]`` -> ``NotoSansArabic-Regular``)."""
    return stem.split("[")[0] + "-Regular" if "[" in stem else stem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("tests/pdf/fixtures"))
    parser.add_argument("--producers", nargs="+", default=list(PRODUCERS), choices=PRODUCERS)
    parser.add_argument("--fonts", nargs="+", default=FONTS, help="bundled font stems")
    args = parser.parse_args(argv)
    paths = {p.stem: p for p in bundled_font_paths()}
    args.out.mkdir(parents=True, exist_ok=True)
    source = "\n".join(ARABIC_LINES) + "\n"
    (args.out / "source.txt").write_text(source, encoding="utf-8")
    for producer in args.producers:
        for stem in args.fonts:
            with tempfile.TemporaryDirectory(prefix="pdf_fixture_") as tmp:
                work = Path(tmp)
                made = PRODUCERS[producer](paths[stem], work / "made.pdf", work)
                name = f"{producer}-{fixture_stem(stem)}"
                stripped = strip_text_layer(made, args.out / f"{name}.pdf")
                info = {
                    "producer": producer,
                    "font": paths[stem].name,
                    "producer_accuracy": char_accuracy(extract_text(made), source),
                    "stripped_accuracy": char_accuracy(extract_text(stripped), source),
                    "tounicode": producer_maps(made),
                }
                (args.out / f"{name}.json").write_text(
                    json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
                )
                print(
                    f"{name}.pdf: {stripped.stat().st_size} bytes, producer's text layer "
                    f"{info['producer_accuracy']:.1%}, stripped {info['stripped_accuracy']:.1%}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
