# `make run`: the app and one worker on local defaults. `make test`: the whole suite.
# Both do all the set-up on a fresh machine with Python >= 3.11 and Node.js/npm.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# the web app (webapp/): npm ci again only when its lockfile changes; Vite builds into web/dist/
NPM_STAMP := webapp/node_modules/.installed-stamp

.PHONY: install webapp fixtures browser sandbox run test lint bench-webhooks bench-webhooks-soak bench-jobs demo clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[embedded,dev]'
	touch $(STAMP)

$(NPM_STAMP): webapp/package.json webapp/package-lock.json
	cd webapp && npm ci
	touch $(NPM_STAMP)

# web/spa.py serves the build (without it GET / is the settings page); Vite takes a second or two
webapp: $(NPM_STAMP)
	cd webapp && npm run build

install: $(STAMP) webapp

# GitHub's webhook examples and REST OpenAPI description, from the npm registry (not committed)
fixtures:
	./scripts/fetch_fixtures.sh .morningai/fixtures

# headless Chromium for the browser tests (tests/e2e): Debian's package, driven by Playwright
# with executable_path. Never `playwright install` (it downloads a browser build, which cannot
# work here). Installs it when missing (root, or sudo when there is one); when it cannot, it
# says so and `make test`'s browser tests fail naming it (MORNINGAI_EXPECT_BROWSER).
# MORNINGAI_CHROMIUM names another Chrome or Chromium binary (tests/e2e/conftest.py launches it):
# CI sets /usr/bin/google-chrome, preinstalled on GitHub's Ubuntu runners, where Ubuntu's
# `chromium` package is only a shim that installs the snap, which does not run there.
CHROMIUM := $(or $(MORNINGAI_CHROMIUM),/usr/bin/chromium)
OS_RELEASE ?= /etc/os-release
export MORNINGAI_CHROMIUM

browser:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ -n "$(MORNINGAI_CHROMIUM)" ]; then echo "make browser: MORNINGAI_CHROMIUM=$(MORNINGAI_CHROMIUM) is not an executable: point it at a Chrome or Chromium binary" >&2; exit 0; fi; \
	if grep -qs '^ID=ubuntu' $(OS_RELEASE); then echo "make browser: $(CHROMIUM) is missing, and Ubuntu's chromium package is a shim for the snap, which does not run headless in CI or containers: set MORNINGAI_CHROMIUM to a Chrome or Chromium binary (on GitHub's runners /usr/bin/google-chrome)" >&2; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "make browser: $(CHROMIUM) is missing and this user cannot install it (not root, no sudo): run 'apt-get install -y --no-install-recommends chromium' as root" >&2; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then echo "make browser: $(CHROMIUM) is missing and there is no apt-get: install Chromium so that $(CHROMIUM) exists" >&2; exit 0; fi; \
	echo "make browser: installing Debian's chromium for the browser tests"; \
	$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends chromium \
	|| echo "make browser: could not install chromium with apt-get (see above); the browser tests will fail" >&2

# bubblewrap, the sandbox model-written tests run in (agents/code/sandbox.py): Debian's package,
# installed when missing (root, or sudo when there is one); without it tests run on the process
# floor alone, which the worker and `morningai doctor` say
BWRAP := /usr/bin/bwrap

sandbox:
	@if [ -x $(BWRAP) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "make sandbox: $(BWRAP) is missing and this user cannot install it (not root, no sudo): run 'apt-get install -y bubblewrap' as root; until then tests run without network isolation" >&2; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then echo "make sandbox: $(BWRAP) is missing and there is no apt-get: install bubblewrap from your distribution; until then tests run without network isolation" >&2; exit 0; fi; \
	echo "make sandbox: installing Debian's bubblewrap for the tests' sandbox"; \
	$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends bubblewrap \
	|| echo "make sandbox: could not install bubblewrap with apt-get (see above); tests run without network isolation" >&2

run: install sandbox
	$(BIN)/morningai run

# in parallel: 4 pytest-xdist workers, each module on one worker (its module-scoped fixtures,
# e.g. test_faults_postgres's own server, start once); each worker has its own database and
# Redis (tests/conftest.py). The tests wait (on retries, servers, subprocesses) more than they
# compute: on 2 CPUs 4 workers measured fastest (2: 105 s, 3: 100 s, 4: 77-91 s, 6: 87 s; one
# process: 160 s). `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n 4 --dist loadfile

test: install fixtures browser sandbox
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd webapp && npm test -- --run
	MORNINGAI_EXPECT_WEBAPP=1 MORNINGAI_EXPECT_BROWSER=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
		$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench-webhooks: install fixtures
	$(BIN)/python -m bench.webhooks

# 60 s at a fixed rate (100 req/s unless SOAK_ARGS says otherwise) with every kind of delivery
bench-webhooks-soak: install fixtures
	$(BIN)/python -m bench.webhooks --soak $(SOAK_ARGS)

# jobs/s through RQ for trivial tasks, then peak memory of 1, 2, 4, 8 concurrent code tasks
bench-jobs: install fixtures
	$(BIN)/python -m bench.jobs throughput
	$(BIN)/python -m bench.jobs memory

demo: install
	$(BIN)/morningai demo

clean:
	rm -rf $(VENV) .morningai .pytest_cache .mypy_cache .ruff_cache webapp/node_modules web/dist

.PHONY: bench-task-list bench-sse
# GET /api/tasks at 10,000 tasks: first and deep page, against /healthz, /api/me and the SQL alone
bench-task-list: install
	$(BIN)/python -m bench.task_list_api

# 50 live task streams with task events and webhooks at 100/s, against webhooks alone
bench-sse: install fixtures
	$(BIN)/python -m bench.sse_latency
