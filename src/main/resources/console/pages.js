// The console's pages. Each renders into `view` from bounded /v2 calls (aggregated server-side,
// cursor-paged lists) and is re-run on navigation.
'use strict';
(function () {
  const Z = window.Z, h = Z.h, P = Z.pages;
  const COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#5f3dc4', '#0b7285', '#f08c00', '#495057'];
  const q = (o) => Object.entries(o).filter(([, v]) => v != null && v !== '').map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&');

  function tiles(items) {
    return h('div.tiles', items.map(([k, v, id]) => h('div.tile', { 'data-tile': id || null }, h('div.v', v), h('div.k', k))));
  }

  // ---- overview ----
  P.overview = async function (view) {
    const bucket = sessionStorage.getItem('zumik.console.bucket') || 'hour';
    const ts = await Z.get('/v2/analytics/timeseries?bucket=' + bucket);
    const sel = h('select#bucket', { onchange: (e) => { sessionStorage.setItem('zumik.console.bucket', e.target.value); Z.reload(); } },
      h('option', { value: 'hour', selected: bucket === 'hour' }, 'Last 24 hours, by hour'),
      h('option', { value: 'day', selected: bucket === 'day' }, 'Last 30 days, by day'));
    const labels = ts.buckets.map(b => bucket === 'hour' ? b.start.slice(11, 16) : b.start.slice(5, 10));
    const t = ts.totals;
    view.append(h('h1', 'Overview'), h('div.row', h('div', sel)),
      tiles([['Requests', Z.num(t.requests), 'requests'], ['Failed', Z.num(t.failed), 'failed'],
        ['Error rate', Z.pct(t.error_rate), 'error_rate'], ['Spend', Z.usd(t.cost_micros), 'spend']]));
    view.append(h('div.grid2',
      ZCharts.line('Requests', labels, [
        { name: 'requests', color: COLORS[0], values: ts.buckets.map(b => b.requests) },
        { name: 'failed', color: '#c92a2a', values: ts.buckets.map(b => b.failed) }], Z.num),
      ZCharts.line('Spend (USD)', labels, [{ name: 'cost', color: COLORS[2], values: ts.buckets.map(b => b.cost_micros / 1e6) }],
        v => '$' + v.toFixed(v < 1 ? 4 : 2)),
      ZCharts.line('Error rate', labels, [{ name: 'error rate', color: '#c92a2a', values: ts.buckets.map(b => b.error_rate) }],
        v => (v * 100).toFixed(0) + '%'),
      ZCharts.line('Latency (p50 / p99)', labels, [
        { name: 'p50', color: COLORS[0], values: ts.buckets.map(b => b.p50_latency_ms) },
        { name: 'p99', color: COLORS[1], values: ts.buckets.map(b => b.p99_latency_ms) }], v => Math.round(v) + ' ms')));
    view.append(h('h2', 'By provider and model'), Z.table([
      { key: 'provider', label: 'Provider' }, { key: 'model', label: 'Model' },
      { key: 'requests', label: 'Requests', num: true, render: r => Z.num(r.requests) },
      { key: 'failed', label: 'Failed', num: true },
      { label: 'Error rate', num: true, render: r => Z.pct(r.requests ? r.failed / r.requests : null) },
      { label: 'Spend', num: true, render: r => Z.usd(r.cost_micros) }], ts.by_target, { name: 'by-target' }));
    view.append(h('p.muted', 'Percentiles are read from a latency histogram computed in SQL (bins 25% wide): each is the upper edge of its bin.'));
  };

  // ---- usage and cost ----
  const KEY_COLS = [{ key: 'key_id', label: 'Key' }, { key: 'requests', label: 'Requests', num: true },
    { key: 'prompt_tokens', label: 'Prompt tokens', num: true }, { key: 'completion_tokens', label: 'Completion tokens', num: true },
    { key: 'cost_micros', label: 'Cost (micro-USD)', num: true }];
  const MODEL_COLS = [{ key: 'provider', label: 'Provider' }, { key: 'model', label: 'Model' }, { key: 'requests', label: 'Requests', num: true },
    { key: 'prompt_tokens', label: 'Prompt tokens', num: true }, { key: 'cached_tokens', label: 'Cached tokens', num: true },
    { key: 'completion_tokens', label: 'Completion tokens', num: true }, { key: 'cost_micros', label: 'Cost (micro-USD)', num: true }];
  const DAY_COLS = [{ key: 'day', label: 'Day (UTC)' }].concat(KEY_COLS.slice(1));
  const EVENT_COLS = [{ key: 'response_id', label: 'Response' }, { key: 'created_at', label: 'Created' }, { key: 'key_id', label: 'Key' },
    { key: 'provider', label: 'Provider' }, { key: 'model', label: 'Model' }, { key: 'status', label: 'Status', num: true },
    { key: 'outcome', label: 'Outcome' }, { key: 'latency_ms', label: 'Latency ms', num: true },
    { key: 'cost_micros', label: 'Cost (micro-USD)', num: true }];

  P.usage = async function (view) {
    const since = sessionStorage.getItem('zumik.console.usage.since') || '';
    const u = await Z.get('/v2/usage?' + q({ limit: 50, since: since ? Math.floor(Date.parse(since) / 1000) : null }));
    const s = u.summary;
    const sinceInput = h('input#usage-since', { type: 'date', value: since });
    view.append(h('h1', 'Usage and cost'),
      h('div.row', h('div', h('label', { for: 'usage-since' }, 'Since (UTC day)'), sinceInput),
        h('div', h('button.secondary', { type: 'button', onclick: () => { sessionStorage.setItem('zumik.console.usage.since', sinceInput.value); Z.reload(); } }, 'Apply'))),
      tiles([['Requests', Z.num(s.requests), 'requests'], ['Completed', Z.num(s.completed)], ['Failed', Z.num(s.failed)],
        ['Total tokens', Z.num(s.total_tokens)], ['Cached tokens', Z.num(s.cached_tokens)], ['Spend', Z.usd(s.cost_micros), 'spend']]));
    const w = u.reuse.waterfall;
    view.append(ZCharts.bars('Reuse waterfall (tokens)', [
      { label: 'input (provider reported)', value: w.input_tokens, color: '#495057' },
      { label: 'eligible (router inferred)', value: w.eligible_reuse_tokens, color: '#3b5bdb' },
      { label: 'candidate (router inferred)', value: w.candidate_reuse_tokens, color: '#5f3dc4' },
      { label: 'realized (' + w.evidence.realized_reused_tokens + ')', value: w.realized_reused_tokens, color: '#2b8a3e' },
      { label: 'missed (router inferred)', value: w.missed_opportunity_tokens, color: '#e8590c' }], Z.num));
    view.lastChild.id = 'waterfall';
    view.append(h('p.muted', 'Reuse credit: ' + Z.usd(w.reuse_credit_micros) + ' · capture rate ' + Z.pct(w.reuse_capture_rate)
      + ' · ' + w.requests + ' requests with a reuse account'));
    const section = (title, name, cols, rows) => h('div', h('h2', title,
      h('button.secondary', { type: 'button', 'data-csv': name, onclick: () => { Z.lastCsv = Z.csv('zumik-' + name + '.csv', cols, rows); } }, 'Export CSV')),
      Z.table(cols, rows, { name }));
    view.append(section('By key', 'by-key', KEY_COLS, u.by_key), section('By model', 'by-model', MODEL_COLS, u.by_model),
      section('By day', 'by-day', DAY_COLS, u.by_day));
    const events = h('div#usage-events');
    const more = h('button.secondary', { type: 'button' }, 'Older events');
    let rows = u.data, last = u.last_id, hasMore = u.has_more;
    const draw = () => {
      events.replaceChildren(section('Recent events (' + rows.length + ' shown)', 'events', EVENT_COLS, rows));
      more.hidden = !hasMore;
    };
    more.addEventListener('click', async () => {
      const next = await Z.get('/v2/usage?' + q({ limit: 50, after: last, since: since ? Math.floor(Date.parse(since) / 1000) : null }));
      rows = rows.concat(next.data); last = next.last_id; hasMore = next.has_more;
      draw();
    });
    draw();
    view.append(events, h('div.pager', more));
  };

  // ---- responses ----
  P.responses = async function (view, args) {
    view.append(h('h1', 'Responses'));
    const f = JSON.parse(sessionStorage.getItem('zumik.console.responses') || '{}');
    const idIn = h('input#search-id.mono', { type: 'text', placeholder: 'rsp_…', value: f.id || '', size: 34 });
    const traceIn = h('input#search-trace.mono', { type: 'text', placeholder: 'trc_…', value: f.trace_id || '', size: 34 });
    const statusIn = h('input#search-status', { type: 'text', placeholder: '200', value: f.status || '', size: 5 });
    const outcomeIn = h('select#search-outcome', ['', 'completed', 'failed', 'cancelled'].map(o => h('option', { value: o, selected: f.outcome === o }, o || 'any')));
    const search = () => {
      const next = { id: idIn.value.trim(), trace_id: traceIn.value.trim(), status: statusIn.value.trim(), outcome: outcomeIn.value };
      sessionStorage.setItem('zumik.console.responses', JSON.stringify(next));
      if (next.id) location.hash = '#/responses/' + encodeURIComponent(next.id); else if (args[0]) location.hash = '#/responses'; else Z.reload();
    };
    view.append(h('form.card.row#response-search', { onsubmit: (e) => { e.preventDefault(); search(); } },
      h('div', h('label', 'Response id'), idIn), h('div', h('label', 'Trace id'), traceIn),
      h('div', h('label', 'HTTP status'), statusIn), h('div', h('label', 'Outcome'), outcomeIn),
      h('div', h('button#search-submit', { type: 'submit' }, 'Search'))));
    if (args[0]) {
      view.append(await responseDetail(args[0]));
      return;
    }
    const list = h('div#response-list');
    const more = h('button.secondary', { type: 'button' }, 'Next page');
    let after = null;
    const load = async () => {
      const page = await Z.get('/v2/responses?' + q({ limit: 25, trace_id: f.trace_id, status: f.status, outcome: f.outcome, after }));
      list.replaceChildren(Z.table([{ key: 'response_id', label: 'Response' }, { key: 'trace_id', label: 'Trace' },
        { key: 'created_at', label: 'Created', render: r => Z.when(r.created_at) }, { key: 'requested_model', label: 'Requested' },
        { key: 'provider', label: 'Provider' }, { key: 'model', label: 'Model' }, { key: 'status', label: 'Status', num: true },
        { key: 'outcome', label: 'Outcome', render: r => h('span.badge.' + (r.outcome === 'completed' ? 'good' : 'bad'), r.outcome) },
        { key: 'latency_ms', label: 'Latency', num: true, render: r => Z.ms(r.latency_ms) }],
      page.data, { name: 'responses', onRow: r => { location.hash = '#/responses/' + r.response_id; }, empty: 'No response matches.' }));
      after = page.last_id;
      more.hidden = !page.has_more;
    };
    more.addEventListener('click', load);
    await load();
    view.append(list, h('div.pager', more));
  };

  async function responseDetail(id) {
    const r = await Z.get('/v2/responses/' + encodeURIComponent(id));
    const headers = [['Agent-Response-Id', r.id], ['Agent-Execution-Mode', r.execution_mode], ['Agent-Execution-Profile', r.execution_profile],
      ['Agent-Resolved-Provider', r.resolved_provider], ['Agent-Resolved-Model', r.resolved_model], ['Agent-Alias-Release', r.alias_release],
      ['Agent-QoS-Class', r.qos_outcome && r.qos_outcome.class], ['Agent-QoS-Target-Met', r.qos_outcome && r.qos_outcome.target_met],
      ['Agent-Attempts', r.attempts ? r.attempts.length : null], ['Agent-Cost-Micros', r.cost_micros]].filter(([, v]) => v != null);
    return h('div#response-detail.card', h('h2', 'Response ', h('span.mono', r.id), ' ', h('span.badge.' + (r.status === 'completed' ? 'good' : 'bad'), r.status)),
      tiles([['Provider', r.resolved_provider || '—'], ['Model', r.resolved_model || '—'], ['Profile', r.execution_profile || '—'],
        ['Cost', Z.usd(r.cost_micros)], ['Input tokens', Z.num(r.usage && r.usage.input_tokens)], ['Output tokens', Z.num(r.usage && r.usage.output_tokens)]]),
      h('h3', 'Attempts'), Z.table([{ key: 'index', label: '#', num: true }, { label: 'Target', render: a => a.target.provider + '/' + a.target.model },
        { label: 'Endpoint', render: a => a.target.endpoint }, { key: 'http_status', label: 'HTTP', num: true },
        { key: 'failure_class', label: 'Failure' }, { key: 'retry_cause', label: 'Retry cause' },
        { label: 'Duration', num: true, render: a => a.finished_at_ms ? Z.ms(a.finished_at_ms - a.started_at_ms) : '—' }], r.attempts || [], { name: 'attempts' }),
      h('h3', 'Headers (as answered)'), Z.table([{ key: 0, label: 'Header' }, { key: 1, label: 'Value' }], headers, { name: 'headers' }),
      h('div.grid2', h('div', h('h3', 'Routing decision'), h('pre#routing-decision', JSON.stringify(r.routing_decision, null, 2))),
        h('div', h('h3', 'QoS outcome'), h('pre#qos-outcome', JSON.stringify(r.qos_outcome, null, 2)))),
      h('h3', 'Output'), h('pre', r.output_text == null ? '(not kept)' : r.output_text));
  }

  // ---- keys ----
  P.keys = async function (view) {
    const keys = await Z.get('/v2/api-keys');
    view.append(h('h1', 'API keys'));
    const created = h('div#created-key');
    const name = h('input#new-key-name', { type: 'text', placeholder: 'agent-7' });
    const scopes = ['inference', 'read', 'admin'].map(s => h('input', { type: 'checkbox', value: s, id: 'scope-' + s, checked: s === 'inference' }));
    const rpm = h('input#new-key-rpm', { type: 'number', min: 1, size: 6 }), tpm = h('input#new-key-tpm', { type: 'number', min: 1, size: 8 });
    const budget = h('input#new-key-budget', { type: 'number', min: 0, step: '0.01', size: 8 });
    const err = h('p.error');
    const create = Z.adminOnly(h('button#create-key', { type: 'submit' }, 'Create key'));
    view.append(h('form.card', { onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        const body = { name: name.value || 'console key', scopes: scopes.filter(s => s.checked).map(s => s.value) };
        if (rpm.value) body.rpm_limit = Number(rpm.value);
        if (tpm.value) body.tpm_limit = Number(tpm.value);
        if (budget.value) body.budget_micros = Math.round(Number(budget.value) * 1e6);
        const k = await Z.api('POST', '/v2/api-keys', body);
        await Z.reload();
        document.getElementById('created-key').replaceChildren(h('div.secret', h('strong', 'New key (shown once, copy it now): '),
          h('code#new-key-value', k.key)));
      } catch (ex) { err.replaceChildren(Z.errorBox(ex)); }
    } }, h('h2', 'Create a key'), h('div.row', h('div', h('label', 'Name'), name),
      h('div', h('label', 'Scopes'), h('span', scopes.map(s => h('label', s, ' ', s.value)))),
      h('div', h('label', 'RPM limit'), rpm), h('div', h('label', 'TPM limit'), tpm), h('div', h('label', 'Budget (USD)'), budget)), create, err, created));
    const editor = h('div#key-editor');
    view.append(h('h2', 'Keys'), Z.table([{ key: 'name', label: 'Name' }, { key: 'masked', label: 'Key', render: k => h('span.mono', k.masked) },
      { label: 'Scopes', render: k => k.scopes.join(', ') },
      { label: 'Status', render: k => h('span.badge.' + (k.status === 'active' ? 'good' : 'bad'), k.status) },
      { key: 'rpm_limit', label: 'RPM', num: true }, { key: 'tpm_limit', label: 'TPM', num: true },
      { label: 'Budget', num: true, render: k => Z.usd(k.budget_micros) }, { label: 'Spent', num: true, render: k => Z.usd(k.spent_micros) },
      { label: 'Last used', render: k => Z.when(k.last_used_at) },
      { label: '', render: k => k.status !== 'active' ? '' : h('span',
        Z.adminOnly(h('button.secondary', { type: 'button', 'data-edit': k.id, onclick: () => editKey(editor, k) }, 'Limits')),
        Z.adminOnly(h('button.danger', { type: 'button', 'data-revoke': k.id, onclick: async (e) => {
          if (e.target.dataset.armed !== 'yes') { e.target.dataset.armed = 'yes'; e.target.textContent = 'Confirm revoke'; return; }
          try { await Z.api('DELETE', '/v2/api-keys/' + k.id); await Z.reload(); } catch (ex) { editor.replaceChildren(Z.errorBox(ex)); }
        } }, 'Revoke'))) }], keys.data, { name: 'keys' }), editor);
  };
  P.keys.hasActions = true;

  function editKey(editor, k) {
    const rpm = h('input#edit-rpm', { type: 'number', value: k.rpm_limit == null ? '' : k.rpm_limit });
    const tpm = h('input#edit-tpm', { type: 'number', value: k.tpm_limit == null ? '' : k.tpm_limit });
    const budget = h('input#edit-budget', { type: 'number', step: '0.01', value: k.budget_micros == null ? '' : k.budget_micros / 1e6 });
    const err = h('p.error');
    const val = (i, f) => i.value === '' ? null : f(Number(i.value));
    editor.replaceChildren(h('form.card', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        await Z.api('PATCH', '/v2/api-keys/' + k.id, { rpm_limit: val(rpm, Math.round), tpm_limit: val(tpm, Math.round),
          budget_micros: val(budget, v => Math.round(v * 1e6)) });
        await Z.reload();
      } catch (ex) { err.replaceChildren(Z.errorBox(ex)); }
    } }, h('h3', 'Limits of ' + k.name + ' (empty removes)'), h('div.row', h('div', h('label', 'RPM'), rpm), h('div', h('label', 'TPM'), tpm),
      h('div', h('label', 'Budget (USD)'), budget)), Z.adminOnly(h('button#save-limits', { type: 'submit' }, 'Save')), err));
  }

  // ---- aliases ----
  P.aliases = async function (view, args) {
    view.append(h('h1', 'Model aliases and releases'));
    let live;
    try { live = await Z.get('/v2/model-aliases'); } catch (e) {
      if (e.status !== 403) throw e;
      view.append(h('p.readonly-note', 'Listing aliases needs a key with the inference scope (the /v2/model-aliases routes are inference-scoped).'));
      return;
    }
    const alias = args[0] || (live.data.find(r => r.scope === 'project') || live.data[0] || {}).alias;
    view.append(Z.table([{ key: 'alias', label: 'Alias' }, { key: 'id', label: 'Live release', render: r => h('span.mono', r.id) },
      { key: 'scope', label: 'Scope' }, { label: 'Targets', render: r => r.targets.map(t => t.provider + '/' + t.model + ' ×' + t.weight).join(', ') },
      { label: 'Created', render: r => Z.when(r.created_at) }], live.data, { name: 'aliases', onRow: r => { location.hash = '#/aliases/' + encodeURIComponent(r.alias); } }));
    if (!alias) return;
    const history = await Z.get('/v2/model-aliases/' + encodeURIComponent(alias) + '/releases');
    view.append(h('h2', 'History of ', h('span.mono#alias-name', alias)), Z.table([{ key: 'id', label: 'Release', render: r => h('span.mono', r.id) },
      { label: 'Status', render: r => h('span.badge.' + (r.status === 'active' ? 'good' : 'warn'), r.status) },
      { key: 'policy_revision', label: 'Policy revision' },
      { label: 'Targets', render: r => r.targets.map(t => t.provider + '/' + t.model + ' ×' + t.weight).join(', ') },
      { label: 'Created', render: r => Z.when(r.created_at) }], history.data, { name: 'releases' }));
    const current = history.data.find(r => r.status === 'active') || history.data[0];
    const targets = h('textarea#release-targets', JSON.stringify((current ? current.targets : []).map(t => ({ provider: t.provider, model: t.model, weight: t.weight })), null, 1));
    const rev = h('input#release-policy', { type: 'text', placeholder: 'policy revision (optional)' });
    const err = h('p.error');
    view.append(h('form.card', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        const body = { targets: JSON.parse(targets.value) };
        if (rev.value) body.policy_revision = rev.value;
        await Z.api('POST', '/v2/model-aliases/' + encodeURIComponent(alias) + '/releases', body);
        await Z.reload();
      } catch (ex) { err.replaceChildren(Z.errorBox(ex)); }
    } }, h('h3', 'Install a release of ' + alias), h('label', 'Targets (JSON)'), targets, rev,
      Z.adminOnly(h('button#install-release', { type: 'submit' }, 'Install release')), err));
  };
  P.aliases.hasActions = true;

  // ---- budgets and alerts ----
  P.billing = async function (view) {
    const a = await Z.get('/v2/billing/account');
    view.append(h('h1', 'Budgets and alerts'), tiles([['Plan', a.plan || '—'], ['Cycle', a.cycle || '—'],
      ['Cycle spend', Z.usd(a.cycle_spend_micros), 'cycle_spend'], ['Monthly budget', Z.usd(a.monthly_budget_micros), 'budget'],
      ['Overage mode', a.overage_mode || '—', 'overage'], ['Credit balance', Z.usd(a.credit_balance_micros)]]));
    if (a.monthly_budget_micros) {
      view.append(ZCharts.bars('Budget used this cycle', [{ label: 'spend', value: a.cycle_spend_micros / 1e6, color: '#2b8a3e' },
        { label: 'budget', value: a.monthly_budget_micros / 1e6, color: '#adb5bd' }], v => '$' + v.toFixed(2)));
    }
    const usd = h('input#budget-usd', { type: 'number', min: 0, step: 1, value: a.monthly_budget_micros == null ? '' : a.monthly_budget_micros / 1e6 });
    const mode = h('select#budget-mode', ['pause', 'allow'].map(m => h('option', { value: m, selected: a.overage_mode === m }, m)));
    const err = h('p.error');
    view.append(h('form.card', { onsubmit: async (e) => {
      e.preventDefault();
      try {
        await Z.api('POST', '/v2/billing/budget', { monthly_budget_usd: usd.value === '' ? null : Number(usd.value), overage_mode: mode.value });
        await Z.reload();
      } catch (ex) { err.replaceChildren(Z.errorBox(ex)); }
    } }, h('h2', 'Monthly budget'), h('div.row', h('div', h('label', 'USD (empty removes)'), usd), h('div', h('label', 'When reached'), mode)),
      Z.adminOnly(h('button#save-budget', { type: 'submit' }, 'Save budget')), h('p.muted', 'Alerts at 50, 80 and 100% are written to the audit log (and the webhook, when configured).'), err));
    view.append(h('h2', 'Alerts this project received'));
    try {
      const alerts = await Z.get('/v2/audit-events?type=billing.budget_alert');
      view.append(Z.table([{ label: 'When', render: e => Z.when(e.created_at) }, { label: 'Threshold', render: e => (e.details && e.details.threshold_percent) + '%' },
        { label: 'Details', render: e => h('span.mono', JSON.stringify(e.details)) }], alerts.data, { name: 'alerts', empty: 'No alert yet.' }));
    } catch (e) {
      view.append(h('p.muted', 'The alert history is in the audit log, which needs an admin key.'));
    }
  };
  P.billing.hasActions = true;

  // ---- audit log ----
  P.audit = async function (view) {
    view.append(h('h1', 'Audit log'));
    const type = sessionStorage.getItem('zumik.console.audit.type') || '';
    const typeIn = h('input#audit-type', { type: 'text', value: type, placeholder: 'type, e.g. alias.release_installed' });
    view.append(h('form.row', { onsubmit: (e) => { e.preventDefault(); sessionStorage.setItem('zumik.console.audit.type', typeIn.value.trim()); Z.reload(); } },
      h('div', typeIn), h('div', h('button.secondary', { type: 'submit' }, 'Filter'))));
    let events;
    try { events = await Z.get('/v2/audit-events?' + q({ type })); } catch (e) {
      if (e.status !== 403) throw e;
      view.append(h('p.readonly-note', 'The audit log needs a key with the admin scope.'));
      return;
    }
    view.append(h('p.muted', 'The 100 newest events.'), Z.table([{ label: 'When', render: e => Z.when(e.created_at) }, { key: 'type', label: 'Type' },
      { key: 'id', label: 'Id', render: e => h('span.mono', e.id) }, { label: 'Details', render: e => h('pre', JSON.stringify(e.details, null, 1)) }],
    events.data, { name: 'audit' }));
  };

  // ---- providers ----
  P.providers = async function (view) {
    view.append(h('h1', 'Providers'), h('p.muted', 'Circuit state and cool-downs now, attempts and failures over the last 15 minutes of this project\'s traffic; refreshed every 3 seconds.'));
    const body = h('div#provider-health');
    const draw = async () => {
      const health = await Z.get('/v2/providers/health');
      body.replaceChildren(h('p.muted#health-as-of', 'As of ' + Z.when(health.as_of) + ' · ' + health.responses_examined + ' responses examined'),
        Z.table([{ key: 'provider', label: 'Provider' }, { key: 'model', label: 'Model' }, { key: 'endpoint', label: 'Path' },
          { key: 'execution_profile', label: 'Profile' },
          { label: 'Circuit', render: t => h('span.badge.' + t.circuit_state, t.circuit_state.replace('_', '-')) },
          { label: 'Cool-down', num: true, render: t => t.cooldown_remaining_seconds ? t.cooldown_remaining_seconds + ' s' : '—' },
          { key: 'attempts', label: 'Attempts', num: true }, { key: 'failures', label: 'Failures', num: true },
          { label: 'Last failure', render: t => t.last_failure ? t.last_failure.failure_class + ' (' + t.last_failure.http_status + ') ' + Z.when(t.last_failure.at) : '—' }],
        health.targets, { name: 'targets', empty: 'No traffic in the window.' }),
        h('h2', 'Recent failed attempts'), Z.table([{ label: 'When', render: f => Z.when(f.at) }, { key: 'provider', label: 'Provider' }, { key: 'model', label: 'Model' },
          { key: 'http_status', label: 'HTTP', num: true }, { key: 'failure_class', label: 'Failure' }, { key: 'retry_cause', label: 'Retry cause' },
          { label: 'Response', render: f => h('a.mono', { href: '#/responses/' + f.response_id }, f.response_id) }],
        health.recent_failures, { name: 'failures', empty: 'No failed attempt in the window.' }));
    };
    await draw();
    view.append(body);
    Z.every(3000, () => draw().catch(() => {}));
  };
})();
