// The console's core: sign-in, the API client, the router and DOM helpers. Pages live in pages.js.
// The key is kept in sessionStorage (this tab only) and sent as "Authorization: Bearer"; never in a
// URL or a cookie. The server decides what a key may do; `Z.canAdmin` only hides what it would refuse.
'use strict';
(function () {
  const STORE = 'zumik.console.key';
  const Z = { pages: {}, canAdmin: false, timers: [] };

  Z.key = () => sessionStorage.getItem(STORE);

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error && body.error.message) || ('HTTP ' + status));
      this.status = status;
      this.code = body && body.error && body.error.code;
    }
  }
  Z.ApiError = ApiError;

  /** Calls the /v2 API; resolves with the parsed JSON, rejects with ApiError. */
  Z.api = async function (method, path, body, key) {
    const headers = { Authorization: 'Bearer ' + (key || Z.key()) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store' });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
    if (r.status === 401 && !key) { signOut('Your key was refused (revoked or unknown); sign in again.'); }
    if (!r.ok) throw new ApiError(r.status, json);
    return json;
  };
  Z.get = (path) => Z.api('GET', path);

  /** h('div.card#id', {attrs}, children...) builds elements; text children are never parsed as HTML. */
  Z.h = function (spec, attrs, ...children) {
    const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/i.exec(spec);
    const e = document.createElement(m[1]);
    (m[2].match(/[.#][\w-]+/g) || []).forEach(p => {
      if (p[0] === '.') e.classList.add(p.slice(1)); else e.id = p.slice(1);
    });
    if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
      children.unshift(attrs);
      attrs = null;
    }
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c == null || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  };
  const h = Z.h;

  Z.usd = (micros) => micros == null ? '—' : '$' + (micros / 1e6).toFixed(micros !== 0 && Math.abs(micros) < 10000 ? 6 : 2);
  Z.num = (n) => n == null ? '—' : Number(n).toLocaleString('en-US');
  Z.pct = (r) => r == null ? '—' : (r * 100).toFixed(1) + '%';
  Z.ms = (n) => n == null ? '—' : n + ' ms';
  Z.when = (s) => s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';

  /** A table: cols [{key, label, num?, render?}], rows objects; onRow(row) makes rows clickable. */
  Z.table = function (cols, rows, opts) {
    opts = opts || {};
    const t = h('table', { 'data-table': opts.name || null });
    t.append(h('thead', h('tr', cols.map(c => h('th' + (c.num ? '.num' : ''), c.label)))));
    const body = h('tbody');
    if (!rows.length) body.append(h('tr', h('td.muted', { colspan: cols.length }, opts.empty || 'Nothing yet.')));
    for (const r of rows) {
      const tr = h('tr' + (opts.onRow ? '.clickable' : ''));
      if (opts.onRow) tr.addEventListener('click', () => opts.onRow(r));
      for (const c of cols) {
        const v = c.render ? c.render(r) : r[c.key];
        tr.append(h('td' + (c.num ? '.num' : ''), v instanceof Node ? v : (v == null ? '—' : String(v))));
      }
      body.append(tr);
    }
    t.append(body);
    return t;
  };

  /** CSV of rows over cols (raw values), downloaded as a file built in the page. */
  Z.csv = function (filename, cols, rows) {
    const esc = (v) => {
      const s = v == null ? '' : String(v);
      return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    const text = [cols.map(c => esc(c.label)).join(',')]
      .concat(rows.map(r => cols.map(c => esc(c.raw ? c.raw(r) : r[c.key])).join(','))).join('\n') + '\n';
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const a = h('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    return text;
  };

  Z.errorBox = (e) => h('p.error', { role: 'alert' }, e.status === 403
    ? 'This key may not do that (' + (e.message || 'insufficient scope') + ').' : String(e.message || e));

  /** An admin-only control: disabled, with a note, for a read key. */
  Z.adminOnly = (node) => {
    if (!Z.canAdmin) {
      node.disabled = true;
      node.title = 'Needs a key with the admin scope';
      node.classList.add('admin-only');
    }
    return node;
  };

  Z.every = function (ms, fn) {
    Z.timers.push(setInterval(fn, ms));
  };

  // ---- sign-in ----
  async function signIn(key) {
    // read scope: /v2/usage; admin: an admin-only read (the audit log) answers 200, not 403.
    await Z.api('GET', '/v2/usage?limit=1', undefined, key);
    let admin = false;
    try {
      await Z.api('GET', '/v2/audit-events?type=console.sign_in_probe', undefined, key);
      admin = true;
    } catch (e) {
      if (e.status !== 403) throw e;
    }
    return admin;
  }

  function signOut(message) {
    sessionStorage.removeItem(STORE);
    Z.timers.forEach(clearInterval);
    Z.timers = [];
    document.getElementById('app').hidden = true;
    document.getElementById('signin').hidden = false;
    document.getElementById('signin-error').textContent = message || '';
    document.getElementById('signin-key').value = '';
  }

  async function start() {
    document.getElementById('signin-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const key = document.getElementById('signin-key').value.trim();
      const err = document.getElementById('signin-error');
      err.textContent = '';
      try {
        Z.canAdmin = await signIn(key);
        sessionStorage.setItem(STORE, key);
        document.getElementById('signin-key').value = '';
        enter();
      } catch (e) {
        err.textContent = e.status === 401 ? 'That key was refused: ' + e.message
          : e.status === 403 ? 'That key lacks the read scope the console needs.' : 'Sign-in failed: ' + e.message;
      }
    });
    document.getElementById('signout').addEventListener('click', () => signOut(''));
    window.addEventListener('hashchange', route);
    if (Z.key()) {
      try {
        Z.canAdmin = await signIn(Z.key());
        enter();
        return;
      } catch (e) {
        sessionStorage.removeItem(STORE);
      }
    }
    signOut('');
  }

  function enter() {
    document.getElementById('signin').hidden = true;
    document.getElementById('app').hidden = false;
    const role = document.getElementById('who-role');
    role.textContent = Z.canAdmin ? 'admin' : 'read only';
    role.className = 'badge ' + (Z.canAdmin ? 'good' : 'warn');
    route();
  }

  async function route() {
    if (!Z.key()) return;
    Z.timers.forEach(clearInterval);
    Z.timers = [];
    const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'overview').split('/');
    const page = Z.pages[name] ? name : 'overview';
    document.querySelectorAll('.nav a').forEach(a => a.classList.toggle('active', a.dataset.page === page));
    const main = document.getElementById('main');
    main.replaceChildren(h('p.muted', 'Loading…'));
    const view = h('div', { id: 'page-' + page, 'data-page': page });
    try {
      await Z.pages[page](view, rest.map(decodeURIComponent));
    } catch (e) {
      view.append(Z.errorBox(e));
    }
    if (!view.querySelector('.readonly-note') && !Z.canAdmin && Z.pages[page].hasActions) {
      view.prepend(h('p.readonly-note', 'Signed in with a read key: changes are disabled.'));
    }
    main.replaceChildren(view);
    view.setAttribute('data-loaded', 'true');
  }
  Z.reload = route;

  window.Z = Z;
  document.addEventListener('DOMContentLoaded', start);
})();
