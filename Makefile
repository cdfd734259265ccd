# risk-map: two commands on a bare machine (see README):
#   make run    install what is needed, then serve the bundled Shenzhen sample on http://127.0.0.1:8050
#   make test   install what is needed (Python packages, Debian chromium, poppler, gdal, CJK fonts,
#               PostgreSQL 15 + PostGIS 3), then run every test (the PostGIS tests start and stop
#               a throwaway cluster as the postgres user), browser tests included, the doctests of risk/ layers/ data/ ui/,
#               and the wheel test (build the wheel, install it into a throwaway venv, serve from it)
# The generated sample lives in the per-user data folder (Linux ~/.local/share/risk-map/sample),
# the print-font cache in the per-user cache folder (~/.cache/risk-map); `make clean` keeps both.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8050
APT_PACKAGES := chromium fonts-noto-cjk poppler-utils gdal-bin postgresql postgresql-15-postgis-3

.PHONY: run test install install-system lint bench sample clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m layers.fonts
	touch $@

install: $(VENV)/.installed

# Debian packages the tests need; installed only when missing (root, or sudo when available).
install-system:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: install
	$(VENV)/bin/riskmap serve --host $(HOST) --port $(PORT)

test: install install-system
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q $(PYTEST_ARGS)
	$(PY) -m pytest -q --doctest-modules risk layers data ui
	$(PY) -m pytest -q -m wheel tests/test_wheel.py

lint: install
	$(VENV)/bin/ruff check .

sample: install
	$(VENV)/bin/riskmap sample

# speed and memory goals: scripts, never timed unit tests (a few minutes on 2 cores)
bench: install install-system
	$(PY) bench/bench_map.py
	$(PY) bench/bench_cordon.py
	$(PY) bench/bench_zones.py
	$(PY) bench/bench_slope.py
	$(PY) bench/bench_pdf.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_load.py --seconds 10
	$(PY) bench/bench_hostile.py

clean:
	rm -rf $(VENV) data/sample build .pytest_cache
