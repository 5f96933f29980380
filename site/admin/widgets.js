// The editor's own fields and its list of refusals, so that no save leaves
// an editor stranded:
//
//   datum            a plain date field (type or pick a day), the chosen day
//                    written out beside it; a day that does not exist is
//                    refused with what to type
//   spreekuurdatums  the list of spreekuur dates, refusing an end time that
//                    is not after the start time as soon as it is typed
//   the refusal list every refusal of the form, at the top of the window
//                    with a link to its field, while Decap also shows it
//                    next to the field
//
// The checks themselves (`dateProblem`, `timeOrderProblems`) are plain
// functions, also used by tests/editor/config.test.mjs in node.
(function (root) {
  'use strict';

  const MONTHS = ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'];
  const DAYS = ['zondag', 'maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag'];
  const EXAMPLE = 'Typ de dag als dag-maand-jaar, bijvoorbeeld 13-01-2027, of kies hem in de kalender.';

  /** A TOML date may reach the editor as a Date; the files hold YYYY-MM-DD. */
  function isoText(value) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
    return value == null ? '' : String(value).trim();
  }

  const pad = (n) => String(n).padStart(2, '0');

  /** [year, month, day] as typed: 13-01-2027, 13/1/2027, 13.1.2027,
   *  13 januari 2027 (the Dutch order) or 2027-01-13 (the files' order);
   *  null when it is none of these. Whether the day exists is not checked. */
  function parts(text) {
    let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
    if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
    m = /^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$/.exec(text);
    if (m) return [Number(m[3]), Number(m[2]), Number(m[1])];
    m = /^(\d{1,2})\s+([a-z]+)\s+(\d{4})$/i.exec(text);
    const month = m ? MONTHS.findIndex((name) => name === m[2].toLowerCase() || (m[2].length >= 3 && name.startsWith(m[2].toLowerCase()))) : -1;
    return month >= 0 ? [Number(m[3]), month + 1, Number(m[1])] : null;
  }

  /** The day as the files hold it (YYYY-MM-DD) if what is typed is an
   *  existing day, else null. */
  function toIso(value) {
    const p = parts(isoText(value));
    if (!p) return null;
    const [year, month, day] = p;
    const date = new Date(Date.UTC(year, month - 1, day));
    const exists = year >= 1900 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    return exists ? `${year}-${pad(month)}-${pad(day)}` : null;
  }

  /** Why a date cannot be saved, in plain Dutch with what to type, or
   *  null. Only YYYY-MM-DD is saved: the editor turns 13-01-2027 into
   *  that, so anything else here is a day that does not exist or no day. */
  function dateProblem(value) {
    const text = isoText(value);
    if (!text || /^\d{4}-\d{2}-\d{2}$/.test(text) && toIso(text)) return null;
    const p = parts(text);
    if (p && p[1] >= 1 && p[1] <= 12 && !toIso(text)) {
      const last = new Date(Date.UTC(p[0], p[1], 0)).getUTCDate();
      if (p[2] > last || p[2] < 1) return `${p[2]} ${MONTHS[p[1] - 1]} ${p[0]} bestaat niet: ${MONTHS[p[1] - 1]} ${p[0]} heeft ${last} dagen. ${EXAMPLE}`;
    }
    if (p && (p[1] < 1 || p[1] > 12)) return `"${text}": een jaar heeft maar 12 maanden. ${EXAMPLE}`;
    if (p && toIso(text)) return null;
    return `"${text}" is geen datum. ${EXAMPLE}`;
  }

  /** "woensdag 13 januari 2027" for an existing day, else ''. */
  function inWords(value) {
    const iso = toIso(value);
    if (!iso) return '';
    const [year, month, day] = iso.split('-').map(Number);
    return `${DAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]} ${day} ${MONTHS[month - 1]} ${year}`;
  }

  /** 2027-01-13 -> 13-01-2027: how the field shows a saved day. */
  function dutchText(value) {
    const iso = toIso(value);
    return iso && /^\d{4}-/.test(isoText(value)) ? iso.split('-').reverse().join('-') : isoText(value);
  }

  const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

  /** Dates whose end time is not after their start time, each a sentence
   *  that says what to do. `dates`: plain objects {date, start, end}. */
  function timeOrderProblems(dates) {
    const problems = [];
    for (const d of dates) {
      const start = String(d.start || '');
      const end = String(d.end || '');
      if (TIME.test(start) && TIME.test(end) && end <= start) {
        const day = inWords(d.date) || isoText(d.date) || 'een spreekuur zonder datum';
        problems.push(`Bij ${day} is de eindtijd (${end}) niet later dan de begintijd (${start}). Vul een eindtijd in die na de begintijd komt, of laat de eindtijd leeg.`);
      }
    }
    return problems;
  }

  const checks = { dateProblem, inWords, timeOrderProblems, toIso, dutchText };
  if (typeof module === 'object' && module.exports) {
    module.exports = checks;
    return;
  }

  const CMS = root.CMS;
  const h = root.h;
  const createClass = root.createClass;
  const refusal = (props, message) => ({ error: { type: 'CUSTOM', parentIds: props.parentIds, message } });

  // A plain date field: the editor types the day the Dutch way
  // (13-01-2027) or picks it in the browser's calendar; the day in words
  // beside it confirms which day it is. The file gets YYYY-MM-DD. What is
  // not an existing day stays as typed, so the refusal can name it.
  const DateControl = createClass({
    getInitialState() { return { text: dutchText(this.props.value) }; },
    componentDidUpdate(previous) {
      // A value set from outside (loading, "fill in from another language").
      if (previous.value !== this.props.value && this.props.value !== this.sent) this.setState({ text: dutchText(this.props.value) });
    },
    isValid() {
      const problem = dateProblem(this.props.value);
      return problem ? refusal(this.props, problem) : true;
    },
    send(text) {
      this.setState({ text });
      this.sent = toIso(text) || text.trim();
      this.props.onChange(this.sent);
    },
    pick() {
      const picker = this.picker;
      if (!picker) return;
      picker.value = toIso(this.props.value) || '';
      if (picker.showPicker) picker.showPicker(); else picker.click();
    },
    render() {
      const { forID, value, classNameWrapper, setActiveStyle, setInactiveStyle } = this.props;
      const words = inWords(value);
      const box = { font: 'inherit', fontSize: '16px', padding: '8px 10px', border: '1px solid #767676', borderRadius: '4px', background: '#fff', color: '#1b1b1f' };
      return h('div', { className: classNameWrapper, style: { display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: '0.5rem 0.75rem' } },
        h('input', {
          type: 'text', id: forID, value: this.state.text, inputMode: 'numeric', autoComplete: 'off', placeholder: 'dd-mm-jjjj',
          'aria-describedby': `${forID}-in-woorden`, style: Object.assign({ width: '10em' }, box),
          onChange: (e) => this.send(e.target.value), onFocus: setActiveStyle,
          // Refused as soon as the editor leaves the field, not only at "Publiceer".
          onBlur: () => { setInactiveStyle(); if (isoText(this.props.value)) this.props.validate(); },
        }),
        h('button', { type: 'button', onClick: this.pick, style: Object.assign({ cursor: 'pointer' }, box) }, 'Kies in de kalender'),
        h('input', {
          type: 'date', tabIndex: -1, 'aria-hidden': 'true', ref: (el) => { this.picker = el; },
          style: { position: 'absolute', opacity: 0, width: '1px', height: '1px', pointerEvents: 'none' },
          onChange: (e) => { if (e.target.value) this.send(dutchText(e.target.value)); },
        }),
        h('span', { id: `${forID}-in-woorden`, 'aria-live': 'polite', style: { fontSize: '15px' } }, words ? `Dat is ${words}.` : ''));
    },
  });
  CMS.registerWidget('datum', DateControl, createClass({
    render() { return h('span', {}, inWords(this.props.value) || isoText(this.props.value)); },
  }));

  // The spreekuur dates: Decap's own list, plus the one check that needs
  // two fields at once. It runs as soon as both times are typed, and again
  // at "Publiceer"; the message names the day. Decap's list writes its own
  // errors (its size) under the list's id and would wipe this one: every
  // write for that id gets this check's refusals added.
  const ListControl = CMS.getWidget('list').control;
  const plainDates = (value) => (value && value.toJS ? value.toJS() : value || []);
  const SpreekuurDates = createClass({
    refusals() {
      return timeOrderProblems(plainDates(this.props.value)).map((message) => refusal(this.props, message).error);
    },
    isValid() {
      const found = this.refusals();
      return found.length ? { error: found[0] } : true;
    },
    report(id, errors) {
      this.props.onValidateObject(id, id === this.props.forID ? errors.concat(this.refusals()) : errors);
    },
    focus(path) { if (this.inner && this.inner.focus) this.inner.focus(path); },
    componentDidUpdate() {
      const shown = JSON.stringify(this.refusals());
      if (shown !== this.lastShown) {
        this.lastShown = shown;
        this.report(this.props.forID, []);
      }
    },
    render() {
      return h(ListControl, Object.assign({}, this.props, { ref: (r) => { this.inner = r; }, onValidateObject: this.report }));
    },
  });
  CMS.registerWidget('spreekuurdatums', SpreekuurDates, CMS.getWidget('list').preview);

  // Whether a translation says what the Dutch page says now. The build
  // writes the current fingerprint of every Dutch page with translations
  // (vertalingen.json, tools/build-admin.mjs); a translation whose
  // [extra] source_hash is another one shows a notice on the site. Here
  // the editor who brought the translation up to date says so, and the
  // save records the fingerprint: the notice goes with the next build.
  let fingerprints = null;
  const loadFingerprints = () => fingerprints || (fingerprints = fetch('vertalingen.json', { cache: 'no-store' }).then((r) => r.json()).catch(() => ({})));
  const repoPath = (path) => String(path || '').replace(/\.nl\.md$/, '.md');
  const TranslationStatus = createClass({
    getInitialState() { return { current: null }; },
    // Nothing to fill in: never "empty" for Decap's required check.
    getValidateValue() { return 'status'; },
    componentDidMount() {
      loadFingerprints().then((all) => this.setState({ current: all[repoPath(this.props.getEntry().get('path'))] || null }));
    },
    render() {
      const { value, onChange, locale, forID, classNameWrapper } = this.props;
      const extra = value && value.get ? value : null;
      const recorded = extra ? extra.get('source_hash') : null;
      const style = { fontSize: '15px', lineHeight: 1.5, margin: 0 };
      if (!locale || locale === 'nl') {
        return h('div', { className: classNameWrapper, id: forID }, h('p', { style },
          'De vertalingen volgen deze tekst. Pas je hem aan, dan staat er op elke vertaling dat de Nederlandse tekst nieuwer is, tot de vertaling is bijgewerkt.'));
      }
      if (!this.state.current) return h('div', { className: classNameWrapper, id: forID }, h('p', { style }, 'Even kijken of deze vertaling bij is…'));
      if (recorded === this.state.current) {
        return h('div', { className: classNameWrapper, id: forID }, h('p', { style, role: 'status' },
          'Deze vertaling is bij: ze zegt hetzelfde als de Nederlandse tekst van nu.'));
      }
      return h('div', { className: classNameWrapper, id: forID },
        h('p', { style: Object.assign({ marginBottom: '8px' }, style) },
          'De Nederlandse tekst is veranderd sinds deze vertaling. Op de site staat daarom dat de Nederlandse pagina nieuwer is. '
          + 'Zegt deze vertaling weer hetzelfde als de Nederlandse tekst (die al is opgeslagen)? Klik dan op de knop en publiceer.'),
        h('button', {
          type: 'button', style: { font: 'inherit', fontSize: '15px', padding: '8px 12px', cursor: 'pointer', border: '1px solid #767676', borderRadius: '4px', background: '#fff' },
          // No [extra] yet: an empty map of the kind Decap uses (its Immutable is not global).
          onClick: () => onChange((extra || this.props.getEntry().get('data').clear()).set('source_hash', this.state.current)),
        }, 'Deze vertaling klopt weer'));
    },
  });
  CMS.registerWidget('vertaalstatus', TranslationStatus, createClass({ render() { return null; } }));

  // Parts of a page the site fills in itself (site/templates/shortcodes/).
  // In the text they are one line of code an editor might take for a typo;
  // in the editor they show as a named block that says what appears there.
  const AUTOMATIC = [
    ['next_spreekuur', 'Het eerstvolgende spreekuur', 'Hier zet de site vanzelf de eerstvolgende datum van het spreekuur, uit "Spreekuur, adressen en mailadressen".'],
    ['regions', 'Welke hulp in welke regio', 'Hier zet de site vanzelf per regio de gemeenten en welke hulp er is.'],
    ['library_locations', 'De vestigingen van de bibliotheek', 'Hier zet de site vanzelf de vestigingen van de bibliotheek met hun adres, uit "Spreekuur, adressen en mailadressen".'],
  ];
  for (const [name, label, text] of AUTOMATIC) {
    CMS.registerEditorComponent({
      id: name,
      label: `Vanzelf: ${label}`,
      fields: [{ name: 'uitleg', label: 'Wat hier komt', widget: 'hidden', default: text }],
      pattern: new RegExp(`^\\{\\{ ${name}\\(\\) \\}\\}$`),
      fromBlock: () => ({ uitleg: text }),
      toBlock: () => `{{ ${name}() }}`,
      toPreview: () => `<p><em>${text}</em></p>`,
    });
  }

  // ---- The refusal list at the top of the window

  const STYLE = `
    /* Decap writes field messages in small capitals; ours are sentences. */
    label + ul > li { text-transform: none; font-size: 14px; font-weight: 600; text-align: start; line-height: 1.4; }
    label + ul { text-transform: none; text-align: start; }
    #weigeringen { position: fixed; z-index: 50; top: 72px; left: 50%; transform: translateX(-50%);
      width: min(44rem, calc(100vw - 2rem)); max-height: 45vh; overflow: auto; box-sizing: border-box;
      background: #fff; color: #1b1b1f; border: 3px solid #b00020; border-radius: 6px; padding: 12px 16px;
      box-shadow: 0 4px 16px rgba(0,0,0,.25); font-size: 15px; line-height: 1.45; }
    #weigeringen:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
    #weigeringen h2 { font-size: 17px; margin: 0 0 6px; color: #b00020; }
    #weigeringen p { margin: 0 0 6px; }
    #weigeringen ul { margin: 0; padding-inline-start: 1.2em; }
    #weigeringen li { margin: 4px 0; }
    #weigeringen a { color: #0a4f8f; font-weight: 600; }
  `;

  /** Every message Decap shows next to a field: [{ id, label, message }]. */
  function refusals() {
    const found = [];
    for (const item of document.querySelectorAll('label + ul > li')) {
      const label = item.parentElement.previousElementSibling;
      const message = item.textContent.trim();
      if (!message) continue;
      found.push({ id: label.htmlFor, label: label.firstChild ? label.firstChild.textContent.trim() : label.textContent.trim(), message });
    }
    return found;
  }

  function goTo(id) {
    const field = document.getElementById(id);
    if (!field) return;
    const label = document.querySelector(`label[for="${CSS.escape(id)}"]`);
    (label || field).scrollIntoView({ block: 'center' });
    const input = field.matches('input, textarea, select, [contenteditable]') ? field : field.querySelector('input, textarea, select, [contenteditable="true"]');
    (input || field).focus({ preventScroll: true });
  }

  let shownKey = '';
  function render() {
    const list = refusals();
    const key = JSON.stringify(list);
    if (key === shownKey) return;
    shownKey = key;
    let box = document.getElementById('weigeringen');
    if (!list.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement('section');
      box.id = 'weigeringen';
      box.tabIndex = -1;
      box.setAttribute('role', 'alert');
      box.setAttribute('aria-labelledby', 'weigeringen-kop');
      document.body.appendChild(box);
    }
    box.replaceChildren();
    const title = document.createElement('h2');
    title.id = 'weigeringen-kop';
    title.textContent = list.length === 1 ? 'Nog niet opgeslagen: verbeter eerst dit veld' : `Nog niet opgeslagen: verbeter eerst deze ${list.length} velden`;
    const hint = document.createElement('p');
    hint.textContent = 'Klik op een melding om naar het veld te gaan. Daarna klik je opnieuw op Publiceer.';
    const ul = document.createElement('ul');
    for (const r of list) {
      const li = document.createElement('li');
      const a = document.createElement('a');
      a.href = `#${r.id}`;
      a.textContent = `${r.label}: ${r.message}`;
      a.addEventListener('click', (e) => { e.preventDefault(); goTo(r.id); });
      li.appendChild(a);
      ul.appendChild(li);
    }
    box.append(title, hint, ul);
  }

  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  };

  function start() {
    const style = document.createElement('style');
    style.textContent = STYLE;
    document.head.appendChild(style);
    new MutationObserver(schedule).observe(document.body, { subtree: true, childList: true, characterData: true });
    // "Publiceer nu" with refusals: the list takes the focus, so the click
    // visibly does something, also for a screen reader.
    document.addEventListener('click', (event) => {
      const item = event.target.closest('[role="menuitem"]');
      if (!item || !/^Publiceer/.test(item.textContent.trim())) return;
      setTimeout(() => { render(); const box = document.getElementById('weigeringen'); if (box) box.focus(); }, 150);
    }, true);
  }
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})(this);
