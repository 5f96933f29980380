// Must run before decap-cms.js: setup.js registers the site's backends
// and preview style first, then starts the editor itself.
window.CMS_MANUAL_INIT = true;
