"""Leave-families-out cross-validation: train without a fold's families, identify its fonts.

Per fold (``OUT/foldN/``): ``train.db`` (the corpus without the fold's faces), ``model/`` (the
training run), ``ref/`` (the reference index of the training fonts), ``glyphs.jsonl`` (one line
per scored glyph: truth, top-5 as shipped and stripped, the raw-pixel neighbour's label) and
``result.json`` (the fold's scores). A fold with ``result.json`` is done and skipped, so an
interrupted run resumes where it stopped. ``OUT/summary.json`` holds every finished fold and
the mean and spread (sample standard deviation) over them.
"""

from __future__ import annotations

import json
import logging
import math
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from raster.data.contours import parse_contours
from raster.data.fonts import iter_faces
from raster.data.render import RasterConfig, render_many
from raster.data.schema import FORMS, read_rows
from raster.data.strip import strip_font
from raster.data.unicode_tables import char_class
from raster.errors import MalformedContours, RasterError
from raster.evaluation.decision import assigned_first, decision_ablation
from raster.evaluation.folds import (
    CorpusFont,
    copy_without_fonts,
    corpus_fonts,
    key_classes,
    split_folds,
)
from raster.evaluation.holdout_run import holdout_training_argv
from raster.evaluation.twins import font_twins, twin_classes
from raster.inference.evaluate import arabic_letters, truth_labels
from raster.inference.pipeline import identify_font
from raster.inference.predict import load_predictor, top_k
from raster.inference.priors import label_counts
from raster.labels import split_label

log = logging.getLogger(__name__)

# train_fn(train_db, model_dir, cfg, resume) -> exit status: trains one fold's model into
# model_dir (best.pt, last.pt) with cfg's budget/epochs/img_size/limit/seed and recipe flags;
# ``resume`` is a last.pt to continue from, or None.
TrainFn = Callable[[Path, Path, "CrossvalConfig", Path | None], int]
VARIANTS = ("stripped", "shipped", "pixel")


class CrossvalError(RasterError, RuntimeError):
    """A fold cannot run (training failed, or OUT holds a run with other settings)."""


@dataclass
class CrossvalConfig:
    """One cross-validation run.

    Attributes:
        db: the corpus glyph DB.
        out: run folder.
        folds: k.
        seed: fold split (and training) seed.
        time_budget: training minutes per fold (progress schedule, see raster.engine.schedule).
        epochs: epoch cap per fold (the schedule ends annealed at whichever comes first).
        img_size: render size.
        train_args: further training flags (the recipe under test), for ``train_fn``.
        folds_to_run: fold numbers to run (default: all).
        max_fonts: at most this many test faces per fold (0: all), spread over design classes.
        limit: training rows cap (0: all), for smoke tests.
        method: identify method (classifier | knn | both).
        prior: identify's label-prior strength (None: its default,
            :data:`~raster.inference.predict.DEFAULT_PRIOR`).
        pixel_per_label: reference glyphs per label of the raw-pixel baseline.
        pixel_size: the baseline compares renders shrunk to this size.
    """

    db: Path
    out: Path
    folds: int = 5
    seed: int = 0
    time_budget: float = 20.0
    epochs: int = 1000
    img_size: int = 64
    train_args: list[str] = field(default_factory=list)
    folds_to_run: list[int] | None = None
    max_fonts: int = 0
    limit: int = 0
    method: str = "both"
    prior: float | None = None
    pixel_per_label: int = 40
    pixel_size: int = 32

    def split_signature(self) -> dict:
        return {"db": str(Path(self.db).resolve()), "k": self.folds, "seed": self.seed}

    def recipe_signature(self) -> dict:
        return {
            "time_budget": self.time_budget,
            "epochs": self.epochs,
            "img_size": self.img_size,
            "train_args": list(self.train_args),
            "limit": self.limit,
            "method": self.method,
            "prior": self.prior,
            "max_fonts": self.max_fonts,
        }


def plan_folds(cfg: CrossvalConfig) -> dict:
    """The fold split of ``cfg`` (written to ``OUT/folds.json`` on first use; a later run in
    the same folder must use the same DB, k and seed)."""
    fonts = corpus_fonts(cfg.db)
    classes = key_classes(fonts)
    folds = split_folds(classes, cfg.folds, cfg.seed)
    plan = {
        **cfg.split_signature(),
        "classes": classes,
        "folds": folds,
        "fonts": [asdict(f) for f in fonts],
    }
    path = cfg.out / "folds.json"
    if path.exists():
        old = json.loads(path.read_text())
        if {k: old.get(k) for k in cfg.split_signature()} != cfg.split_signature():
            raise CrossvalError(
                f"{path}: made with other settings ({old.get('db')}, k={old.get('k')}, "
                f"seed={old.get('seed')}); use another --out"
            )
        return old
    cfg.out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan, indent=1) + "\n")
    return plan


def test_faces(plan: dict, fold: int, max_fonts: int = 0) -> list[CorpusFont]:
    """The faces a fold scores: its families' fonts as stored (named instances of variable
    fonts are left out: the file's default face stands for them), one per file; with
    ``max_fonts``, that many taken round-robin over design classes."""
    keys = set(plan["folds"][fold])
    seen: set[str] = set()
    faces = []
    for f in plan["fonts"]:
        file = f["path"] or f["file_hash"]  # a DB without font paths: one face per hash
        if f["key"] in keys and f["instance"] is None and file not in seen:
            seen.add(file)
            faces.append(CorpusFont(**f))
    if max_fonts and len(faces) > max_fonts:
        by_class: dict[str, list[CorpusFont]] = {}
        for f in faces:
            by_class.setdefault(f.design_class, []).append(f)
        picked: list[CorpusFont] = []
        while len(picked) < max_fonts:
            for cls in sorted(by_class):
                if by_class[cls] and len(picked) < max_fonts:
                    picked.append(by_class[cls].pop(0))
        faces = picked
    return faces


# ---------------------------------------------------------------- raw-pixel baseline


