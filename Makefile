# Two commands on a fresh machine:  make run  (the service on the embedded database)  and  make test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: setup run serve test lint bench clean-db screenshots messages

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# Migrate, ingest seeds/, cluster, print the summary and the editor's login, then serve on :8000.
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py quickstart seeds/
	$(PY) manage.py runserver 127.0.0.1:8000 --noreload

serve: setup
	$(PY) manage.py runserver 127.0.0.1:8000 --noreload

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# PNGs of the editors' pages (docs/screenshots/), from a scratch database with the seeds; needs chromium.
screenshots: setup
	$(PY) manage.py screenshots

# Collect the project's strings into locale/ar (translate the new ones) and compile them; needs gettext.
messages: setup
	$(PY) manage.py makemessages -l ar --no-obsolete --ignore=.venv --ignore=var --ignore=tests \
		--ignore=training --ignore=evaluation --ignore=docs --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

bench: setup
	$(PY) -m evaluation.bench_embedding

clean-db:
	rm -rf var/pgdata
