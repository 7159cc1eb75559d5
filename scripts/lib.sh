# Shared by the training scripts: `source "$(dirname "$0")/lib.sh"` sets strict mode, makes the
# repository root the working directory, sets PY (default .venv/bin/python) and defines
# holdout_train_argv.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}

# holdout_train_argv DB OUT_DIR EPOCHS MINUTES: fill the array ARGV with raster.train's flags of
# the hold-out recipe at 64 px (raster.evaluation.holdout_run.holdout_training_argv; MINUTES is
# the training time budget, 0 = none).
holdout_train_argv() {
  read -r -a ARGV < <("$PY" -c "from pathlib import Path
from raster.evaluation.holdout_run import holdout_training_argv
print(' '.join(holdout_training_argv(Path('$1'), Path('$2'), epochs=$3, img_size=64, time_budget=$4)))")
}
