# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CHROMIUM := /usr/bin/chromium
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint setup chromium services bench bench-keywords bench-monitor bench-board clean messages

demo: setup chromium
	$(BIN)/shopwatch demo --out demo-out

test: setup chromium services
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2

bench: setup chromium
	$(BIN)/python bench/crawl/run.py

bench-keywords: setup
	$(BIN)/python bench/keywords/run.py

bench-monitor: setup services
	$(BIN)/python bench/monitor/run.py

bench-board: setup services
	$(BIN)/python bench/board/run.py

lint: setup
	$(BIN)/ruff check .

setup: $(STAMP)

# Operator-facing text (config/i18n.py): extract the messages of the code and templates, merge
# them into both catalogs (the English one gets each new msgid as its text), list the messages
# Chinese lacks, compile. Fill those in config/locale/zh_CN/LC_MESSAGES/shopwatch.po, run it
# again, commit the .po and .mo files.
LOCALES := config/locale
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k N_plural:1,2 --add-location=file --sort-output \
		--ignore-dirs=".* _* tests bench build demo-out" --project=ShopWatch \
		-o $(LOCALES)/shopwatch.pot .
	$(BIN)/pybabel update -i $(LOCALES)/shopwatch.pot -d $(LOCALES) -D shopwatch \
		--no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m config.i18n
	$(BIN)/pybabel compile -d $(LOCALES) -D shopwatch --statistics

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# Playwright drives Debian's chromium (`playwright install` downloads a browser and fails here).
# A CJK font (fonts-noto-cjk) so that charts, e-mail images and screenshots show Chinese names.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
chromium:
	@if [ -x $(CHROMIUM) ] && [ -f $(CJK_FONT) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-noto-cjk; \
	else \
		echo "Debian's chromium or fonts-noto-cjk is missing. Install them, then run make again:"; \
		echo "    sudo apt-get install -y chromium fonts-noto-cjk"; \
		exit 1; \
	fi

# The suite runs the database tests on PostgreSQL too; start the local server if it is down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { [ "$$(id -u)" = 0 ] \
		&& command -v pg_ctlcluster >/dev/null \
		&& pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; } \
		|| echo "PostgreSQL at 127.0.0.1:5432 is not running; its tests will fail"

clean:
	rm -rf $(VENV) demo-out .mypy_cache .ruff_cache .pytest_cache
