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
	@# from site/admin/config.yml; CMS_REPO, SITE_URL, CMS_PORT: see the script).
	SITE_URL="$(SITE_URL)" node tools/build-admin.mjs $(SITE_SRC) $(SITE_SRC)/public.next
	rm -rf $(SITE_SRC)/public.old
	if [ -d $(SITE_SRC)/public ]; then mv $(SITE_SRC)/public $(SITE_SRC)/public.old; fi
	mv $(SITE_SRC)/public.next $(SITE_SRC)/public
	rm -rf $(SITE_SRC)/public.old

# The web editor on this checkout: tools/edit.mjs starts decap-server
# (CMS_PORT), rebuilds the site after every save and serves it with the
# forms server (PORT).
CMS_PORT ?= 8081
.PHONY: edit
edit: node_modules/.installed build
	FORMS_BIN="$(FORMS_BIN)" CMS_PORT="$(CMS_PORT)" SITE_SRC="$(SITE_SRC)" node tools/edit.mjs

# The editor in Chromium on a copy of site/ (tests/editor/); its
# screenshots (target/editor-screenshots/) illustrate site/README.md.
TEST_STAGES += test-editor
.PHONY: test-editor guide-screenshots
test-editor: tools-node tools-chromium site build
	FORMS_BIN="$(FORMS_BIN)" node --test --test-concurrency=1 tests/editor/

# Refresh the guide's pictures from the last `make test-editor`.
guide-screenshots: test-editor
	mkdir -p site/handleiding
	cp target/editor-screenshots/*.png site/handleiding/

# Translations: which version of the Dutch page each one says the same as
# (site/README.md, "Vertalingen bijhouden"). After updating a translation:
#   make translations-checked PAGES="site/content/contact.tr.md"
.PHONY: translations-check translations-checked
translations-check:
	node tools/translations.mjs check

translations-checked:
	@test -n "$(PAGES)" || { echo 'Name the translated pages you checked: make translations-checked PAGES="site/content/contact.tr.md"'; exit 1; }
	node tools/translations.mjs stamp $(PAGES)
