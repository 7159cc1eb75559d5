"""raster.report: the HTML run report from a training log, a checkpoint and identify results."""

import json
import re
import shutil

import identify_helpers
import numpy as np
import pytest
from PIL import Image

from raster import identify, report
from raster import index as index_cli
from raster.reporting.data import (
    ReportInputError,
    label_caption,
    read_train_log,
    top_groups,
    tsne_2d,
)


def _log_rows(n=4):
    rows = []
    for e in range(n):
        r = {
            "epoch": e,
            "train_loss": 5.0 - e,
            "ce_loss": 4.0 - e,
            "emb_loss": 2.0 - 0.3 * e,
            "val_loss": 4.5 - e,
            "train_acc": 0.1 * e,
            "val_top1": 0.15 * e,
            "val_top5": 0.2 * e,
            "lr_backbone": 1e-3 * (1 - e / n),
            "lr_head": 2e-3 * (1 - e / n),
            "emb_weight": 0.3,
        }
        if e % 2:
            r.update({"top10": 0.2 * e, "mrr": 0.1 * e, "effect_size": 1.0 + 0.1 * e})
        rows.append(r)
    return rows


def _write_log(d, rows):
    d.mkdir(parents=True, exist_ok=True)
    (d / "train_log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _png_ok(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        w, h = im.size
    assert w > 200 and h > 100


def _sections(page):
    return dict(re.findall(r'<section id="(\w+)">(.*?)</section>', page, re.S))


def test_report_from_a_log_alone(tmp_path, capsys):
    run = tmp_path / "run"
    _write_log(run, _log_rows())
    assert report.main([str(run)]) == 0
    out = run / "report.html"
    assert f"wrote {out}" in capsys.readouterr().out
    page = out.read_text()
    sec = _sections(page)
    assert list(sec) == [
        "summary",
        "losses",
        "metrics",
        "schedule",
        "embeddings",
        "forms",
        "gallery",
    ]
    for name in ("losses", "metrics", "schedule"):
        assert f'<img src="report/{name}.png"' in sec[name]
        _png_ok(run / "report" / f"{name}.png")
    assert "4 epochs logged" in sec["summary"]
    assert "last (epoch 3)" in sec["summary"] and "best val_top1 (epoch 3)" in sec["summary"]
    assert "Skipped: no checkpoint" in sec["embeddings"]
    assert "Skipped: no identify --evaluate JSON files" in sec["forms"]
    assert "Skipped: no identify results" in sec["gallery"]
    assert sorted(p.name for p in (run / "report").iterdir()) == [
        "losses.png",
        "metrics.png",
        "schedule.png",
    ]
    # every link is relative and points at a file beside the page
    for src in re.findall(r'src="([^"]+)"', page):
        assert not src.startswith(("/", "http", "file:")) and (run / src).is_file()


def test_report_notes_missing_log_values(tmp_path):
    run = tmp_path / "run"
    _write_log(run, [{"epoch": 0, "train_loss": 1.0}, {"epoch": 1, "train_loss": 0.5}])
    out = tmp_path / "elsewhere" / "r.html"
    assert report.main([str(run), "--out", str(out)]) == 0
    sec = _sections(out.read_text())
    assert '<img src="report/losses.png"' in sec["losses"]
    assert "No accuracy or retrieval values" in sec["metrics"]
    assert "No learning rate" in sec["schedule"]
    assert (tmp_path / "elsewhere" / "report" / "losses.png").is_file()


def test_run_dir_without_log_is_a_one_line_error(tmp_path, caplog):
    assert report.main([str(tmp_path)]) == 2
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [f"{tmp_path / 'train_log.jsonl'}: no training log (not a run directory?)"]
    assert not (tmp_path / "report.html").exists()


def test_read_train_log(tmp_path):
    p = tmp_path / "train_log.jsonl"
    p.write_text('{"epoch": 0, "a": 1}\n\n{"epoch": 1, "a": 2}\n{"epoch": 0, "a": 3}\n')
    assert read_train_log(p) == [{"epoch": 0, "a": 3}, {"epoch": 1, "a": 2}]
    p.write_text('{"epoch": 0}\n{"epoch": 1\n')
    with pytest.raises(ReportInputError, match=r"train_log.jsonl:2: not JSON"):
        read_train_log(p)


def test_the_map_keeps_neighbours_together():
    # three tight groups of unit vectors in 16-D, along three random directions: on the t-SNE
    # map each point's nearest neighbours are of its own group (a PCA plane of many groups
    # mixes them: 7 % of the variance per axis on the corpus)
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    x = np.concatenate([c + 0.05 * rng.normal(size=(30, 16)) for c in centres])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    group = np.repeat(np.arange(3), 30)
    coords = tsne_2d(x, seed=0)
    assert coords.shape == (90, 2) and np.isfinite(coords).all()
    d = np.linalg.norm(coords[:, None] - coords[None], axis=2)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1)[:, :5]
    assert (group[nearest] == group[:, None]).mean() == 1.0
    np.testing.assert_array_equal(coords, tsne_2d(x, seed=0))  # seeded: the same map
    assert tsne_2d(x[:3]).shape == (3, 2)  # a tiny sample still maps (perplexity < N)


