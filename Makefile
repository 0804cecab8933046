# Sổ Vàng — the two commands a fresh clone needs: `make run` and `make test`.
CARGO ?= cargo
NPM ?= npm
APP := target/release/sovang-desktop
# The shipped build of the app (profile `dist` in Cargo.toml: smaller, slower to build).
DIST_APP := target/dist/sovang-desktop
SOVANG := target/release/sovang
DEMO_HOME ?= target/demo-100k
DEMO_RECORDS ?= 100000
# Python for the e2e suite, the bundle verifier and the benchmarks.
VENV := target/e2e-venv
# The window's tests: a virtual screen, a D-Bus session, no accessibility bus.
HEADLESS := NO_AT_BRIDGE=1 xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session --

.PHONY: setup-run setup-test run demo test fmt-check clippy unit ui-deps ui ui-check bindings blackbox app app-dist cli \
	e2e e2e-deps bench bench-app package clean corpus fuzz bench-sync bench-review bench-sheets bench-backup

## What a fresh Debian or Ubuntu machine lacks: said and installed (sudo when not root).
setup-run:
	@scripts/setup.sh run
setup-test:
	@scripts/setup.sh test

## The desktop app on the default data folder (the first-run wizard on a new machine).
run: setup-run
	$(MAKE) app
	$(APP)

## The desktop app on a 100,000-record demo database (made once, kept in $(DEMO_HOME)).
demo: app cli
	@if [ ! -f $(DEMO_HOME)/data/sovang.db ]; then \
	  $(SOVANG) --data-dir $(DEMO_HOME)/data --user "Dữ liệu mẫu" init --unit 01 && \
	  $(SOVANG) --data-dir $(DEMO_HOME)/data demo --records $(DEMO_RECORDS) --seed 1; fi
	$(APP) --data-dir $(DEMO_HOME)/data --config-dir $(DEMO_HOME)/config

test: setup-test
	$(MAKE) fmt-check ui-check clippy unit blackbox e2e

fmt-check:
	$(CARGO) fmt --all -- --check

# The shell embeds ui/dist at compile time, so even clippy needs the UI built.
clippy: ui
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test -p sovang-core --features ts

ui-deps: ui/node_modules/.package-lock.json
ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && $(NPM) ci --no-audit --no-fund
	touch $@

ui: ui-deps
	cd ui && $(NPM) run build

## Type checks, catalog tests, and generated TypeScript types that match the Rust ones.
ui-check: ui-deps
	cd ui && $(NPM) run check && $(NPM) test
	$(CARGO) test -p sovang-core --features ts --test bindings

## Rewrites ui/src/lib/bindings from the Rust types.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p sovang-core --features ts --test bindings

# The black-box tests run the real `sovang` binary (sync: bundles between installations and an
# import killed 50 times); `desktop` checks the shell's settings; the independent Python
# verifier checks a real bundle against docs/bundle-format.md; openpyxl reads the ranking
# workbook back and checks its figures against `sovang review results`, and the sheet
# import's templates and rejected rows; pypdf reads the dossier PDF back; openpyxl and
# pdftotext read the period report back and check it against `sovang report --json` and SQL.
blackbox: e2e-deps
	$(CARGO) build -p sovang-cli
	$(CARGO) test -p sovang-tests
	$(VENV)/bin/python tests/verifier/test_verifier.py target/debug/sovang
	$(VENV)/bin/python tests/reports/test_ranking_xlsx.py target/debug/sovang
	$(VENV)/bin/python tests/reports/test_dossier_pdf.py target/debug/sovang
	$(VENV)/bin/python tests/sheets/test_sheets_xlsx.py target/debug/sovang
	$(VENV)/bin/python tests/reports/test_period_report.py target/debug/sovang

## Rewrites the bad-bundle corpus in tests/corpus/ (fixed keys: the same files every time).
corpus:
	$(CARGO) run -p sovang-core --example make_corpus

## The bundle reader's mutation fuzzer, long: FUZZ_ITERS mutated corpus files, seed FUZZ_SEED.
FUZZ_ITERS ?= 200000
FUZZ_SEED ?= $(shell date +%s)
fuzz:
	FUZZ_ITERS=$(FUZZ_ITERS) FUZZ_SEED=$(FUZZ_SEED) $(CARGO) test --release -p sovang-core \
	  --test corpus fuzz -- --nocapture

app: ui
	$(CARGO) build --release -p sovang-desktop

## The app as it is shipped (profile `dist`).
app-dist: ui
	$(CARGO) build --profile dist -p sovang-desktop

cli:
	$(CARGO) build --release -p sovang-cli

e2e-deps: $(VENV)/.done
$(VENV)/.done: tests/e2e/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r tests/e2e/requirements.txt
	touch $@

## The real app in its window, driven through tauri-driver and WebKitWebDriver.
e2e: app e2e-deps
	$(CARGO) build -p sovang-cli
	cd tests/e2e && $(HEADLESS) ../../$(VENV)/bin/python test_app.py
	cd tests/e2e && $(HEADLESS) ../../$(VENV)/bin/python test_sync.py
	cd tests/e2e && $(HEADLESS) ../../$(VENV)/bin/python test_review.py
	cd tests/e2e && $(HEADLESS) ../../$(VENV)/bin/python test_sheets.py
	cd tests/e2e && $(HEADLESS) ../../$(VENV)/bin/python test_backup.py

bench: cli
	python3 tests/bench/bench.py
	python3 tests/bench/bench_sync.py
	$(MAKE) bench-review
	$(MAKE) bench-sheets
	$(MAKE) bench-backup

## The committee review's results table (2,000 nominations × 9 members), in process and in
## the window.
bench-review: app-dist e2e-deps
	SOVANG_APP=$(DIST_APP) $(HEADLESS) $(VENV)/bin/python tests/bench/bench_review.py

## Spreadsheet figures: a 10,000-row member workbook previewed and imported, a 100,000-person
## list exported to .xlsx.
bench-sheets: cli e2e-deps
	$(VENV)/bin/python tests/bench/bench_sheets.py

## Backup and restore figures on the 100,000-record demo, and list pages during a backup (in
## process and in the window).
bench-backup: cli app e2e-deps
	$(CARGO) build --release -p sovang-core --example bench_backup
	$(HEADLESS) $(VENV)/bin/python tests/bench/bench_backup.py

## Sync bundle figures only (export, import, 1,000 ward bundles, a 1,000,000-record import).
bench-sync: cli
	python3 tests/bench/bench_sync.py

## The shipped app's size, start-up, memory, search and list figures, beside an empty Tauri
## app built the same way (see BENCHMARKS.md).
bench-app: app-dist cli e2e-deps
	$(CARGO) build --profile dist -p sovang-empty-app
	SOVANG_APP=$(DIST_APP) $(HEADLESS) $(VENV)/bin/python tests/bench/bench_app.py

## A .deb and an AppImage in target/dist/bundle/ (the `dist` build). The AppImage step
## downloads its tools (linuxdeploy, AppRun) from GitHub; without that access it is reported
## and skipped.
package: ui
	ui/node_modules/.bin/tauri build --bundles deb -- --profile dist
	ui/node_modules/.bin/tauri build --bundles appimage -- --profile dist || \
	  echo "AppImage not built: the Tauri CLI could not download linuxdeploy/AppRun from GitHub" >&2

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules
