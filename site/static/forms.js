// Optional enhancement for the form pages. Without this script the forms
// post normally and the server answers with the page again, errors shown.
// With it: a fresh idempotency key per form (on every page load, after a
// success, and when the page comes back from the back/forward cache), the post in place, the server's errors
// in the very same markup, focus on the summary, and on success the
// thank-you page. Any other answer falls back to a normal post.
(function () {
  'use strict';

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function controlsOf(form, name) {
    return form.querySelectorAll('[name="' + name + '"]');
  }

  function clearErrors(form, summary) {
    summary.hidden = true;
    summary.removeAttribute('role');
    summary.textContent = '';
    form.querySelectorAll('.field--error').forEach(function (el) { el.classList.remove('field--error'); });
    form.querySelectorAll('.field-error').forEach(function (el) { el.hidden = true; el.textContent = ''; });
    form.querySelectorAll('[aria-invalid]').forEach(function (el) {
      el.removeAttribute('aria-invalid');
      var ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) { return id && !/-error$/.test(id); });
      if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
    });
  }

  function showErrors(form, summary, errors, lang) {
    var prefix = lang === 'en' ? 'Error: ' : 'Fout: ';
    var title = document.createElement('h2');
    title.className = 'error-summary__title';
    title.textContent = lang === 'en' ? 'There is a problem' : 'Er ging iets mis';
    var list = document.createElement('ul');
    list.className = 'error-summary__list';
    // Follow the order of the fields on the page, like the server does.
    var names = Array.prototype.map.call(form.querySelectorAll('[data-field]'), function (el) { return el.getAttribute('data-field'); })
      .filter(function (name) { return Object.prototype.hasOwnProperty.call(errors, name); });
    Object.keys(errors).forEach(function (name) { if (names.indexOf(name) < 0) names.push(name); });
    names.forEach(function (name) {
      var message = errors[name];
      var item = document.createElement('li');
      var link = document.createElement('a');
      link.href = '#' + name;
      link.textContent = message;
      item.appendChild(link);
      list.appendChild(item);
      var wrapper = form.querySelector('[data-field="' + name + '"]');
      if (wrapper) wrapper.classList.add('field--error');
      var p = document.getElementById(name + '-error');
      if (p) {
        p.textContent = '';
        var hidden = document.createElement('span');
        hidden.className = 'visually-hidden';
        hidden.textContent = prefix;
        p.appendChild(hidden);
        p.appendChild(document.createTextNode(message));
        p.hidden = false;
      }
      controlsOf(form, name).forEach(function (el) {
        el.setAttribute('aria-invalid', 'true');
        var ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
        if (ids.indexOf(name + '-error') < 0) ids.push(name + '-error');
        el.setAttribute('aria-describedby', ids.join(' '));
      });
    });
    summary.appendChild(title);
    summary.appendChild(list);
    summary.hidden = false;
    summary.setAttribute('role', 'alert');
    if (document.title.indexOf(prefix) !== 0) document.title = prefix + document.title;
    summary.focus();
  }

  function showMessage(summary, message, lang) {
    var title = document.createElement('h2');
    title.className = 'error-summary__title';
    title.textContent = lang === 'en' ? 'Send the form once more' : 'Verstuur het formulier nog een keer';
    var text = document.createElement('p');
    text.textContent = message;
    summary.appendChild(title);
    summary.appendChild(text);
    summary.hidden = false;
    summary.setAttribute('role', 'alert');
    summary.focus();
  }

  function enhance(form) {
    var summary = document.getElementById('error-summary');
    var key = form.querySelector('input[name="submission_id"]');
    var lang = (form.querySelector('input[name="lang"]') || {}).value || 'nl';
    if (!summary || !key || !window.fetch || !window.URLSearchParams) return;
    var sending = false;
    // A new key for each form the user fills in. Never the key of a form
    // already sent: the browser restores a page (and its hidden fields)
    // on Back, and a second form under the first one's key is refused.
    function freshForm() {
      key.value = uuid();
      sending = false;
    }
    freshForm();
    window.addEventListener('pageshow', function (event) {
      if (event.persisted) freshForm();
    });
    // The server's error page (no-JS post) arrives with the summary shown:
    // bring it to the reader first, as after an in-place submit.
    if (!summary.hidden) summary.focus();

    form.addEventListener('submit', function (event) {
      if (sending) { event.preventDefault(); return; }
      event.preventDefault();
      sending = true;
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, {
        method: 'POST',
        headers: { 'Accept': 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: body,
        credentials: 'same-origin',
      }).then(function (response) {
        if (response.status === 201) {
          freshForm();
          window.location.assign(form.getAttribute('data-thanks'));
          return null;
        }
        if (response.status === 409) {
          // The key belonged to another form: say so, and send it again
          // under a new key when the user is ready.
          return response.json().then(function (data) {
            freshForm();
            clearErrors(form, summary);
            showMessage(summary, (data && data.message) || '', lang);
          });
        }
        if (response.status === 422) {
          return response.json().then(function (data) {
            sending = false;
            clearErrors(form, summary);
            showErrors(form, summary, (data && data.errors) || {}, lang);
          });
        }
        throw new Error('unexpected status ' + response.status);
      }).catch(function () {
        // Let the browser post it the ordinary way: the server then answers
        // with a page (errors, a limit message, or the thank-you page).
        form.submit();
      });
    });
  }

  document.querySelectorAll('form[action^="/api/forms/"]').forEach(enhance);
})();
