# The zola site.

.PHONY: site
site: node_modules/.installed
	cd site && $(ZOLA) build
	@# zola writes every page as index.html; the calendar pages are iCalendar
	@# (templates/calendar.ics.html): move them to their real file names.
	@for dir in site/public site/public/en; do \
	  mv "$$dir/spreekuur-ics/index.html" "$$dir/spreekuur.ics" && rmdir "$$dir/spreekuur-ics"; \
	done
