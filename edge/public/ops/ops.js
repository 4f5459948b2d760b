// The ops console: polls GET /v1/ops/cdn/pathways and /v1/ops/cdn/audit every 2 s with the operator's JWT
// and drives the same API the CLI uses. The token stays in this page (memory and the URL fragment, which
// browsers never send to servers); nothing is stored.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const COLORS = ['#58a6ff', '#7ee787', '#f2cc60', '#ff7b72', '#d2a8ff', '#79c0ff'];
  let token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  const healthHistory = new Map();
  const state = { last: null, busy: false };

  function setStatus(text, error) {
    $('status').textContent = text;
    $('status').className = error ? 'error' : '';
  }

  async function api(method, path, body) {
    const response = await fetch(`/v1/ops${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(`${response.status} ${json.code || ''}: ${json.detail || json.title || ''}`);
    return json;
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.append(td);
    return td;
  }

  function button(label, onClick, name) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.action = name;
    b.addEventListener('click', onClick);
    return b;
  }

  async function change(method, path, body) {
    try {
      await api(method, path, body);
      await refresh();
    } catch (error) {
      setStatus(String(error.message || error), true);
    }
  }

  function qoeText(qoe) {
    const regions = Object.entries(qoe || {});
    if (regions.length === 0) return '–';
    return regions.map(([region, q]) => `${region}: ${Math.round(q.throughputKbps)} kbit/s, rebuffer ${(q.rebufferRatio * 100).toFixed(1)}%, errors ${(q.errorRatio * 100).toFixed(1)}%`).join('; ');
  }

  function renderPathways(data) {
    const body = $('pathways').querySelector('tbody');
    body.replaceChildren();
    for (const p of data.pathways) {
      const row = document.createElement('tr');
      row.dataset.pathway = p.id;
      cell(row, `${p.id} (${p.tokenFormat})`);
      cell(row, p.state, `state-${p.state}`).dataset.field = 'state';
      cell(row, p.health.up ? 'up' : `down: ${p.health.detail}`, p.health.up ? '' : 'health-down');
      cell(row, `${(p.trafficShare * 100).toFixed(1)}%`);
      const weight = cell(row, '');
      const input = document.createElement('input');
      input.type = 'number';
      input.min = '0';
      input.max = '1000';
      input.value = String(p.weight);
      input.size = 5;
      input.dataset.field = 'weight';
      weight.append(input, button('Set', () => change('PUT', `/cdn/pathways/${p.id}/weight`, { weight: Number(input.value) }), 'weight'));
      cell(row, p.regions.length ? p.regions.join(' ') : 'all');
      cell(row, String(p.cost));
      cell(row, qoeText(p.qoe));
      const actions = cell(row, '');
      actions.append(
        p.state === 'active'
          ? button('Drain', () => change('POST', `/cdn/pathways/${p.id}/drain`), 'drain')
          : button('Restore', () => change('POST', `/cdn/pathways/${p.id}/restore`), 'restore'),
      );
      body.append(row);
    }
    $('meta').textContent = `steering TTL ${data.ttlSeconds} s, state version ${data.version}`;
    $('surge-now').textContent = data.surgeCapBps === null ? 'now: off' : `now: ${data.surgeCapBps} bit/s`;
    const regions = Object.entries(data.regions);
    $('regions-now').textContent = regions.length ? regions.map(([c, ids]) => `${c}: ${ids.join(' > ')}`).join('; ') : 'none set';
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function svgEl(name, attrs, text) {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function renderCharts(data) {
    const share = $('share-chart');
    share.replaceChildren();
    const barHeight = Math.min(30, 150 / Math.max(1, data.pathways.length));
    data.pathways.forEach((p, i) => {
      const y = 5 + i * (barHeight + 5);
      share.append(svgEl('text', { x: 0, y: y + barHeight * 0.7, fill: '#e6e6e6', 'font-size': 12 }, p.id));
      share.append(svgEl('rect', { x: 80, y, width: Math.max(1, 300 * p.trafficShare), height: barHeight, fill: COLORS[i % COLORS.length], 'data-pathway': p.id }));
      share.append(svgEl('text', { x: 85 + 300 * p.trafficShare, y: y + barHeight * 0.7, fill: '#8b949e', 'font-size': 11 }, `${(p.trafficShare * 100).toFixed(0)}%`));
    });
    const health = $('health-chart');
    health.replaceChildren();
    data.pathways.forEach((p, i) => {
      const history = healthHistory.get(p.id) || [];
      history.push(p.health.up && p.state !== 'down');
      while (history.length > 60) history.shift();
      healthHistory.set(p.id, history);
      const y = 5 + i * (barHeight + 5);
      health.append(svgEl('text', { x: 0, y: y + barHeight * 0.7, fill: '#e6e6e6', 'font-size': 12 }, p.id));
      history.forEach((up, j) => health.append(svgEl('rect', { x: 80 + j * 5, y, width: 4, height: barHeight, fill: up ? '#2ea043' : '#da3633' })));
    });
  }

  function renderAudit(entries) {
    const body = $('audit').querySelector('tbody');
    body.replaceChildren();
    for (const e of entries) {
      const row = document.createElement('tr');
      cell(row, new Date(e.at).toISOString().replace('T', ' ').slice(0, 19));
      cell(row, e.actor);
      cell(row, e.action);
      cell(row, e.target);
      cell(row, JSON.stringify(e.before));
      cell(row, JSON.stringify(e.after));
      body.append(row);
    }
  }

  async function refresh() {
    if (!token || state.busy) return;
    state.busy = true;
    try {
      const [data, audit] = await Promise.all([api('GET', '/cdn/pathways'), api('GET', '/cdn/audit?limit=50')]);
      state.last = data;
      renderPathways(data);
      renderCharts(data);
      renderAudit(audit.entries);
      setStatus(`updated ${new Date().toLocaleTimeString()}`);
      document.body.dataset.ready = 'true';
    } catch (error) {
      setStatus(String(error.message || error), true);
    } finally {
      state.busy = false;
    }
  }

  $('token').value = token;
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value.trim();
    void refresh();
  });
  $('surge-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void change('PUT', '/cdn/surge', { capBps: Number($('surge').value) });
  });
  $('surge-off').addEventListener('click', () => void change('PUT', '/cdn/surge', { capBps: null }));
  $('region-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const ids = $('region-pathways').value.split(',').map((s) => s.trim()).filter(Boolean);
    void change('PUT', `/cdn/regions/${encodeURIComponent($('region-country').value.trim().toUpperCase())}`, { pathways: ids.length ? ids : null });
  });
  void refresh();
  setInterval(() => void refresh(), 2000);
})();
