// Starts the editor: the site's backends (Decap's own, with zola's file
// names, see zola-paths.js), the preview in the site's own style, then
// config.yml (written by tools/build-admin.mjs during `make site`).
(function () {
  'use strict';
  const CMS = window.CMS;
  const CONTENT_ROOT = 'site/content';
  for (const name of ['github', 'proxy']) {
    const original = CMS.getBackend(name);
    // Decap calls `new Backend(config, options)`; returning an object from
    // a constructor hands Decap the wrapped backend instead.
    function ZolaBackend(config, options) {
      const defaultLocale = (config.i18n && config.i18n.default_locale) || 'nl';
      return window.zolaPaths.wrapBackend(original.init(config, options), defaultLocale, CONTENT_ROOT);
    }
    CMS.registerBackend('zola-' + name, ZolaBackend);
  }
  CMS.registerPreviewStyle('/style.css');
  CMS.init();
})();
