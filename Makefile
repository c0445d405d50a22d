# Two commands are the contract (see README): `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export FLASK_APP := wsgi:app

.PHONY: run test lint lock screenshots translations update-translations install install-test system-deps browser-deps axe clean-venv bench

# System libraries: WeasyPrint needs Pango; photo metadata needs exiftool; browser tests
# need Debian's chromium.
# Installed only when missing, and only where we may (root with apt-get).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
# Face regions and names already in photos (XMP/IPTC) are read and written with exiftool.
METADATA_PACKAGES := libimage-exiftool-perl
system-deps:
	@if ! ldconfig -p | grep -q libpangoft2; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	  else echo "Please install: $(SYSTEM_PACKAGES)"; exit 1; fi; fi
	@if ! command -v exiftool >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(METADATA_PACKAGES); \
	  else echo "Please install: $(METADATA_PACKAGES)"; exit 1; fi; fi

browser-deps:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: apt-get install chromium"; exit 1; fi; fi

# axe-core (accessibility checks in the browser journeys) from the npm registry, pinned by
# tests/package-lock.json; the journeys inject tests/node_modules/axe-core/axe.min.js.
AXE := tests/node_modules/axe-core/axe.min.js
$(AXE): tests/package.json tests/package-lock.json
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	  else echo "The browser journeys need npm (for axe-core): apt-get install npm"; exit 1; fi; fi
	npm ci --prefix tests --no-audit --no-fund
	touch $@
axe: $(AXE)

# Everything Python comes from the committed uv.lock (exact versions and hashes); the ranges in
# pyproject.toml only bound what `make lock` may move to. uv itself is pinned by hash in
# tools/uv-requirements.txt and lives in .tools/. `--locked` refuses to run when pyproject.toml
# and uv.lock disagree, so a dependency added without `make lock` fails here, not next month.
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# `--compile-bytecode` writes every package's .pyc at install, as pip does: with
# PYTHONDONTWRITEBYTECODE set (as in some CI shells) nothing else writes them, and every
# process (each worker, server and face process a test starts) would compile ~27 MB of
# site-packages again, about 2 s of CPU per process on this machine.
UV_SYNC := $(UV) sync --locked --compile-bytecode --python $(PY)

$(UV): tools/uv-requirements.txt
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --no-deps --require-hashes -r tools/uv-requirements.txt
	touch $@

# The app's dependencies only; --inexact leaves the test tools of an earlier `make test` alone.
# The Makefile is a prerequisite too: a change to how we install (UV_SYNC) reinstalls.
$(STAMP): pyproject.toml uv.lock $(UV) Makefile
	$(UV_SYNC) --inexact
	touch $@

$(TEST_STAMP): pyproject.toml uv.lock $(UV) Makefile
	$(UV_SYNC) --extra test
	touch $(STAMP) $@

# Moving forward on purpose: the newest releases pyproject.toml allows. Commit the new uv.lock
# only after `make test` passes with it (see README, "Dependencies").
lock: $(UV)
	$(UV) lock --upgrade --python $(PY)

install: system-deps $(STAMP) translations
install-test: install browser-deps $(TEST_STAMP) $(AXE)

translations: $(STAMP)
	$(BIN)/pybabel compile -f --statistics -d likeness/translations

# After changing user-facing text: extract, merge into the catalogues, then translate.
# Sorted and without source locations, so moving code does not churn the catalogues.
update-translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  -w 100 -o likeness/translations/messages.pot .
	$(BIN)/pybabel update --ignore-obsolete -w 100 -i likeness/translations/messages.pot -d likeness/translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask ensure-admin
	$(BIN)/flask serve-all

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy likeness portal admin

# Three processes on this 2-core machine: many tests wait on a browser, a worker they
# killed or a server starting, and a third process fills that time (SQLite suite: 551 s
# with -n 2, 495 s with -n 3, 498 s with -n 4). Each has its own database and Redis database.
PYTEST_PARALLEL ?= -n 3 --dist loadfile
# Our own modules' bytecode too (for the reason given at UV_SYNC): the suite starts many
# processes (workers, servers, flask commands), each of which would compile them again.
test: install-test lint
	$(BIN)/python -m compileall -q -j 0 likeness admin portal api tests wsgi.py > /dev/null
	$(BIN)/pytest $(PYTEST_PARALLEL)

# The documentation's screenshots (docs/img/), taken by the browser journeys from the demo.
screenshots: install-test
	LIKENESS_DOC_SCREENSHOTS=1 $(BIN)/pytest -n 0 -q -p no:cacheprovider tests/journeys \
	  -k "case_page or cockpit_dashboard or empty_submit_on_a_phone"

# The benchmarks of the README's "Speed" section (about 20 minutes on 2 cores).
bench: install
	$(BIN)/python bench/search.py
	$(BIN)/python bench/shards.py
	$(BIN)/python bench/index_load.py
	$(BIN)/python bench/indexing.py
	$(BIN)/python bench/response.py
	$(BIN)/python bench/response.py --photos 40 --long-side 6000
	$(BIN)/python bench/pages.py --against 83538de

clean-venv:
	rm -rf $(VENV) $(TOOLS)
