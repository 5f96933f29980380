# The zola site.

.PHONY: site
site: node_modules/.installed
	cd site && $(ZOLA) build
