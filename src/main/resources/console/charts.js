// Small SVG charts for the console: a line chart over time buckets and horizontal bars.
// No library and no inline style: colours are SVG attributes, sizes come from the viewBox.
'use strict';
(function () {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 640, H = 220, L = 56, R = 12, T = 12, B = 28;

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function legend(series) {
    const d = document.createElement('div');
    d.className = 'legend';
    for (const s of series) {
      const span = document.createElement('span');
      const sw = document.createElement('i');
      sw.style.background = s.color;
      span.append(sw, s.name);
      d.append(span);
    }
    return d;
  }

  /** labels: x labels; series: [{name, color, values (numbers or null)}]; format: y tick text. */
  function line(title, labels, series, format) {
    const wrap = document.createElement('div');
    wrap.className = 'chart card';
    const h = document.createElement('h3');
    h.textContent = title;
    wrap.append(h);
    const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
    const max = niceMax(Math.max(0, ...series.flatMap(s => s.values.filter(v => v != null))));
    const n = Math.max(1, labels.length - 1);
    const x = i => L + (W - L - R) * (labels.length === 1 ? 0.5 : i / n);
    const y = v => T + (H - T - B) * (1 - v / max);
    for (let k = 0; k <= 4; k++) {
      const v = max * k / 4;
      svg.append(el('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }));
      svg.append(el('text', { x: L - 6, y: y(v) + 3, 'text-anchor': 'end' }, format(v)));
    }
    svg.append(el('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, class: 'axis' }));
    const step = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach((lab, i) => {
      if (i % step === 0) svg.append(el('text', { x: x(i), y: H - B + 14, 'text-anchor': 'middle' }, lab));
    });
    for (const s of series) {
      let d = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (v == null) { pen = false; return; }
        d += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1) + ' ';
        pen = true;
      });
      if (d) svg.append(el('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 2, class: 'series' }));
      s.values.forEach((v, i) => {
        if (v != null && v > 0) {
          const c = el('circle', { cx: x(i), cy: y(v), r: 2.5, fill: s.color, class: 'point' });
          c.append(el('title', {}, `${s.name} ${labels[i]}: ${format(v)}`));
          svg.append(c);
        }
      });
    }
    wrap.append(svg, legend(series));
    return wrap;
  }

  /** rows: [{label, value, color?}]; horizontal bars scaled to the largest. */
  function bars(title, rows, format) {
    const wrap = document.createElement('div');
    wrap.className = 'chart card';
    const h = document.createElement('h3');
    h.textContent = title;
    wrap.append(h);
    const rowH = 26, left = 190, height = rows.length * rowH + 8;
    const svg = el('svg', { viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': title });
    const max = niceMax(Math.max(0, ...rows.map(r => r.value || 0)));
    rows.forEach((r, i) => {
      const yy = 4 + i * rowH;
      const w = (W - left - 90) * ((r.value || 0) / max);
      svg.append(el('text', { x: left - 8, y: yy + 16, 'text-anchor': 'end' }, r.label));
      const bar = el('rect', { x: left, y: yy + 3, width: Math.max(1, w), height: rowH - 8, fill: r.color || '#3b5bdb', class: 'bar' });
      svg.append(bar);
      svg.append(el('text', { x: left + w + 6, y: yy + 16 }, format(r.value || 0)));
    });
    wrap.append(svg);
    return wrap;
  }

  window.ZCharts = { line, bars };
})();
