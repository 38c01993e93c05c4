// leadbridge console: the payload tree's selection and copy, copy buttons
// (of code and of the playground's YAML as edited), and the playground's
// live results. Loaded as a file: the page's
// Content-Security-Policy allows no inline script.
(function () {
  'use strict';

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : '';
  }

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el) { el.textContent = text; }
  }

  // copy puts text on the clipboard: the Clipboard API where the page is a
  // secure context (https, or http on localhost through an SSH tunnel),
  // else a hidden text area and the copy command.
  function copy(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallbackCopy(text)); });
      return;
    }
    done(fallbackCopy(text));
  }

  function fallbackCopy(text) {
    var ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.className = 'offscreen';
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(ta);
    return ok;
  }

  // The payload tree: selecting a value shows its gjson path, the
  // provider view's path and the question, and copies the path a mapping
  // should use (the view's when there is one).
  var selected = null;
  function selectLeaf(b) {
    if (selected) { selected.classList.remove('selected'); }
    selected = b;
    b.classList.add('selected');
    var path = b.getAttribute('data-path'), view = b.getAttribute('data-view'), title = b.getAttribute('data-title');
    setText('sel-path', path || '@this');
    setText('sel-view', view || '—');
    setText('sel-title', title || '—');
    var text = view || path || '@this';
    copy(text, function (ok) { setText('sel-copied', ok ? 'copied: ' + text : 'copy it by hand: ' + text); });
  }

  document.addEventListener('click', function (e) {
    var leaf = e.target.closest ? e.target.closest('button.leaf') : null;
    if (leaf) { selectLeaf(leaf); return; }
    var btn = e.target.closest ? e.target.closest('[data-copy]') : null;
    if (btn) {
      var el = document.getElementById(btn.getAttribute('data-copy'));
      // A text area is copied as edited (its value), anything else as shown.
      var text = el ? (el.tagName === 'TEXTAREA' || el.tagName === 'INPUT' ? el.value : el.textContent) : '';
      if (!text || text === '—') { return; }
      copy(text, function (ok) { btn.textContent = ok ? 'copied' : 'copy failed'; });
    }
  });

  // The playground: every change runs the form again (debounced) and
  // replaces the results. An unchanged stored payload is not uploaded
  // again: the server reads it from the store.
  var form = document.getElementById('play');
  if (!form) { return; }
  var payload = document.getElementById('payload');
  var results = document.getElementById('results');
  var original = payload.value;
  var seq = 0, timer = null;

  function run() {
    var fd = new FormData(form);
    fd.set('partial', '1');
    if (payload.value === original && fd.get('event')) { fd.set('payload', ''); }
    var mine = ++seq;
    setText('play-state', 'running…');
    fetch('/playground', { method: 'POST', body: fd, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrfToken() } })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, status: r.status, text: t }; }); })
      .then(function (r) {
        if (mine !== seq) { return; }
        if (r.ok) {
          results.innerHTML = r.text; // rendered and escaped by the server's html/template
          setText('play-state', '');
        } else if (r.status === 401) {
          setText('play-state', 'your session has ended: reload the page and log in again');
        } else {
          setText('play-state', 'the server answered ' + r.status);
        }
      })
      .catch(function () { if (mine === seq) { setText('play-state', 'the server did not answer'); } });
  }

  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    clearTimeout(timer);
    run();
  });
}());
