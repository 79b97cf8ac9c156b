.PHONY: install serve test lint

install:
	python3 -m pip install -e '.[test]'

serve:
	micc-sim serve

test:
	python3 -m pip install -q -e '.[test]' && python3 -m pytest

lint:
	ruff check .
