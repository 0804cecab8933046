# Sổ Vàng — the two commands a fresh clone needs: `make run` and `make test`.
CARGO ?= cargo
DEMO_DIR ?= target/demo-data
DEMO_RECORDS ?= 20000
SOVANG := target/release/sovang

.PHONY: run test fmt-check clippy unit blackbox build bench demo-cli clean

# For now (before the desktop app lands) `run` builds the CLI, fills a demo database and
# shows what is in it.
run: build
	rm -rf $(DEMO_DIR)
	$(SOVANG) --data-dir $(DEMO_DIR) init --unit 01
	$(SOVANG) --data-dir $(DEMO_DIR) demo --records $(DEMO_RECORDS) --seed 1
	$(SOVANG) --data-dir $(DEMO_DIR) stats
	$(SOVANG) --data-dir $(DEMO_DIR) search "nguyen" --limit 10

build:
	$(CARGO) build --release -p sovang-cli

test: fmt-check clippy unit blackbox

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test -p sovang-core

# The black-box tests run the real `sovang` binary.
blackbox:
	$(CARGO) build -p sovang-cli
	$(CARGO) test -p sovang-tests

bench: build
	python3 tests/bench/bench.py

clean:
	$(CARGO) clean
