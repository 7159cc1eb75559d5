"""Cross-validation: folds never split relatives; --quick runs end to end."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from raster import crossval as crossval_cmd
from raster.data import ingest
from raster.data.bundled import bundled_font_paths
from raster.evaluation.crossval import evidence_breakdown, score, shrink, summarize
from raster.evaluation.folds import copy_without_fonts, corpus_fonts, key_classes, split_folds

FONTS = (
    "Tajawal-Regular.ttf",
    "Tajawal-Bold.ttf",
    "Almarai-Regular.ttf",
    "Almarai-Bold.ttf",
    "IBMPlexSansArabic-Regular.ttf",
    "IBMPlexSansArabic-Bold.ttf",
)


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cv") / "corpus.db"
    paths = [p for p in bundled_font_paths() if p.name in FONTS]
    ingest.ingest(db, paths, instances="default", progress=False)
    return db


def test_split_keeps_relatives_together_and_is_stratified():
    classes = {f"naskh{i}": "naskh" for i in range(7)}
    classes |= {f"kufi{i}": "kufi" for i in range(4)}
    classes |= {"sans0": "sans", "sans1": "sans", "display0": "display"}
    folds = split_folds(classes, 3, seed=5)
    assert sorted(k for f in folds for k in f) == sorted(classes)  # each key exactly once
    for cls, n in (("naskh", 7), ("kufi", 4)):
        counts = sorted(sum(classes[k] == cls for k in f) for f in folds)
        assert counts[-1] - counts[0] <= 1 and sum(counts) == n  # every fold tests the class
    assert folds == split_folds(dict(reversed(classes.items())), 3, seed=5)  # order-free
    assert folds != split_folds(classes, 3, seed=6)
    with pytest.raises(ValueError, match="folds"):
        split_folds(classes, 1, seed=0)


def test_corpus_relatives_share_a_key_and_never_straddle_folds(tmp_path):
    db = tmp_path / "c.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE fonts (file_hash TEXT, path TEXT, instance TEXT, family TEXT)")
    fams = [
        "Amiri",
        "Amiri Quran",
        "Amiri Quran Colored",
        "Cairo",
        "Cairo Play",
        "Noto Sans Arabic",
        "Noto Sans Arabic UI",
        "Noto Naskh Arabic",
        "Noto Naskh Arabic UI",
        "Almarai Light",
        "Almarai",
        "Tajawal",
        "Noto Kufi Arabic",
        "Changa",
        "Kufam",
    ]
    conn.executemany(
        "INSERT INTO fonts VALUES (?, ?, NULL, ?)",
        [(f"h{i}", f"/f/{i}.ttf", fam) for i, fam in enumerate(fams)],
    )
    conn.commit()
    conn.close()
    fonts = corpus_fonts(db)
    classes = key_classes(fonts)
    assert len(classes) == 9
    for seed in range(20):
        folds = split_folds(classes, 3, seed)
        fold_of = {k: i for i, f in enumerate(folds) for k in f}
        sides = {}
        for f in fonts:
            sides.setdefault(
                f.family.split()[0]
                + (" " + f.family.split()[1] if f.family.startswith("Noto") else ""),
                set(),
            ).add(fold_of[f.key])
        for relatives, where in sides.items():
            assert len(where) == 1, (relatives, seed)


def test_copy_without_fonts(small_db, tmp_path):
    fonts = corpus_fonts(small_db)
    drop = {f.file_hash for f in fonts if f.key == "tajawal"}
    assert copy_without_fonts(small_db, tmp_path / "t.db", drop) == 2  # Regular and Bold
    conn = sqlite3.connect(tmp_path / "t.db")
    left = {r[0] for r in conn.execute("SELECT DISTINCT f_id FROM glyphs")}
    conn.close()
    assert left == {f.file_hash for f in fonts} - drop


def test_score_counts_exactly():
    def rec(truth, cps, form, letter, cls, stripped, pixel):
        return {
            "truth": truth,
            "codepoints": cps,
            "form": form,
            "letter": letter,
            "design_class": cls,
            "stripped": stripped,
            "pixel": pixel,
        }

    records = [
        rec(
            ["1576_init"], [1576], "init", True, "naskh", ["1576_init", "1578_init"], ["1578_init"]
        ),
        rec(
            ["1576_fina"], [1576], "fina", True, "naskh", ["1576_isol", "1576_fina"], ["1576_fina"]
        ),
        rec(["1578_isol"], [1578], "isol", True, "kufi", ["1579_isol", "1580_isol"], ["1578_isol"]),
        rec(["49_isol"], [49], "isol", False, "kufi", ["49_isol"], ["1575_isol"]),
    ]
    s = score(records, "stripped")
    assert s["letters"] == {
        "n": 3,
        "label": pytest.approx(1 / 3),
        "char": pytest.approx(2 / 3),
        "label_top5": pytest.approx(2 / 3),
    }
    assert s["all"]["n"] == 4 and s["all"]["label"] == 0.5
    assert s["per_class"]["naskh"]["label"] == 0.5 and s["per_class"]["kufi"]["char"] == 0.0
    assert s["per_form"]["fina"] == {"n": 1, "label": 0.0, "char": 1.0, "label_top5": 1.0}
    assert sorted(map(tuple, s["confusions"])) == [
        ("1576_fina", "1576_isol", 1),
        ("1578_isol", "1579_isol", 1),
    ]
    p = score(records, "pixel")
    assert p["letters"]["label"] == pytest.approx(2 / 3) and "label_top5" not in p["letters"]
    both = summarize(
        [{"fold": 0, "scores": {"stripped": s}}, {"fold": 1, "scores": {"stripped": s}}]
    )
    assert both["variants"]["stripped"]["letters.label"] == {
        "mean": pytest.approx(1 / 3),
        "sd": 0.0,
        "n": 2,
    }


def test_evidence_breakdown_counts_letters_by_deciding_source():
    def rec(letter, by, hit):
        return {
            "letter": letter,
            "truth": ["1575_isol"],
            "shipped": ["1575_isol" if hit else "108_isol"],
            "shipped_decided_by": by,
        }

    records = [rec(True, "gsub", True), rec(True, "gsub", False), rec(True, "shape", True)]
    records.append(rec(False, "name", True))  # not a letter: not counted
    assert evidence_breakdown(records) == {
        "gsub": {"n": 2, "label": 0.5},
        "shape": {"n": 1, "label": 1.0},
    }


def test_shrink_is_a_block_mean():
    img = np.zeros((1, 4, 4), np.uint8)
    img[0, :2, :2] = 255
    img[0, 3, 3] = 255
    assert shrink(img, 2).tolist() == [[1.0, 0.0, 0.0, 0.25]]


def test_quick_runs_end_to_end_and_resumes(small_db, tmp_path, capsys):
    out = tmp_path / "cv"
    assert crossval_cmd.main(["--db", str(small_db), "--out", str(out), "--quick"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["folds"] == [0, 1]
    for fold in (0, 1):
        result = json.loads((out / f"fold{fold}" / "result.json").read_text())
        assert (out / f"fold{fold}" / "model" / "best.pt").exists()
        assert (out / f"fold{fold}" / "ref" / "index.json").exists()
        assert len(result["fonts"]) == 1 and not result["skipped"]
        s = result["scores"]
        assert s["stripped"]["all"]["n"] > 0
        # stripped, the outline is all there is; as shipped, names and GSUB add evidence
        records = [
            json.loads(line)
            for line in (out / f"fold{fold}" / "glyphs.jsonl").read_text().splitlines()
        ]
        assert {r["stripped_decided_by"] for r in records} == {"shape"}
        assert {r["shipped_decided_by"] for r in records} - {"shape"}
        # identify --assign over the whole font: the answer is one of the glyph's labels or
        # its own top-5 when left unlabelled; scored as its own decision row
        assert all(len(r["stripped_assign"]) == len(r["stripped"]) for r in records)
        assert "as run assign all-glyphs" in result["decision"]
        assert s["shipped"]["all"]["n"] == s["stripped"]["all"]["n"]
        ev = result["evidence"]
        assert set(ev) <= {"shape", "name", "gsub", "composed"}
        assert sum(e["n"] for e in ev.values()) == s["shipped"]["letters"]["n"]
        assert s["pixel"]["all"]["n"] == s["stripped"]["all"]["n"]
        probs = np.load(out / f"fold{fold}" / "stripped_probs.npz")
        assert probs["classifier"].shape == (s["stripped"]["all"]["n"], len(probs["labels"]))
        assert probs["knn"].shape == probs["classifier"].shape
        plan = json.loads((out / "folds.json").read_text())
        assert set(result["family_keys"]).isdisjoint(plan["folds"][1 - fold])
        keys_of = {f["path"]: f["key"] for f in plan["fonts"]}
        assert {keys_of[p] for p in result["fonts"]} <= set(plan["folds"][fold])
    assert "| mean ± sd | stripped |" in capsys.readouterr().out
    # a second run finds every fold done
    before = (out / "fold0" / "result.json").stat().st_mtime_ns
    assert crossval_cmd.main(["--db", str(small_db), "--out", str(out), "--quick"]) == 0
    assert (out / "fold0" / "result.json").stat().st_mtime_ns == before
    # an already trained model, scored on the families its training DB lacks, scores as
    # its fold did
    plan = json.loads((out / "folds.json").read_text())
    fold0 = {f["file_hash"] for f in plan["fonts"] if f["key"] in plan["folds"][0]}
    copy_without_fonts(small_db, tmp_path / "fold0_train.db", fold0)
    argv = ["--db", str(small_db), "--out", str(tmp_path / "again"), "--quick"]
    argv += [
        "--model-dir",
        str(out / "fold0" / "model"),
        "--train-db",
        str(tmp_path / "fold0_train.db"),
    ]
    assert crossval_cmd.main(argv) == 0
    held = json.loads((tmp_path / "again" / "heldout" / "result.json").read_text())
    fold_result = json.loads((out / "fold0" / "result.json").read_text())
    assert held["family_keys"] == plan["folds"][0]
    assert held["scores"]["stripped"] == fold_result["scores"]["stripped"]
    # the report shows the run
    from raster import report

    assert report.main([str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "Per-fold results" in page and "crossval_classes.png" in page
    assert "which evidence decided each letter" in page
    assert (out / "report" / "crossval_classes.png").exists()
    # another split in the same folder is refused
    assert (
        crossval_cmd.main(["--db", str(small_db), "--out", str(out), "--quick", "--seed", "3"]) == 2
    )


def test_shrink_of_a_size_that_does_not_divide_is_an_area_mean():
    """48 px renders (an --img-size 48 model) shrink to the 32 px baseline by area: each output
    pixel the coverage-weighted mean of the 1.5 x 1.5 input pixels under it."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(2, 48, 48), dtype=np.uint8)
    got = shrink(img, 32).reshape(2, 32, 32)
    up = np.repeat(np.repeat(img.astype(np.float64) / 255.0, 2, axis=1), 2, axis=2)  # 96 px
    want = up.reshape(2, 32, 3, 32, 3).mean(axis=(2, 4))  # exact area means of 1.5 px cells
    assert np.allclose(got, want, atol=1e-5)
    assert shrink(np.full((1, 48, 48), 255, np.uint8), 32).min() == pytest.approx(1.0)
