// The editor's sign-in and save status (issue 21). Runs first on /admin/:
//
// 1. Asks the server (/api/cms/session) whether this browser is signed
//    in. Not signed in: the sign-in form in index.html stays (it works
//    without JavaScript too). Signed in: the form goes and the editor is
//    loaded (manual-init.js, decap-cms.js, editor-nl.js, widgets.js,
//    zola-paths.js, setup.js).
// 2. window.editorSession.wrap(backend) adds to Decap's proxy backend what
//    the server offers: who is signed in, "Uitloggen" that really ends the
//    session, and after each save a status line: being published, live
//    (with a link to the changed page), or failed (nothing is lost).
(function () {
  'use strict';
  const API = '/api/cms';
  const EDITOR_SCRIPTS = ['manual-init.js', 'decap-cms.js', 'editor-nl.js', 'widgets.js', 'zola-paths.js', 'setup.js'];
  const POLL_MS = 5000;
  const POLL_FOR_MS = 30 * 60 * 1000;
  let session = null;

  if (new URLSearchParams(location.search).has('uitgelogd')) {
    document.getElementById('signed-out').hidden = false;
  }

  function loadEditor() {
    document.getElementById('sign-in').remove();
    // The site's style is for the sign-in screen only; editor.css darkens
    // Decap's greys to AA contrast.
    document.getElementById('site-style').disabled = true;
    const style = document.createElement('link');
    style.rel = 'stylesheet';
    style.href = 'editor.css';
    document.head.appendChild(style);
    // Decap restores a stored user without asking; the server has checked.
    const user = { backendName: 'zola-proxy', name: session.editor.name, login: session.editor.email, email: session.editor.email };
    localStorage.setItem('decap-cms-user', JSON.stringify(user));
    for (const src of EDITOR_SCRIPTS) {
      const script = document.createElement('script');
      script.src = src;
      script.async = false; // in this order
      document.head.appendChild(script);
    }
  }

  const checking = document.getElementById('checking');
  checking.hidden = false;
  fetch(API + '/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then((r) => (r.ok ? r.json() : null))
    .then((found) => {
      checking.hidden = true;
      if (!found) return;
      session = found;
      loadEditor();
    })
    .catch(() => { checking.hidden = true; });

  // ---- the status line after a save

  let line = null;
  function statusLine() {
    if (line) return line;
    line = document.createElement('div');
    line.id = 'publish-status';
    line.setAttribute('role', 'status');
    Object.assign(line.style, {
      position: 'fixed', insetInline: '1rem', bottom: '1rem', zIndex: '10000', maxWidth: '40rem', margin: '0 auto',
      padding: '0.75rem 3rem 0.75rem 1rem', borderRadius: '0.4rem', font: '16px/1.5 system-ui, sans-serif',
      boxShadow: '0 2px 10px rgba(0,0,0,0.25)', background: '#ffffff', color: '#1b1b1b', borderInlineStart: '0.4rem solid #0b5394',
    });
    const text = document.createElement('p');
    text.style.margin = '0';
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = '×';
    close.setAttribute('aria-label', 'Melding sluiten');
    Object.assign(close.style, { position: 'absolute', insetInlineEnd: '0.5rem', top: '0.4rem', font: '24px/1 system-ui', background: 'none', border: '0', cursor: 'pointer', color: '#1b1b1b' });
    close.addEventListener('click', () => { line.hidden = true; });
    line.append(text, close);
    document.body.appendChild(line);
    return line;
  }

  const COLOURS = { busy: '#0b5394', live: '#1e7b34', failed: '#b3261e' };

  function show(kind, message, page) {
    const box = statusLine();
    box.hidden = false;
    box.dataset.state = kind;
    box.style.borderInlineStartColor = COLOURS[kind] || COLOURS.busy;
    const text = box.firstChild;
    text.textContent = message + (page ? ' ' : '');
    if (page) {
      const link = document.createElement('a');
      link.href = page;
      link.target = '_blank';
      link.rel = 'noopener';
      link.textContent = 'Bekijk de pagina';
      Object.assign(link.style, { color: '#0b5394', textDecoration: 'underline' });
      text.appendChild(link);
    }
  }

  let watching = 0;
  function follow(saved) {
    if (!saved || !saved.changed || saved.changed.length === 0) {
      show('live', 'Er was niets veranderd, dus er is niets opgeslagen.');
      return;
    }
    if (!saved.commit) {
      show('live', 'Opgeslagen in de bestanden op deze computer. De site wordt opnieuw gebouwd; over een paar seconden zie je de wijziging.', saved.page);
      return;
    }
    const mine = ++watching;
    const started = Date.now();
    show('busy', 'Opgeslagen. De wijziging wordt nu gepubliceerd; dat duurt een paar minuten. Je kunt gewoon verder werken.');
    const ask = () => {
      if (mine !== watching) return; // a newer save took over the line
      fetch(API + '/status?commit=' + encodeURIComponent(saved.commit), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then((r) => (r.ok ? r.json() : { state: 'publishing' }))
        .then((answer) => {
          if (mine !== watching) return;
          if (answer.state === 'live') {
            show('live', 'Je wijziging staat online.', saved.page);
          } else if (answer.state === 'failed') {
            show('failed', 'Publiceren is mislukt. Er is niets verloren: je wijziging is bewaard. De beheerder heeft een mail gekregen en zorgt dat hij online komt.');
          } else if (Date.now() - started < POLL_FOR_MS) {
            setTimeout(ask, POLL_MS);
          } else {
            show('busy', 'Publiceren duurt langer dan normaal. Je wijziging is bewaard; kijk later op de site of meld het aan de beheerder.');
          }
        })
        .catch(() => { if (mine === watching) setTimeout(ask, POLL_MS); });
    };
    setTimeout(ask, 1000);
  }

  function signOut() {
    return fetch(API + '/sign-out', { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .catch(() => null)
      .then(() => {
        localStorage.removeItem('decap-cms-user');
        location.assign('/admin/?uitgelogd');
      });
  }

  /** Decap's proxy backend with the server's sign-in and the status line. */
  function wrap(implementation) {
    const user = () => ({ name: session.editor.name, login: session.editor.email, email: session.editor.email });
    const overrides = {
      authenticate: () => Promise.resolve(user()),
      restoreUser: () => Promise.resolve(user()),
      logout: signOut,
      async persistEntry(entry, options) {
        // The line spoke of the last save; it speaks again when this one is done.
        watching += 1;
        if (line) line.hidden = true;
        const saved = await implementation.persistEntry(entry, options);
        follow(saved);
        return saved;
      },
      async deleteFiles(paths, message) {
        const saved = await implementation.deleteFiles(paths, message);
        follow(Object.assign({ changed: paths }, saved));
        return saved;
      },
    };
    return new Proxy(implementation, {
      get(target, name) {
        if (Object.prototype.hasOwnProperty.call(overrides, name)) return overrides[name];
        const value = target[name];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  window.editorSession = { wrap, get signedIn() { return session; } };
})();
