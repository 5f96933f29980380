# Site checks: valid HTML on every built page; links, language pairs and
# the calendar file; then every page in Chromium (axe, structure, no
# third-party requests, screenshots in target/screenshots/) and each form
# in its error state against the real forms binary.

TEST_STAGES += test-site

.PHONY: test-site
test-site: tools-node tools-python tools-chromium site build
	node tools/translations.mjs check
	npx --no-install html-validate "site/public/**/*.html"
	FORMS_BIN="$(FORMS_BIN)" $(WITH_SERVICES) --no-moto --no-smtp -- node --test --test-concurrency=1 tests/site/
