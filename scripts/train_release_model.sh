#!/usr/bin/env bash
# The model shipped in raster/weights/, end to end and seeded (docs/model.md):
# train on every development font (`make corpus` -> dataset/corpus.db) with the recipe of
# scripts/corpus_holdout_run.sh (64 px, font-disjoint 10 % validation that calibrates the
# confidences, seed 42), then fp16 weights, the reference index built with them, and the
# packed release (int8 index, JSON sidecar with sha256s).
#
#   bash scripts/train_release_model.sh [RUN_DIR] [EPOCHS] [MINUTES]
#
# EPOCHS: the cosine schedule's length (default 5: ~50 min on one core of the 2-core VM);
# MINUTES: a safety stop for training (0 = none). Every step is skipped when its output exists
# (delete RUN_DIR to start over). Env: DB (default dataset/corpus.db), MANIFEST (default
# dataset/corpus_manifest.json), OUT (default raster/weights), PY (default .venv/bin/python).
# The release run was: OMP_NUM_THREADS=1 taskset -c 1 bash scripts/train_release_model.sh
source "$(dirname "$0")/lib.sh"
RUN=${1:-runs/release}
EPOCHS=${2:-5}
MINUTES=${3:-0}
DB=${DB:-dataset/corpus.db}
MANIFEST=${MANIFEST:-dataset/corpus_manifest.json}
OUT=${OUT:-raster/weights}
RELEASE=$("$PY" -c 'from raster.inference.shipped import RELEASE; print(RELEASE)')
mkdir -p "$RUN"
exec > >(tee -a "$RUN/release.log") 2>&1
echo "== $(date -u +%FT%TZ) train_release_model.sh $RUN epochs=$EPOCHS minutes=$MINUTES db=$DB"

# 1. a frozen copy of the corpus DB and its manifest (the corpus may grow later)
if [ ! -f "$RUN/corpus.db" ]; then
  [ -f "$DB" ] || { echo "no $DB: run \`make corpus\` first" >&2; exit 2; }
  "$PY" -c 'import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2] + ".tmp")
src.backup(dst); dst.close()' "$DB" "$RUN/corpus.db"
  mv "$RUN/corpus.db.tmp" "$RUN/corpus.db"
  if [ -f "$MANIFEST" ]; then cp "$MANIFEST" "$RUN/corpus_manifest.json"; fi
fi

# 2. training (today's recipe: the flags of scripts/corpus_holdout_run.sh on every font)
if [ ! -f "$RUN/train/best.pt" ] || [ ! -f "$RUN/train/done" ]; then
  holdout_train_argv "$RUN/corpus.db" "$RUN/train" "$EPOCHS" "$MINUTES"
  RESUME=()  # an interrupted run continues; a failed start is redone
  if [ -f "$RUN/train/last.pt" ]; then RESUME=(--resume "$RUN/train/last.pt")
  elif [ -d "$RUN/train" ]; then RESUME=(--overwrite); fi
  echo "$(date -u +%FT%TZ) python -m raster.train ${ARGV[*]} ${RESUME[*]}"
  "$PY" -m raster.train "${ARGV[@]}" "${RESUME[@]}"
  touch "$RUN/train/done"
fi

# 3. fp16 weights, and the index built with exactly those weights
[ -f "$RUN/$RELEASE.pt" ] || "$PY" -m raster.release half "$RUN/train/best.pt" "$RUN/$RELEASE.pt"
[ -f "$RUN/ref/index.json" ] || "$PY" -m raster.index build --db "$RUN/corpus.db" \
  --checkpoint "$RUN/$RELEASE.pt" --out "$RUN/ref"

# 4. the recipe record and the packed release
"$PY" - "$RUN" "$EPOCHS" "$MINUTES" <<'EOF'
import json, os, platform, subprocess, sys
from pathlib import Path
import torch, yaml
run, epochs, minutes = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
log = [json.loads(line) for line in (run / "train" / "train_log.jsonl").read_text().splitlines()]
args = yaml.safe_load((run / "train" / "args.yaml").read_text())
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
recipe = {
    "script": f"bash scripts/train_release_model.sh {run} {epochs} {minutes:g}",
    "train_args": {k: v for k, v in args.items() if k not in ("db", "out_dir", "log_file")},
    "epochs_scheduled": epochs,
    "epochs_done": len(log),
    "train_seconds": round(sum(r.get("epoch_seconds", 0.0) for r in log), 1),
    "best_val_top1_unseen_fonts": max((r.get("val_top1", 0.0) for r in log), default=None),
    "last_epoch": log[-1] if log else None,
    "machine": {"cpu": cpu, "cores": os.cpu_count(), "affinity": sorted(os.sched_getaffinity(0)),
                "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "torch": torch.__version__},
    "commit": commit,
}
(run / "recipe.json").write_text(json.dumps(recipe, indent=1) + "\n")
EOF
MAN=()
[ -f "$RUN/corpus_manifest.json" ] && MAN=(--manifest "$RUN/corpus_manifest.json")
"$PY" -m raster.release pack --checkpoint "$RUN/$RELEASE.pt" --index "$RUN/ref" --out-dir "$OUT" \
  --recipe "$RUN/recipe.json" "${MAN[@]}"
"$PY" -m raster.release verify --dir "$OUT"
echo "== $(date -u +%FT%TZ) done: $OUT/$RELEASE.*"
