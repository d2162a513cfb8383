# make bench: the speed and scale benchmark (bench/run.py; not part of the tests).
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--workdir /tmp/kb-bench" to keep
# and reuse the generated corpus and base databases. A missing .venv is made first.
PYTHON ?= python3
VENV := .venv

.PHONY: bench test

$(VENV)/bin/kb:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test]'

bench: | $(VENV)/bin/kb
	$(VENV)/bin/python bench/run.py $(BENCH_ARGS)

test: | $(VENV)/bin/kb
	$(VENV)/bin/pytest -q -p no:cacheprovider
