// "Lees voor": reads the page's main text aloud with the browser's own
// speech synthesis, in the page's language (issue 20). An enhancement
// only: the controls are `hidden` in the HTML (templates/partials/
// read_aloud.html) and shown once the browser has a voice for the page's
// language. The site sends nothing anywhere; which voice speaks is the
// browser's choice (some browsers use an online voice: privacy page).
//
// Block by block (heading, paragraph, list item, table row), the block
// being read highlighted, and one utterance per sentence: long texts do
// not run into the length and time limits some voices have, and pause
// and resume lose at most a sentence.
//
// Pause silences the voice at once and resume says the paused sentence
// again from its start. The speech API's own pause() is not used: how well
// it works depends on the browser and the voice, and in Chromium on Linux
// (speech-dispatcher) a voice that finishes its sentence while paused
// leaves the page mute until it is reloaded (tried by hand: README).
(function () {
  'use strict';

  var synth = window.speechSynthesis;
  var Utterance = window.SpeechSynthesisUtterance;
  var box = document.querySelector('[data-read-aloud]');
  var main = document.querySelector('main');
  if (!box || !main || !synth || typeof Utterance !== 'function') return;

  var play = box.querySelector('[data-read-aloud-play]');
  var label = box.querySelector('[data-read-aloud-label]');
  var stop = box.querySelector('[data-read-aloud-stop]');
  var pageLang = document.documentElement.lang || 'nl';
  var labels = {
    idle: box.getAttribute('data-label-read'),
    speaking: box.getAttribute('data-label-pause'),
    paused: box.getAttribute('data-label-resume'),
  };
  // A little slower than the voice's default: easier to follow for
  // people who are learning the language or read along.
  var RATE = 0.9;
  // What is read: text blocks in <main>, in page order. Not the controls
  // themselves, not the translation notice (the page's own text starts at
  // its title), not the form's fields (a screen reader reads those with
  // their labels); the form's "what happens next" is read.
  var BLOCKS = 'h1, h2, h3, h4, h5, h6, p, li, dt, dd, tr, caption, figcaption, blockquote';
  var SKIP = '[data-read-aloud], .translation-notice, [hidden], [aria-hidden="true"]';

  var state = 'idle';
  var queue = [];
  var index = 0;
  var run = 0; // bumped on every start and stop: events of an older run are ignored
  var current = null; // holds the utterance, so it is not collected before it ends
  var marked = null;

  function primary(tag) {
    return String(tag || '').toLowerCase().replace('_', '-').split('-')[0];
  }

  // A voice for the language: one on this device first, then the
  // browser's default, then any.
  function voiceFor(lang) {
    var want = primary(lang);
    var voices = Array.prototype.filter.call(synth.getVoices() || [], function (v) { return primary(v.lang) === want; });
    var rank = function (v) { return (v.localService ? 2 : 0) + (v['default'] ? 1 : 0); };
    voices.sort(function (a, b) { return rank(b) - rank(a); });
    return voices[0] || null;
  }

  function langOf(el) {
    var holder = el.closest('[lang]');
    return (holder && holder.getAttribute('lang')) || pageLang;
  }

  // The text as it is shown: without hidden parts and decorative marks;
  // table cells are separated by a pause.
  function textOf(el) {
    var copy = el.cloneNode(true);
    copy.querySelectorAll(SKIP + ', svg, br, td, th').forEach(function (n) {
      if (n.matches('td, th')) n.append(', ');
      else if (n.matches('br')) n.replaceWith(' ');
      else n.remove();
    });
    return copy.textContent.replace(/\s+/g, ' ').replace(/[,\s]+$/, '').trim();
  }

  function blocks() {
    var found = [];
    main.querySelectorAll(BLOCKS).forEach(function (el) {
      if (el.closest(SKIP) || (el.closest('form') && !el.closest('.what-next'))) return;
      // A block inside another one (a paragraph in a list item) is read with it.
      var outer = el.parentElement && el.parentElement.closest(BLOCKS);
      if (outer && main.contains(outer)) return;
      if (!el.getClientRects().length) return; // not shown (display: none)
      var text = textOf(el);
      // A step of a numbered list is read with its number, as it is shown.
      var list = el.parentElement;
      if (text && el.matches('li') && list.matches('ol')) {
        text = (Array.prototype.indexOf.call(list.children, el) + (list.start || 1)) + ', ' + text;
      }
      if (!text) return;
      var lang = langOf(el);
      sentencesOf(text).forEach(function (sentence) { found.push({ el: el, text: sentence, lang: lang }); });
    });
    return found;
  }

  function sentencesOf(text) {
    return text.replace(/([.!?\u061F\u2026]["'\u2019\u201D\u00BB)]*)\s+/g, '$1\u0000').split('\u0000')
      .filter(function (s) { return s.trim(); });
  }

  function mark(el) {
    if (marked) marked.classList.remove('read-aloud-current');
    marked = el;
    if (!el) return;
    el.classList.add('read-aloud-current');
    var still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView({ block: 'nearest', behavior: still ? 'auto' : 'smooth' });
  }

  function setState(next) {
    state = next;
    box.setAttribute('data-state', next);
    label.textContent = labels[next];
    if (next === 'idle' && document.activeElement === stop) play.focus();
    stop.hidden = next === 'idle';
  }

  function finish() {
    current = null;
    mark(null);
    setState('idle');
  }

  function speakNext(myRun) {
    if (myRun !== run) return;
    // A block in a language without a voice (the 404 page has all six) is skipped.
    var voice = null;
    while (index < queue.length && !(voice = voiceFor(queue[index].lang))) index += 1;
    if (index >= queue.length) { finish(); return; }
    var item = queue[index];
    var utterance = new Utterance(item.text);
    utterance.lang = item.lang;
    utterance.voice = voice;
    utterance.rate = RATE;
    utterance.addEventListener('end', function () {
      if (myRun !== run) return;
      index += 1;
      speakNext(myRun);
    });
    utterance.addEventListener('error', function (event) {
      // 'interrupted' and 'canceled' are our own pause or stop.
      if (myRun !== run || event.error === 'interrupted' || event.error === 'canceled') return;
      run += 1;
      finish();
    });
    current = utterance;
    mark(item.el);
    synth.speak(utterance);
  }

  function start() {
    synth.cancel();
    run += 1;
    queue = blocks();
    index = 0;
    setState('speaking');
    speakNext(run);
  }

  // Silence now; the block stays marked, and resume says the sentence again.
  function pause() {
    run += 1;
    synth.cancel();
    setState('paused');
  }

  function resume() {
    run += 1;
    setState('speaking');
    speakNext(run);
  }

  function halt() {
    run += 1;
    synth.cancel();
    finish();
  }

  play.addEventListener('click', function () {
    if (state === 'idle') start();
    else if (state === 'speaking') pause();
    else resume();
  });
  stop.addEventListener('click', halt);
  box.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && state !== 'idle') halt();
  });
  // Leaving the page stops the voice; a page restored from the
  // back/forward cache starts without a half-finished reading.
  window.addEventListener('pagehide', function () { if (state !== 'idle') halt(); });
  window.addEventListener('pageshow', function (event) { if (event.persisted) halt(); });

  // Voices arrive asynchronously in most browsers: show the controls as
  // soon as one speaks the page's language.
  function offer() {
    if (state === 'idle') box.hidden = !voiceFor(pageLang);
  }
  if (synth.addEventListener) synth.addEventListener('voiceschanged', offer);
  else synth.onvoiceschanged = offer;
  offer();
})();
