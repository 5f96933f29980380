# Pinned tools, installed on first use. Stamps make reruns instant.

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.venv/tests/.installed: tests/requirements.txt
	python3 -m venv .venv/tests
	.venv/tests/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	@touch $@

.PHONY: tools-node tools-python tools-chromium
tools-node: node_modules/.installed
tools-python: .venv/tests/.installed
tools-chromium:
	@tools/install-chromium.sh
