# The zola site.

# SITE_URL (e.g. https://www.example.org) makes links and the sitemap
# absolute, for the deployed site; without it every link is root-relative
# and robots.txt names no sitemap (search engines need a full address).
SITE_URL ?=

.PHONY: site
site: node_modules/.installed
	cd site && $(ZOLA) build $(if $(SITE_URL),--base-url "$(SITE_URL)")
	@# zola writes every page as index.html; the calendar pages are iCalendar
	@# (templates/calendar.ics.html): move them to their real file names.
	@for dir in site/public site/public/*/; do \
	  dir=$${dir%/}; [ -d "$$dir/spreekuur-ics" ] || continue; \
	  mv "$$dir/spreekuur-ics/index.html" "$$dir/spreekuur.ics" && rmdir "$$dir/spreekuur-ics"; \
	  node tools/fold-ics.mjs "$$dir/spreekuur.ics"; \
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
