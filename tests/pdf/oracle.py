"""An identifier that knows the truth: each glyph's text from the PDF's original ToUnicode map.

It stands in for the model where a test checks the plumbing (codes, CMaps, incremental update,
extraction) rather than the model: repaired with it, extraction must give the source text.
"""

from __future__ import annotations

from raster.pdf.codes import code_to_gid
from raster.pdf.document import open_pdf, scan_fonts
from raster.pdf.font_program import load_program
from raster.pdf.tounicode import parse_tounicode


def truth_by_gid(pdf_path) -> dict[int, str]:
    """glyph index -> text of the (single) font's own ToUnicode map."""
    with open_pdf(pdf_path) as pdf:
        (font,) = scan_fonts(pdf)
        declared = parse_tounicode(font.obj.ToUnicode.read_bytes())
        gids = code_to_gid(font, load_program(font))
    return {gid: declared[code] for code, gid in gids.items() if code in declared}


def text_label(text: str) -> str:
    """A label whose text (``label_text``) is ``text``: ``1604_isol`` or ``1604+1575_lig``."""
    if len(text) == 1:
        return f"{ord(text)}_isol"
    return "+".join(str(ord(c)) for c in text) + "_lig"


def oracle_identifier(truth: dict[int, str], confidence: dict[int, float] | None = None):
    """Identifier labelling glyph g with ``truth[g]`` at ``confidence.get(g, 0.99)``."""
    confidence = confidence or {}

    def identify(glyphs):
        return [
            [(text_label(truth[int(g)]), confidence.get(int(g), 0.99))] if int(g) in truth else []
            for g in glyphs.gids
        ]

    return identify


def fixture_truth(pdf_path, tounicode: list[dict]) -> dict[int, dict[int, str]]:
    """font object number -> glyph index -> text, from a producer's saved ToUnicode maps
    (``tests/pdf/fixtures/*.json``: one ``{base_font, map: code -> text}`` per font in scan
    order) over the fonts of the stripped PDF (any number of fonts)."""
    out: dict[int, dict[int, str]] = {}
    with open_pdf(pdf_path) as pdf:
        fonts = scan_fonts(pdf)
        assert [f.base_font for f in fonts] == [t["base_font"] for t in tounicode]
        for font, saved in zip(fonts, tounicode, strict=True):
            declared = saved["map"]
            gids = code_to_gid(font, load_program(font))
            out[font.objgen[0]] = {
                gid: declared[str(code)] for code, gid in gids.items() if str(code) in declared
            }
    return out


def fonts_oracle_identifier(truth: dict[int, dict[int, str]]):
    """Identifier for a document of several fonts: the font is told by the file the program
    was written to (``font-<object>-<generation>``, see ``raster.pdf.glyph_text``)."""

    def identify(glyphs):
        obj = int(glyphs.path.stem.split("-")[1])
        return oracle_identifier(truth.get(obj, {}))(glyphs)

    return identify


def outline_oracle_identifier(font_path, max_distance: float = 2.0):
    """Identifier for PDFs typeset in ``font_path`` whose maps cannot be the truth (a letter
    drawn as skeleton + dots has no per-code text): each embedded glyph is matched to the
    original glyph drawing the same outline at the same height (48 px renders on the em square,
    mean absolute difference plus 100 per em between the glyphs' centre heights under
    ``max_distance``) and gets that glyph's true label
    (``truth_labels``: cmap + GSUB forms; a glyph those do not reach, such as a contextual
    alternate ``uni066E.init.wide`` or a ligature part ``uni0644.init.rlig``, the label its
    name says), the form included. Glyphs that match none, or whose match has no label (a
    dots mark), get no candidates."""
    import numpy as np

    from raster.data.fonts import iter_faces
    from raster.data.render import RasterConfig
    from raster.inference.evaluate import truth_labels
    from raster.inference.font_glyphs import read_font_glyphs

    cfg = RasterConfig(img_size=48, normalization="em")
    original = read_font_glyphs(font_path)
    height = np.asarray([_centre_y(o) / original.upem for o in original.outlines])
    truth = truth_labels(next(iter(iter_faces(font_path, "default"))))
    images = original.render(cfg).astype(np.float32)
    labels = []
    for g, name in zip(original.gids, original.names, strict=True):
        t = truth.get(int(g))
        own = sorted(lab for lab in t.labels if lab.endswith("_" + t.form)) if t else []
        labels.append(own[0] if own else (sorted(t.labels)[0] if t else _name_label(name)))

    def identify(glyphs):
        out = []
        for img, o in zip(glyphs.render(cfg).astype(np.float32), glyphs.outlines, strict=True):
            # renders are centred: the height of the glyph's centre tells hamza above from below
            dist = np.abs(images - img).mean(axis=(1, 2))
            dist += 100.0 * np.abs(height - _centre_y(o) / glyphs.upem)
            best = int(np.argmin(dist))
            ok = dist[best] <= max_distance and labels[best] is not None
            out.append([(labels[best], 0.99)] if ok else [])
        return out

    return identify


def _name_label(name: str) -> str | None:
    """``uni0644.init.rlig`` -> ``1604_init`` (the original font's names are the truth)."""
    from raster.inference.evidence.names import parse_glyph_name

    hint = parse_glyph_name(name)
    if hint is None or hint.kind == "dots" or len(hint.codepoints) != 1:
        return None
    return f"{hint.codepoints[0]}_{hint.form or 'isol'}"


def _centre_y(outline) -> float:
    ys = outline.coords.reshape(-1, 2)[:, 1]
    return float(ys.min() + ys.max()) / 2 if len(ys) else 0.0
