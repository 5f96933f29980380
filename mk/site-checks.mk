# Site checks: valid HTML on every built page; readability per page and
# language, and the limits of every "In het kort" block
# (tools/readability.py); links, language pairs and the calendar file;
# then every page in Chromium (axe in light and dark mode, structure, no
# third-party requests, screenshots in target/screenshots/), "Lees voor"
# with a stand-in for the speech API, and each form in its error state
# against the real forms binary.

TEST_STAGES += test-site

.PHONY: test-site readme-screenshots
test-site: tools-node tools-python tools-chromium site build
	node tools/translations.mjs check
	python3 tools/readability.py
	npx --no-install html-validate "site/public/**/*.html"
	FORMS_BIN="$(FORMS_BIN)" $(WITH_SERVICES) --no-moto --no-smtp -- node --test --test-concurrency=1 tests/site/

# Refresh the README's pictures of the home page at 360 px, one per language
# (docs/screenshots/), which the read-aloud tests take with a voice present.
readme-screenshots: tools-node tools-chromium site build
	FORMS_BIN="$(FORMS_BIN)" node --test --test-name-pattern="README screenshots" tests/site/read-aloud.test.mjs
	mkdir -p docs/screenshots
	cp target/screenshots/readme/home-*-360.png docs/screenshots/
