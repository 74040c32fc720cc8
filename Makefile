# Two commands for a fresh clone: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARTIFACTS ?= artifacts

.PHONY: demo test lint train evaluate corpus bench clean

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU torch first: a plain torch requirement would pull a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(ARTIFACTS)/stance/stance.json: | $(BIN)/.installed
	$(BIN)/python train.py --out $(ARTIFACTS)

demo: $(BIN)/.installed $(ARTIFACTS)/stance/stance.json
	$(BIN)/python predict.py data/examples/*.txt --model-dir $(ARTIFACTS) --format table

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q tests

lint: $(BIN)/.installed
	$(BIN)/ruff check model serve tests bench train.py evaluate.py predict.py

train: $(BIN)/.installed
	$(BIN)/python train.py --out $(ARTIFACTS)

evaluate: $(BIN)/.installed
	$(BIN)/python evaluate.py --model-dir $(ARTIFACTS) $(if $(wildcard ../shared/polnear),--polnear ../shared/polnear)

corpus: $(BIN)/.installed
	$(BIN)/python -m model.corpus build

bench: $(BIN)/.installed
	$(BIN)/python bench/speed.py --model-dir $(ARTIFACTS)

clean:
	rm -rf $(VENV) $(ARTIFACTS) .pytest_cache
