// zola names the Dutch (default language) file `name.md` and a translation
// `name.en.md`. Decap CMS's i18n `multiple_files` expects `name.nl.md` for
// the default language too, and has no setting to leave it out. This layer
// sits between Decap and its real backend (GitHub in production, the local
// decap-server for `make edit`) and translates paths both ways, so the
// editor sees `name.nl.md` and the repository keeps `name.md`.
(function (root) {
  'use strict';

  /** Path translation for one default locale, e.g. 'nl'. */
  function pathMapper(defaultLocale) {
    const suffix = '.' + defaultLocale + '.md';
    return {
      // Editor path -> repository path: name.nl.md -> name.md.
      toRepo(path) {
        return path.endsWith(suffix) ? path.slice(0, -suffix.length) + '.md' : path;
      },
      // Repository path -> editor path: name.md -> name.nl.md. A file whose
      // name already has a dot before `.md` is a translation (zola reads the
      // part after the dot as its language) and keeps its name.
      fromRepo(path) {
        if (!path.endsWith('.md')) return path;
        const stem = path.slice(0, -3);
        const name = stem.slice(stem.lastIndexOf('/') + 1);
        return name.includes('.') ? path : stem + suffix;
      },
    };
  }

  // zola's section files (`_index.md`) are settings, not news items: the
  // editor lists them only in the content folder itself (the home page).
  function isHiddenSectionIndex(path, contentRoot) {
    const slash = path.lastIndexOf('/');
    return path.slice(slash + 1).startsWith('_index.') && path.slice(0, slash) !== contentRoot;
  }

  /** Wraps a Decap backend implementation; every other method is passed on. */
  function wrapBackend(implementation, defaultLocale, contentRoot) {
    const paths = pathMapper(defaultLocale);
    const entry = (e) => (e && e.file ? Object.assign({}, e, { file: Object.assign({}, e.file, { path: paths.fromRepo(e.file.path) }) }) : e);
    // Keep Decap's pagination cursor, which it attaches to the array.
    const entries = (list) => {
      const mapped = list.filter((e) => !(e && e.file && isHiddenSectionIndex(e.file.path, contentRoot))).map(entry);
      for (const key of Object.getOwnPropertySymbols(list)) mapped[key] = list[key];
      return mapped;
    };
    const dataFile = (f) => Object.assign({}, f, { path: paths.toRepo(f.path) }, f.newPath ? { newPath: paths.toRepo(f.newPath) } : {});
    const overrides = {
      async entriesByFolder(folder, extension, depth) {
        return entries(await implementation.entriesByFolder(folder, extension, depth));
      },
      async allEntriesByFolder(folder, extension, depth, pathRegex) {
        const all = entries(await implementation.allEntriesByFolder(folder, extension, depth));
        return pathRegex ? all.filter((e) => pathRegex.test(e.file.path)) : all;
      },
      async entriesByFiles(files) {
        const list = await implementation.entriesByFiles(files.map((f) => Object.assign({}, f, { path: paths.toRepo(f.path) })));
        return list.map(entry);
      },
      async getEntry(path) {
        return entry(await implementation.getEntry(paths.toRepo(path)));
      },
      async traverseCursor(cursor, action) {
        const result = await implementation.traverseCursor(cursor, action);
        return Object.assign({}, result, { entries: entries(result.entries) });
      },
      persistEntry(e, options) {
        return implementation.persistEntry(Object.assign({}, e, { dataFiles: e.dataFiles.map(dataFile) }), options);
      },
      deleteFiles(list, message) {
        return implementation.deleteFiles(list.map(paths.toRepo), message);
      },
      deleteFile(path, message) {
        return implementation.deleteFile(paths.toRepo(path), message);
      },
    };
    return new Proxy(implementation, {
      get(target, name) {
        if (Object.prototype.hasOwnProperty.call(overrides, name) && typeof target[name] === 'function') return overrides[name];
        const value = target[name];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  const api = { pathMapper, wrapBackend, isHiddenSectionIndex };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.zolaPaths = api;
})(this);