def test_top_groups_and_captions():
    groups = ["BEH"] * 3 + ["HAH"] * 2 + ["AIN"] * 2 + ["DAL", "NO_JOIN", None, ""]
    got = top_groups(groups, 2)
    # HAH and AIN tie at 2: the name breaks the tie (AIN first)
    assert got == ["BEH"] * 3 + ["other"] * 2 + ["AIN"] * 2 + ["other"] + ["no group"] * 3
    assert label_caption("1593_init") == "0639 init \u0639"
    assert label_caption("") == "(no label)"
    assert label_caption("ligature_x") == "ligature_x"


@pytest.fixture(scope="module")
def weak_run(tmp_path_factory):
    """A run dir with a barely trained tiny model, its index and an identify JSON of the font."""
    base = identify_helpers.tiny_run()
    run = tmp_path_factory.mktemp("report_run") / "run"
    _write_log(run, _log_rows(3))
    ckpt = run / "best.pt"
    shutil.copy(identify_helpers.other_checkpoint(64), ckpt)
    ref = run / "ref"
    argv = ["build", "--db", str(base["db"]), "--checkpoint", str(ckpt), "--out", str(ref)]
    assert index_cli.main([*argv, "--k", "3"]) == 0
    ev = run / "identify" / "tiny.json"
    argv = [str(base["font"]), "--checkpoint", str(ckpt), "--index", str(ref), "--quiet"]
    assert identify.main([*argv, "--evaluate", "--json-out", str(ev)]) == 0
    return {"run": run, "db": base["db"], "eval": json.loads(ev.read_text())}


def test_report_with_model_and_identify_results(weak_run):
    run, ev = weak_run["run"], weak_run["eval"]
    assert report.main([str(run), "--map-glyphs", "100", "--gallery", "24"]) == 0
    sec = _sections((run / "report.html").read_text())
    for name in ("embeddings", "forms", "gallery"):
        assert f'<img src="report/{name}.png"' in sec[name], sec[name]
        _png_ok(run / "report" / f"{name}.png")
    assert "note" not in sec["embeddings"] and "note" not in sec["gallery"]
    plain = ev["plain"]
    wrong = round(plain["glyphs"] * (1 - plain["top1_label"]))
    assert wrong > 0  # the barely trained model gets some wrong: the gallery has content
    assert f"The {min(wrong, 24)} most confident wrong top-1 labels" in sec["gallery"]
    row = re.search(
        r"<td class=\"l\">tiny</td><td class=\"l\">both</td><td>(\d+)</td>", sec["forms"]
    )
    assert row and int(row.group(1)) == plain["glyphs"] == 12
    assert f"{plain['top1_label']:.1%}" in sec["forms"]
    # the confusion list draws the font's own glyphs (inline PNGs), not text in a page font
    # that may lack them; its captions say the codepoint and form
    worst = plain["worst_confusions"]
    assert worst
    truth = label_caption(worst[0][0])
    assert '<img src="data:image/png;base64,' in sec["forms"]
    assert f'alt="{truth}" title="{truth}"><small>{truth.rsplit(" ", 1)[0]}</small>' in sec["forms"]
    assert "t-SNE" in sec["embeddings"] and "principal components" not in sec["embeddings"]


def test_gallery_is_bounded_and_skips_missing_index(weak_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(weak_run["run"], run, ignore=shutil.ignore_patterns("ref", "report*"))
    assert (
        report.main([str(run), "--db", str(weak_run["db"]), "--map-glyphs", "20", "--gallery", "2"])
        == 0
    )
    sec = _sections((run / "report.html").read_text())
    assert "No reference index found" in sec["gallery"]
    assert "identified with both, shown with the classifier" in sec["gallery"]
    shown = re.search(r"The (\d+) most confident wrong top-1 labels", sec["gallery"])
    assert shown and 1 <= int(shown.group(1)) <= 2  # --gallery 2 bounds it
    _png_ok(run / "report" / "gallery.png")
