"""Draw a labelled grid of glyphs rendered from a glyph DB (label, character, form, font).

Each cell shows the glyph exactly as training renders it (shown black on white) with its label,
the character drawn in a bundled Arabic font, the form and the font family.
"""

from __future__ import annotations

import argparse
import logging
import sys
import unicodedata
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

from raster.cli import EXIT_INPUT, EXIT_OK, command, setup_logging
from raster.data.render import NORMALIZATIONS, RasterConfig, get_rasterizer  # noqa: E402
from raster.data.selection import SelectionConfig, label_codepoint, select_glyphs  # noqa: E402
from raster.paths import check_outputs  # noqa: E402

log = logging.getLogger("raster.visualize")


def label_font() -> FontProperties | None:
    """A font with Arabic coverage for the titles (bundled Noto Sans Arabic), if installed."""
    try:
        import fontpkg_noto_sans_arabic as pkg
    except ImportError:
        return None
    files = sorted(Path(pkg.ROOT).rglob("*.ttf"))
    return FontProperties(fname=str(files[0])) if files else None


def describe(label: str, form: str | None, family: str | None) -> tuple[str, str]:
    """(character line, detail line) of a cell title."""
    cp = label_codepoint(label)
    char = ""
    if cp is not None and 0 < cp < 0x110000:
        c = chr(cp)
        char = c if unicodedata.category(c)[0] in "LNPSM" else ""
        # Arabic marks and letters alone: a tatweel before a mark gives it a base to sit on.
        if unicodedata.category(c) == "Mn":
            char = "\u0640" + c
    head = f"{char}  U+{cp:04X}" if cp is not None else label
    shown_form = "" if not form or label.endswith("_" + form) else f" {form}"
    detail = f"{label}{shown_form}\n{(family or '?')[:22]}"
    return head, detail


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m raster.visualize",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    g = p.add_argument_group("input")
    g.add_argument("--db", type=Path, required=True, help="glyph database")
    g.add_argument("--seed", type=int, default=42, help="sample seed")
    g.add_argument("--label-regex", default=None, help="only labels matching (re.search)")
    g.add_argument("--glyph-ids", type=int, nargs="+", default=None, help="only these glyphs")
    o = p.add_argument_group("grid")
    o.add_argument("--rows", type=int, default=6)
    o.add_argument("--cols", type=int, default=8)
    o.add_argument("--out", type=Path, required=True, help="PNG file")
    o.add_argument("--img-size", type=int, default=128, help="image side, a multiple of 16")
    o.add_argument("--normalization", choices=NORMALIZATIONS, default="em")
    return p


@command("raster.visualize")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    n = args.rows * args.cols
    try:
        check_outputs({"--out": args.out}, [args.db])
        cfg = RasterConfig(img_size=args.img_size, normalization=args.normalization)
        table, _ = select_glyphs(
            SelectionConfig(
                db=args.db,
                limit=0 if args.glyph_ids else n,
                seed=args.seed,
                label_regex=args.label_regex,
                glyph_ids=args.glyph_ids,
            )
        )
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    r = get_rasterizer(cfg)
    fp = label_font()
    forms = table.extras.get("form") or [None] * len(table)
    families = table.extras.get("family") or [None] * len(table)
    fig, axes = plt.subplots(
        args.rows, args.cols, figsize=(1.7 * args.cols, 2.1 * args.rows), squeeze=False
    )
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= len(table):
            ax.axis("off")
            continue
        img, shrunk = r.render(table.outlines[k], float(table.upems[k]))
        ax.imshow(img, cmap="gray_r", vmin=0, vmax=255)
        head, detail = describe(table.labels[k], forms[k], families[k])
        if shrunk:
            detail += " (shrunk)"
        ax.set_title(head, fontproperties=fp, fontsize=11, pad=2)
        ax.set_xlabel(f"#{int(table.glyph_ids[k])} {detail}", fontsize=6.5)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    plt.close(fig)
    log.info("wrote a %dx%d grid of %d glyphs to %s", args.rows, args.cols, len(table), args.out)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
