# Set-up and the two Quick start entry points. Every target is idempotent: a second run
# reuses the system packages and the virtual environment that are already there.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
# WeasyPrint needs pango; Chinese needs a CJK font, and libharfbuzz-subset0 keeps PDF font
# subsetting at ~0.25 s a report instead of ~10 s (notes/stack-probe.md §4). poppler-utils
# (pdftotext, pdffonts, pdftoppm) lets tests and people read the PDFs; chromium (headless) drives the
# index site in tests/test_index_site.py and takes screenshots of the HTML.
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
                fonts-noto-cjk poppler-utils chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup system-packages
demo: setup  ## set up, then run the annual assessment on the embedded demo data
	$(VENV)/bin/ecoassess run --year 2025 --demo

test: setup  ## set up, then run the test suite
	$(VENV)/bin/python -m pytest

setup: system-packages $(VENV)/.installed

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $@
