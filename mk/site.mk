# The zola site.

# SITE_URL (e.g. https://www.example.org) makes links and the sitemap
# absolute, for the deployed site; without it every link is root-relative
# and robots.txt names no sitemap (search engines need a full address).
SITE_URL ?=
# The site folder to build: another copy of it for the editor tests and
# `make edit`'s rebuilds (tools/edit.mjs).
SITE_SRC ?= site

.PHONY: site
# Built next to the old site and swapped in at the end, so a server that
# serves site/public (make dev, make edit's rebuilds) never shows a half
# or empty site.
site: node_modules/.installed
	rm -rf $(SITE_SRC)/public.next
	cd $(SITE_SRC) && $(ZOLA) build --output-dir public.next $(if $(SITE_URL),--base-url "$(SITE_URL)")
	@# zola writes every page as index.html; the calendar pages are iCalendar
	@# (templates/calendar.ics.html): move them to their real file names.
	@for dir in $(SITE_SRC)/public.next $(SITE_SRC)/public.next/*/; do \
	  dir=$${dir%/}; [ -d "$$dir/spreekuur-ics" ] || continue; \
	  mv "$$dir/spreekuur-ics/index.html" "$$dir/spreekuur.ics" && rmdir "$$dir/spreekuur-ics"; \
	  node tools/fold-ics.mjs "$$dir/spreekuur.ics"; \
	done
	@# The routing, as the form function reads it while running (SITE_DATA,
	@# functions/src/site_data.rs): an editor's change goes live with the site.
	mkdir -p $(SITE_SRC)/public.next/data
	cp $(SITE_SRC)/data/directory.toml $(SITE_SRC)/public.next/data/directory.toml
	@# The web editor at /admin/ (Decap CMS from node_modules, config.yml
	@# from site/admin/config.yml; SITE_URL: see the script).
	SITE_URL="$(SITE_URL)" node tools/build-admin.mjs $(SITE_SRC) $(SITE_SRC)/public.next
	rm -rf $(SITE_SRC)/public.old
	if [ -d $(SITE_SRC)/public ]; then mv $(SITE_SRC)/public $(SITE_SRC)/public.old; fi
	mv $(SITE_SRC)/public.next $(SITE_SRC)/public
	rm -rf $(SITE_SRC)/public.old

# The web editor on this computer, on the path it takes on AWS: one origin
# on PORT (tools/edit.mjs plays CloudFront), /api/cms/* to the editor's
# server (cms-auth), the site and forms to the forms server.
#   make edit                       the files of this checkout, no account
#   make edit CMS_AUTH=email CMS_EDITORS=a@example.org,b@example.org
#                                   the real sign-in (mail in .data/outbox/)
#                                   and GitHub adapter, against the stand-in
CMS_AUTH ?=
CMS_EDITORS ?=
.PHONY: edit build-cms-auth
build-cms-auth:
	cargo build --locked -p cms-auth $(CARGO_PROFILE_FLAG)

edit: node_modules/.installed build build-cms-auth $(if $(filter email,$(CMS_AUTH)),tools-python)
	FORMS_BIN="$(FORMS_BIN)" CMS_AUTH_BIN="$(CMS_AUTH_BIN)" TEST_PY="$(TEST_PY)" SITE_SRC="$(SITE_SRC)" \
	  CMS_AUTH="$(CMS_AUTH)" CMS_EDITORS="$(CMS_EDITORS)" node tools/edit.mjs

# The editor in Chromium on a copy of site/ (tests/editor/); its
# screenshots (target/editor-screenshots/) illustrate site/README.md.
TEST_STAGES += test-editor
.PHONY: test-editor guide-screenshots
test-editor: tools-node tools-python tools-chromium site build build-cms-auth
	rm -rf target/editor-screenshots
	FORMS_BIN="$(FORMS_BIN)" CMS_AUTH_BIN="$(CMS_AUTH_BIN)" TEST_PY="$(TEST_PY)" node --test --test-concurrency=1 tests/editor/

# Refresh the guide's pictures from a new `make test-editor`: the ones
# site/README.md shows (each must have been made), no others.
guide-screenshots: test-editor
	rm -rf site/handleiding && mkdir -p site/handleiding
	for name in $$(grep -o 'handleiding/[^)]*\.png' site/README.md | sort -u); do \
	  cp "target/editor-screenshots/$${name#handleiding/}" site/handleiding/ \
	    || { echo "site/README.md shows $$name, which no editor test makes"; exit 1; }; \
	done

# Translations: which version of the Dutch page each one says the same as
# (site/README.md, "Vertalingen bijhouden"). After updating a translation:
#   make translations-checked PAGES="site/content/contact.tr.md"
.PHONY: translations-check translations-checked
translations-check:
	node tools/translations.mjs check

translations-checked:
	@test -n "$(PAGES)" || { echo 'Name the translated pages you checked: make translations-checked PAGES="site/content/contact.tr.md"'; exit 1; }
	node tools/translations.mjs stamp $(PAGES)
