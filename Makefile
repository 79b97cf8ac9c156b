.PHONY: install serve test lint bench load

install:
	python3 -m pip install -e '.[test]'

serve:
	micc-sim serve

test:
	sh scripts/test-setup.sh && python3 -m pip install -q -e '.[test]' && python3 -m pytest

lint:
	ruff check .

bench:
	python3 loadtests/bench.py

load:
	python3 -m micc_sim load queue-cap --users 2 --cap 10 --rate 1 --duration 60
