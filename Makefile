# Two commands are the contract (see README): `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export FLASK_APP := wsgi:app

.PHONY: run test lint translations install install-test worker clean-venv bench

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade "pip>=24" "setuptools<81" wheel

# dlib-bin is prebuilt; face_recognition itself is installed without its
# declared `dlib` dependency, which would compile from source for many minutes.
$(STAMP): pyproject.toml $(BIN)/python
	$(BIN)/pip install dlib-bin
	$(BIN)/pip install --no-deps "face_recognition==1.3.0"
	$(BIN)/pip install -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install -e ".[test]"
	touch $@

install: $(STAMP) translations
install-test: $(TEST_STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -f -q -d likeness/translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask ensure-admin
	$(BIN)/flask serve-all

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy likeness portal admin

test: install-test lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/search_bench.py

clean-venv:
	rm -rf $(VENV)
