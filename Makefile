# The two commands a fresh machine needs (see README.md). Both are safe to re-run.
.PHONY: demo test test-under-load setup lint bench

demo:
	scripts/setup.sh
	.venv/bin/signaal demo

test:
	scripts/test.sh

# The same with every core kept busy by stress-ng (README, "Tests").
test-under-load:
	scripts/test-under-load.sh

setup:
	scripts/setup.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache

bench:
	scripts/setup.sh
	.venv/bin/python bench/run_all.py