def shrink(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 (N, S, S) -> float32 (N, size*size) in [0, 1]: exact area means (block means when
    S is a multiple of size; otherwise each pixel repeated size/g times, g = gcd(S, size), then
    block means of S/g, e.g. 48 -> 32 px: 2x up, 3x3 means)."""
    n, s, _ = images.shape
    g = math.gcd(s, size)
    up, f = size // g, s // g
    x = images.astype(np.float32)
    if up > 1:
        x = np.repeat(np.repeat(x, up, axis=1), up, axis=2)
    x = x.reshape(n, size, f, size, f).mean(axis=(2, 4)) / 255.0
    return x.reshape(n, size * size)


def pixel_reference(
    db: Path, raster: RasterConfig, per_label: int, size: int, seed: int
) -> tuple[np.ndarray, list[str]]:
    """Renders of up to ``per_label`` glyphs per label of ``db`` (seeded), shrunk: the raw-pixel
    nearest-neighbour baseline's reference set. Returns (float32 (N, size*size), labels)."""
    rows = read_rows(
        db,
        "SELECT g.glyph_id, g.label, g.contours, f.upem FROM glyphs g "
        "JOIN fonts f ON f.file_hash = g.f_id WHERE g.contours IS NOT NULL AND f.upem > 0",
    )
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_label.setdefault(r[1], []).append(i)
    keep = []
    for lab in sorted(by_label):
        idx = by_label[lab]
        keep += idx if len(idx) <= per_label else sorted(rng.choice(idx, per_label, replace=False))
    outlines = [parse_contours(rows[i][2], rows[i][0]) for i in keep]
    images, _ = render_many(outlines, np.asarray([rows[i][3] for i in keep], float), raster)
    return shrink(images, size), [rows[i][1] for i in keep]


def pixel_nearest(ref: np.ndarray, ref_labels: list[str], queries: np.ndarray) -> list[str]:
    """Label of each query's nearest reference render (L2 on pixels)."""
    import faiss

    index = faiss.IndexFlatL2(ref.shape[1])
    index.add(np.ascontiguousarray(ref))
    _, idx = index.search(np.ascontiguousarray(queries), 1)
    return [ref_labels[int(i)] for i in idx[:, 0]]


# ---------------------------------------------------------------- scoring


def _hit(labels: Sequence[str], truth: set[str]) -> bool:
    return bool(labels) and labels[0] in truth


def _char_hit(labels: Sequence[str], cps: set[int]) -> bool:
    return bool(labels) and split_label(labels[0])[0] in cps


def _rate(values: list[bool]) -> float | None:
    return float(np.mean(values)) if values else None


def score(records: list[dict], variant: str, twins: dict[str, str] | None = None) -> dict:
    """Scores of one variant (stripped | shipped | pixel) over glyph records.

    Returns ``letters`` (Arabic-letter glyphs: ``n``, ``label`` = char+form top-1, ``char``
    top-1), ``all`` (every glyph: ``n``, ``label`` top-1, ``label_top5``, ``char`` top-1),
    ``per_form`` and ``per_class`` (letters, as ``letters``) and ``confusions`` (the most
    frequent wrong top-1s on letters: truth, predicted, count). ``twins`` maps labels to
    their twin class's representative: then a twin of the truth counts as right.
    """

    if twins:  # a twin of the truth counts as right (see raster.evaluation.twins)
        records = [
            {
                **r,
                "truth": sorted({twins.get(t, t) for t in r["truth"]}),
                variant: [twins.get(p, p) for p in r[variant]],
            }
            for r in records
        ]

    def block(rs: list[dict]) -> dict:
        preds = [r[variant] for r in rs]
        out = {
            "n": len(rs),
            "label": _rate([_hit(p, set(r["truth"])) for p, r in zip(preds, rs, strict=True)]),
            "char": _rate(
                [_char_hit(p, set(r["codepoints"])) for p, r in zip(preds, rs, strict=True)]
            ),
        }
        if variant != "pixel":
            out["label_top5"] = _rate(
                [bool(set(p[:5]) & set(r["truth"])) for p, r in zip(preds, rs, strict=True)]
            )
        return out

    letters = [r for r in records if r["letter"]]
    confusions = Counter(
        (min(r["truth"]), r[variant][0] if r[variant] else "(none)")
        for r in letters
        if not _hit(r[variant], set(r["truth"]))
    )
    return {
        "letters": block(letters),
        "all": block(records),
        "per_form": {
            f: block([r for r in letters if r["form"] == f])
            for f in FORMS
            if any(r["form"] == f for r in letters)
        },
        "per_class": {
            c: block([r for r in letters if r["design_class"] == c])
            for c in sorted({r["design_class"] for r in letters})
        },
        "confusions": [[a, b, n] for (a, b), n in confusions.most_common(25)],
    }


def font_records(
    face: CorpusFont, predictor, method: str, strip_dir: Path, pixel: tuple | None, size: int
) -> tuple[list[dict], dict[str, np.ndarray]]:
    """One record per glyph of ``face`` that has a truth label: top-5 labels as shipped and
    stripped, the stage that decided each, and the raw-pixel neighbour's label (``pixel`` =
    (reference, labels)); and the stripped glyphs' classifier and kNN probabilities (float16
    (N, L), rows in record order), for ablations of the decision rule (priors, methods)
    without re-running the model.

    Both variants go through ``identify``'s own path (:func:`identify_font`, every outlined
    glyph, names and GSUB used): as shipped, the font's names and GSUB add their evidence to
    the shape; stripped, nothing but the outline is left, which is the headline."""
    original = next(f for f in iter_faces(face.path) if not isinstance(f, tuple))
    truth = truth_labels(original)
    letters = arabic_letters(truth)
    stripped_path = strip_font(face.path, strip_dir / f"{face.file_hash[:16]}.ttf")
    out: dict[int, dict] = {}
    parts: dict[str, np.ndarray] = {}
    stripped_gids: list[int] = []
    for variant, path in (("shipped", face.path), ("stripped", stripped_path)):
        # stripped: also identify --assign as a user runs it (one glyph per label over every
        # outlined glyph of the font: alternates and ligatures without a truth label compete)
        ident = identify_font(path, predictor, method, top=5, assign=variant == "stripped")
        gids = ident.glyphs.gids.tolist()
        rows = [i for i, g in enumerate(gids) if g in truth]
        if not rows:
            continue
        idx, _ = top_k(ident.probs[rows], 5)
        decided = [ident.evidence.decided_by[i] for i in rows] if ident.evidence else None
        for n, (i, top) in enumerate(zip(rows, idx.tolist(), strict=True)):
            gid = gids[i]
            t = truth[gid]
            rec = out.setdefault(
                gid,
                {
                    "font": face.path,
                    "family_key": face.key,
                    "design_class": face.design_class,
                    "gid": gid,
                    "truth": sorted(t.labels),
                    "codepoints": sorted(t.codepoints),
                    "form": t.form,
                    "letter": gid in letters,
                },
            )
            rec[variant] = [predictor.labels[j] for j in top]
            if decided is not None:
                rec[f"{variant}_decided_by"] = decided[n]
        if variant == "stripped":
            assigned = ident.assigned.tolist()
            for i, top in zip(rows, idx.tolist(), strict=True):
                first = assigned_first(top, assigned[i])
                out[gids[i]]["stripped_assign"] = [predictor.labels[x] for x in first]
            parts = {"classifier": predictor.classifier_probs(ident.raw)[rows]}
            if predictor.index is not None:
                parts["knn"] = predictor.knn_probs(ident.raw)[rows]
            stripped_gids = [gids[i] for i in rows]
            if pixel is not None:
                images = ident.glyphs.take(rows).render(predictor.loaded.raster)
                near = pixel_nearest(pixel[0], pixel[1], shrink(images, size))
                for gid, lab in zip(stripped_gids, near, strict=True):
                    out[gid]["pixel"] = [lab]
    stripped_path.unlink(missing_ok=True)
    need = [v for v in VARIANTS if pixel is not None or v != "pixel"]
    keep = [g for g in sorted(out) if all(v in out[g] for v in need)]
    if not keep:
        return [], {}
    row = {g: i for i, g in enumerate(stripped_gids)}
    take = [row[g] for g in keep]
    return [out[g] for g in keep], {k: v[take].astype(np.float16) for k, v in parts.items()}


def db_records(
    face: CorpusFont, db: Path, predictor, method: str, pixel: tuple | None, size: int
) -> tuple[list[dict], dict[str, np.ndarray]]:
    """:func:`font_records` of a face whose font file is gone (or never named, in the user's
    own DB): its glyph rows in ``db`` are the outlines, their labels the truth (rows of one
    outline, e.g. an isol glyph reused as fina, are one glyph with both labels). Only the
    stripped variant (the outline alone) and the raw-pixel baseline can be scored: names and
    GSUB, which the as-shipped variant adds, live in the file."""
    rows = read_rows(
        db,
        "SELECT g.glyph_id, g.label, g.contours, f.upem FROM glyphs g "
        "JOIN fonts f ON f.file_hash = g.f_id WHERE g.f_id = ? AND g.contours IS NOT NULL "
        "AND f.upem > 0 ORDER BY g.glyph_id",
        (face.file_hash,),
    )
    glyphs: dict[str, list[tuple]] = {}  # one outline -> its rows
    for r in rows:
        if split_label(r[1])[0] is not None:
            glyphs.setdefault(r[2], []).append(r)
    outlines, upems, kept = [], [], []
    for contours, rs in glyphs.items():
        try:
            outlines.append(parse_contours(contours, rs[0][0]))
        except MalformedContours:
            continue
        upems.append(float(rs[0][3]))
        kept.append(rs)
    if not kept:
        return [], {}
    images, _ = render_many(outlines, np.asarray(upems), predictor.loaded.raster)
    raw, probs = predictor.predict_images(images, method)
    idx, _ = top_k(probs, 5)
    near = pixel_nearest(pixel[0], pixel[1], shrink(images, size)) if pixel else None
    records = []
    for n, (rs, top) in enumerate(zip(kept, idx.tolist(), strict=True)):
        labels = sorted({r[1] for r in rs})
        cps = sorted({split_label(lab)[0] for lab in labels})
        rec = {
            "font": face.path or face.file_hash,
            "family_key": face.key,
            "design_class": face.design_class,
            "gid": rs[0][0],  # the DB's glyph_id: the font's glyph index is not stored
            "truth": labels,
            "codepoints": cps,
            "form": split_label(labels[0])[1],
            "letter": all(char_class(cp) == "arabic_letter" for cp in cps),
            "stripped": [predictor.labels[j] for j in top],
            "stripped_decided_by": "shape",
        }
        if near is not None:
            rec["pixel"] = [near[n]]
        records.append(rec)
    parts = {"classifier": predictor.classifier_probs(raw)}
    if predictor.index is not None:
        parts["knn"] = predictor.knn_probs(raw)
    return records, {k: v.astype(np.float16) for k, v in parts.items()}


def _font_file_gone(face: CorpusFont) -> bool:
    return not face.path or not Path(face.path).is_file()


# ---------------------------------------------------------------- folds


def evaluate_model(
    cfg: CrossvalConfig,
    checkpoint: Path,
    ref: Path,
    train_db: Path,
    faces: list[CorpusFont],
    d: Path,
    twins: dict[str, str] | None = None,
) -> dict:
    """Score a trained model (``checkpoint`` + its index ``ref``) on ``faces``, which its
    training DB ``train_db`` must not contain; writes ``glyphs.jsonl``,
    ``stripped_probs.npz`` and ``train_label_counts.json`` into ``d``.

    Returns:
        ``fonts``, ``skipped``, ``checkpoint``, ``index``, ``recipe``, ``scores`` (per
        variant, see :func:`score`), ``twins_merged``, ``decision`` (rule ablation).
    """
    predictor = load_predictor(checkpoint, ref, prior=cfg.prior)
    pixel = None
    if cfg.pixel_per_label > 0:
        pixel = pixel_reference(
            train_db, predictor.loaded.raster, cfg.pixel_per_label, cfg.pixel_size, cfg.seed
        )
    records: list[dict] = []
    prob_parts: dict[str, list[np.ndarray]] = {}
    skipped: list[list[str]] = []
    gone = [face for face in faces if _font_file_gone(face)]
    if gone:
        log.warning(
            "%s: as-shipped score skipped for %d of %d faces: their font files are gone (%s%s), "
            "so names and GSUB cannot be read; scored outline-only from the rows of %s",
            d.name,
            len(gone),
            len(faces),
            gone[0].path or f"no path in the DB for {gone[0].file_hash[:12]}",
            ", ..." if len(gone) > 1 else "",
            cfg.db,
        )
    with tempfile.TemporaryDirectory(prefix="strip", dir=d) as tmp:
        for n, face in enumerate(faces, start=1):
            try:
                if face in gone:
                    recs, probs = db_records(
                        face, cfg.db, predictor, cfg.method, pixel, cfg.pixel_size
                    )
                else:
                    recs, probs = font_records(
                        face, predictor, cfg.method, Path(tmp), pixel, cfg.pixel_size
                    )
            except Exception as exc:  # one unreadable font must not lose the fold
                skipped.append([face.path, f"{type(exc).__name__}: {exc}"])
                log.warning("%s: %s: skipped (%s)", d.name, face.path, exc)
                continue
            records += recs
            for k, v in probs.items():
                prob_parts.setdefault(k, []).append(v)
            where = face.path or face.file_hash
            log.info("%s: font %d/%d %s: %d glyphs", d.name, n, len(faces), where, len(recs))
    if prob_parts:
        np.savez_compressed(
            d / "stripped_probs.npz",
            labels=np.asarray(predictor.labels),
            **{k: np.concatenate(v) for k, v in prob_parts.items()},
        )
    counts = label_counts(train_db)
    (d / "train_label_counts.json").write_text(json.dumps(counts, sort_keys=True) + "\n")
    with open(d / "glyphs.jsonl", "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    scores = {}
    for v in VARIANTS:
        scored = [r for r in records if v in r]  # outline-only faces have no shipped variant
        if scored or not records:
            scores[v] = score(scored, v)
    return {
        "fonts": [f.path or f.file_hash for f in faces],
        "outline_only": [f.path or f.file_hash for f in gone],
        "skipped": skipped,
        "checkpoint": str(Path(checkpoint).resolve()),
        "index": str(Path(ref).resolve()),
        "recipe": cfg.recipe_signature(),
        "scores": scores,
        "twins_merged": score(records, "stripped", twins) if twins else None,
        "decision": decision_ablation(d) if prob_parts else {},
        "evidence": evidence_breakdown(records),
    }


def run_fold(
    cfg: CrossvalConfig,
    plan: dict,
    fold: int,
    train_fn: TrainFn,
    twins: dict[str, str] | None = None,
) -> dict:
    """Train, index and score one fold (each step skipped when its output exists)."""
    from raster.inference.checkpoint_loader import load_model
    from raster.inference.index import build_index

    d = cfg.out / f"fold{fold}"
    result_path = d / "result.json"
    if result_path.exists():
        log.info("fold %d: done already (%s)", fold, result_path)
        return refresh_result(result_path, twins)
    d.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    keys = set(plan["folds"][fold])
    held = {f["file_hash"] for f in plan["fonts"] if f["key"] in keys}
    train_db = d / "train.db"
    if not train_db.exists():
        removed = copy_without_fonts(cfg.db, train_db, held)
        log.info(
            "fold %d: %d test faces (%d family keys) left out of %s",
            fold,
            removed,
            len(keys),
            train_db,
        )
    model_dir = d / "model"
    done = model_dir / "train_done.json"
    t_train = time.perf_counter()
    if not done.exists():
        resume = model_dir / "last.pt" if (model_dir / "last.pt").exists() else None
        log.info("fold %d: training (%s min budget)", fold, cfg.time_budget)
        rc = train_fn(train_db, model_dir, cfg, resume)
        if rc != 0 or not (model_dir / "best.pt").exists():
            raise CrossvalError(f"fold {fold}: training failed (exit {rc}); see {model_dir}")
        done.write_text(json.dumps(cfg.recipe_signature()) + "\n")
    train_seconds = time.perf_counter() - t_train
    checkpoint = model_dir / "best.pt"
    ref = d / "ref"
    if not (ref / "index.json").exists():
        build_index(load_model(checkpoint), train_db, ref, limit=cfg.limit or None, progress=False)
    result = evaluate_model(
        cfg, checkpoint, ref, train_db, test_faces(plan, fold, cfg.max_fonts), d, twins
    )
    result = {"fold": fold, "family_keys": sorted(keys), **result}
    result["seconds"] = {
        "train": round(train_seconds, 1),
        "total": round(time.perf_counter() - t0, 1),
    }
    result_path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    for leftover in (
        train_db,
        train_db.with_name(train_db.name + "-wal"),
        train_db.with_name(train_db.name + "-shm"),
    ):
        leftover.unlink(missing_ok=True)  # 100s of MB; folds.json + the corpus DB rebuild it
    return result


def evidence_breakdown(records: list[dict]) -> dict:
    """``{source: {"n", "label"}}`` over the letters as shipped: how many each evidence
    source (``shape``, ``name``, ``gsub``, ``composed``; the stage that last changed the
    glyph's top label) decided, and the char+form top-1 among them."""
    by: dict[str, list[bool]] = {}
    for r in records:
        if r["letter"] and "shipped_decided_by" in r:
            by.setdefault(r["shipped_decided_by"], []).append(_hit(r["shipped"], set(r["truth"])))
    return {k: {"n": len(v), "label": _rate(v)} for k, v in sorted(by.items())}


def refresh_result(result_path: Path, twins: dict[str, str] | None = None) -> dict:
    """A finished fold's result, brought up to this version from what the fold saved
    (seconds; no model run): its decision-rule ablation redone when this version's rules
    differ, the evidence breakdown added when missing, and the twins-merged score redone with
    ``twins`` (the run's current twin classes) when it differs."""
    result = json.loads(result_path.read_text())
    d = result_path.parent
    before = json.dumps(result, sort_keys=True)
    if (d / "stripped_probs.npz").exists():
        decision = decision_ablation(d)
        if set(decision) != set(result.get("decision", {})):
            result["decision"] = decision
    if (d / "glyphs.jsonl").exists():
        records = _read_records(d / "glyphs.jsonl")
        result.setdefault("evidence", evidence_breakdown(records))
        if twins:
            result["twins_merged"] = score(records, "stripped", twins)
    if json.dumps(result, sort_keys=True) != before:
        result_path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return result


def _read_records(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def evaluate_trained(cfg: CrossvalConfig, model_dir: Path, train_db: Path) -> dict:
    """Score an already trained model on the corpus families it never saw.

    ``model_dir`` holds ``best.pt``; its index is ``ref/`` in ``model_dir`` or beside it (a
    fold's layout); ``train_db`` is its training DB.
    The test faces are the corpus (``cfg.db``) faces whose family key has no face in
    ``train_db`` (``cfg.max_fonts`` of them, round-robin over design classes). Writes
    ``OUT/heldout/`` like a fold and returns its result.
    """
    trained = {f.key for f in corpus_fonts(train_db)}
    fonts = corpus_fonts(cfg.db)
    unseen = sorted({f.key for f in fonts} - trained)
    plan = {"folds": [unseen], "fonts": [asdict(f) for f in fonts]}
    d = cfg.out / "heldout"
    d.mkdir(parents=True, exist_ok=True)
    faces = test_faces(plan, 0, cfg.max_fonts)
    twins = twin_classes(font_twins(cfg.db))
    model_dir = Path(model_dir)
    ref = model_dir / "ref"
    if not (ref / "index.json").exists():
        ref = model_dir.parent / "ref"
    result = evaluate_model(cfg, model_dir / "best.pt", ref, train_db, faces, d, twins)
    result = {"fold": 0, "family_keys": unseen, **result}
    (d / "result.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return result


def score_trained_run(cfg: CrossvalConfig, model_dir: Path, train_db: Path) -> dict:
    """``raster.crossval --model-dir``: :func:`evaluate_trained` and its summary (one row,
    ``heldout``), written to ``OUT/heldout/summary.json``; returns the summary."""
    result = evaluate_trained(cfg, model_dir, train_db)
    summary = summarize([result])
    summary["per_fold"] = {"heldout": per_fold_row(result)}
    (cfg.out / "heldout" / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


def fold_training_argv(
    db: Path, model_dir: Path, cfg: CrossvalConfig, resume: Path | None
) -> list[str]:
    """``raster.train`` flags of one fold: the hold-out run's plus the recipe's; a fold starts
    afresh (``--overwrite`` clears a start that never reached a checkpoint) or resumes."""
    argv = holdout_training_argv(
        db,
        model_dir,
        epochs=cfg.epochs,
        img_size=cfg.img_size,
        time_budget=cfg.time_budget,
        limit=cfg.limit,
    )
    argv += ["--seed", str(cfg.seed), *cfg.train_args]
    argv += ["--resume", str(resume)] if resume is not None else ["--overwrite"]
    return argv


def _mean_sd(values: list[float | None]) -> dict:
    vs = [v for v in values if v is not None]
    if not vs:
        return {"mean": None, "sd": None, "n": 0}
    return {
        "mean": float(np.mean(vs)),
        "sd": float(statistics.stdev(vs)) if len(vs) > 1 else 0.0,
        "n": len(vs),
    }


HEADLINE = (
    ("letters", "label"),
    ("letters", "char"),
    ("all", "label"),
    ("all", "label_top5"),
    ("all", "char"),
)


def summarize(results: list[dict]) -> dict:
    """Mean and spread over folds of every headline figure, per form and per class."""
    out: dict = {"folds": [r["fold"] for r in results], "variants": {}}
    for v in VARIANTS:
        have = [r["scores"][v] for r in results if v in r["scores"]]
        if not have:
            continue
        s: dict = {}
        for part, metric in HEADLINE:
            if metric in have[0][part]:
                s[f"{part}.{metric}"] = _mean_sd([h[part].get(metric) for h in have])
        for group in ("per_form", "per_class"):
            names = sorted({n for h in have for n in h[group]})
            s[group] = {
                n: {
                    m: _mean_sd([h[group].get(n, {}).get(m) for h in have])
                    for m in ("label", "char")
                }
                for n in names
            }
        conf: Counter = Counter()
        for h in have:
            for a, b, n in h["confusions"]:
                conf[(a, b)] += n
        s["confusions"] = [[a, b, n] for (a, b), n in conf.most_common(25)]
        out["variants"][v] = s
    merged = [r["twins_merged"] for r in results if r.get("twins_merged")]
    if merged:
        out["twins_merged"] = {
            f"{p}.{m}": _mean_sd([h[p].get(m) for h in merged])
            for p, m in HEADLINE
            if m in merged[0][p]
        }
    sources = sorted({k for r in results for k in r.get("evidence", {})})
    out["evidence"] = {
        src: {
            "n": sum(r.get("evidence", {}).get(src, {}).get("n", 0) for r in results),
            "share": _mean_sd(
                [
                    r["evidence"].get(src, {}).get("n", 0)
                    / max(1, sum(e["n"] for e in r["evidence"].values()))
                    for r in results
                    if r.get("evidence")
                ]
            ),
            "label": _mean_sd([r.get("evidence", {}).get(src, {}).get("label") for r in results]),
        }
        for src in sources
    }
    rules = sorted({k for r in results for k in r.get("decision", {})})
    out["decision"] = {}
    for rule in rules:
        have = [r["decision"][rule] for r in results if rule in r.get("decision", {})]
        classes = sorted({c for h in have for c in h["per_class"]})
        out["decision"][rule] = {
            "letters.label": _mean_sd([h["letters"]["label"] for h in have]),
            "letters.char": _mean_sd([h["letters"]["char"] for h in have]),
            "all.label": _mean_sd([h["all"]["label"] for h in have]),
            "per_class": {
                c: _mean_sd([h["per_class"].get(c, {}).get("label") for h in have]) for c in classes
            },
        }
    return out


def per_fold_row(result: dict) -> dict:
    """``{variant: {"letters.label": ..., ...}}``: the headline figures of one fold."""
    return {
        v: {f"{p}.{m}": result["scores"][v][p].get(m) for p, m in HEADLINE}
        for v in result["scores"]
    }


def run_crossval(cfg: CrossvalConfig, train_fn: TrainFn) -> dict:
    """Run (or resume) the folds of ``cfg``; returns and writes ``OUT/summary.json``."""
    plan = plan_folds(cfg)
    twins_path = cfg.out / "twins.json"  # redone each run (seconds): the rule may have grown
    twins_path.write_text(json.dumps(font_twins(cfg.db), indent=1) + "\n")
    twins = twin_classes(json.loads(twins_path.read_text()))
    todo = cfg.folds_to_run if cfg.folds_to_run is not None else list(range(cfg.folds))
    bad = [f for f in todo if not 0 <= f < cfg.folds]
    if bad:
        raise CrossvalError(f"--folds-to-run {bad}: folds are 0..{cfg.folds - 1}")
    for fold in todo:
        run_fold(cfg, plan, fold, train_fn, twins)
    results = [
        json.loads((cfg.out / f"fold{i}" / "result.json").read_text())
        for i in range(cfg.folds)
        if (cfg.out / f"fold{i}" / "result.json").exists()
    ]
    summary = {"config": {**cfg.split_signature(), **cfg.recipe_signature()}, **summarize(results)}
    summary["per_fold"] = {r["fold"]: per_fold_row(r) for r in results}
    (cfg.out / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    return summary


def _ms(m: dict | None) -> str:
    if not m or m.get("mean") is None:
        return "–"
    return f"{100 * m['mean']:.1f} ± {100 * m['sd']:.1f}"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def format_summary(summary: dict) -> str:
    """The summary as Markdown tables: per fold and mean ± sd per variant; twins merged;
    the decision-rule ablation (method x prior strength); letters per design class."""
    cols = [
        ("letters.label", "letters char+form"),
        ("letters.char", "letters char"),
        ("all.label", "all label top-1"),
        ("all.label_top5", "all label top-5"),
    ]
    lines = [
        "| fold | variant | " + " | ".join(c[1] for c in cols) + " |",
        "|---|---|" + "---:|" * len(cols),
    ]
    for fold, per in sorted(
        summary.get("per_fold", {}).items(), key=lambda kv: str(kv[0]).zfill(8)
    ):
        for v, vals in per.items():
            lines.append(
                f"| {fold} | {v} | " + " | ".join(_pct(vals.get(c)) for c, _ in cols) + " |"
            )
    for v, s in summary["variants"].items():
        lines.append(f"| mean ± sd | {v} | " + " | ".join(_ms(s.get(c)) for c, _ in cols) + " |")
    if summary.get("twins_merged"):
        t = summary["twins_merged"]
        lines.append(
            "| mean ± sd | stripped, twins merged | "
            + " | ".join(_ms(t.get(c)) if c != "letters.char" else "–" for c, _ in cols)
            + " |"
        )
    if summary.get("decision"):
        lines += [
            "",
            "| decision rule (stripped) | letters char+form | letters char | all label top-1 |",
            "|---|---:|---:|---:|",
        ]
        for rule, d in summary["decision"].items():
            lines.append(
                f"| {rule} | {_ms(d['letters.label'])} | {_ms(d['letters.char'])} | {_ms(d['all.label'])} |"
            )
    if summary.get("evidence"):
        lines += [
            "",
            "| as shipped, decided by | letters | share | letters char+form among them |",
            "|---|---:|---:|---:|",
        ]
        for src, e in summary["evidence"].items():
            lines.append(f"| {src} | {e['n']} | {_ms(e['share'])} | {_ms(e['label'])} |")
    stripped = summary["variants"].get("stripped")
    if stripped:
        pixel = summary["variants"].get("pixel", {}).get("per_class", {})
        lines += [
            "",
            "| design class | letters char+form | letters char | pixel NN char+form |",
            "|---|---:|---:|---:|",
        ]
        for cls, m in stripped["per_class"].items():
            lines.append(
                f"| {cls} | {_ms(m['label'])} | {_ms(m['char'])} | {_ms(pixel.get(cls, {}).get('label'))} |"
            )
    return "\n".join(lines)
