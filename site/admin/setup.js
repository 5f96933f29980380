// Starts the editor: the site's backend, the preview in the site's own
// style, then config.yml (written by tools/build-admin.mjs during
// `make site`). session.js loads this file only once the server said the
// editor is signed in.
(function () {
  'use strict';
  const CMS = window.CMS;
  const CONTENT_ROOT = 'site/content';
  // The backend: Decap's proxy protocol to the site's own /api/cms/v1
  // (cms-auth), with zola's file names (zola-paths.js) and the server's
  // sign-in and save status (session.js).
  const original = CMS.getBackend('proxy');
  // Decap calls `new Backend(config, options)`; returning an object from
  // a constructor hands Decap the wrapped backend instead.
  function ZolaBackend(config, options) {
    const defaultLocale = (config.i18n && config.i18n.default_locale) || 'nl';
    const zola = window.zolaPaths.wrapBackend(original.init(config, options), defaultLocale, CONTENT_ROOT);
    return window.editorSession.wrap(zola);
  }
  CMS.registerBackend('zola-proxy', ZolaBackend);
  CMS.registerPreviewStyle('/style.css');
  CMS.init();
})();
