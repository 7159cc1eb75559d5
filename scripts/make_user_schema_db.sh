#!/usr/bin/env bash
# A glyph database in the user's ORIGINAL schema (only the columns their loader reads, as
# docs/QUICK_FIX_GUIDE.md's system writes them) from three bundled families: Amiri, Tajawal and
# Almarai, static faces (6,791 glyphs, 924 labels). Used to run the guide's "Test 2" as a user
# with their own database would (docs/results.md, "The guide's quick test on the user's schema").
#   bash scripts/make_user_schema_db.sh OUT.db
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: make_user_schema_db.sh OUT.db}
PY=${PY:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=$("$PY" -c 'from raster.data.bundled import bundled_font_paths
print("\n".join(str(p) for p in bundled_font_paths() if p.name.split("-")[0] in ("Amiri", "Tajawal", "Almarai")))')
mapfile -t fonts <<< "$files"
"$PY" -m raster.ingest --db "$tmp/ours.db" --no-progress "${fonts[@]}" >&2
rm -f "$out"
sqlite3 "$out" "
ATTACH '$tmp/ours.db' AS o;
CREATE TABLE fonts (file_hash TEXT PRIMARY KEY, upem INTEGER, ascent INTEGER, descent INTEGER,
  typo_ascent INTEGER, typo_descent INTEGER, x_height INTEGER, cap_height INTEGER, line_gap INTEGER);
CREATE TABLE glyphs (glyph_id INTEGER PRIMARY KEY, f_id TEXT, label TEXT, contours TEXT,
  joining_group TEXT, char_class TEXT);
INSERT INTO fonts SELECT file_hash, upem, ascent, descent, typo_ascent, typo_descent, x_height,
  cap_height, line_gap FROM o.fonts;
INSERT INTO glyphs SELECT glyph_id, f_id, label, contours, joining_group, char_class FROM o.glyphs;"
echo "$out: $(sqlite3 "$out" 'SELECT count(*) FROM glyphs') glyphs, $(sqlite3 "$out" 'SELECT count(DISTINCT label) FROM glyphs') labels"
