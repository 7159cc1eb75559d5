# Every target sets up (or refreshes) the virtual environment it needs.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv test test-all demo lint bench fonts corpus clean

venv: $(STAMP)

# torch/torchvision are installed first and pinned: pip takes this pair from the machine's disk.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -q -e '.[dev,dask]'
	touch $(STAMP)

test: venv
	$(PY) -m pytest -q

lint: venv
	$(VENV)/bin/ruff check raster tests bench tools

demo: venv
	$(PY) -m raster.demo

# Every bench/ script that fits ~20 min on 2 cores; rewrites docs/benchmarks.md.
bench: venv
	$(PY) -m bench.run_all

fonts:
	bash scripts/install_corpus_fonts.sh

# The full development corpus: dataset/corpus.db + dataset/corpus_manifest.json (resumable).
corpus: venv
	PY=$(PY) bash scripts/build_corpus.sh dataset fonts_corpus


clean:
	rm -rf $(VENV) dataset artifacts
