'use strict';
// base.js: the small helpers every page of this app uses. User data only ever reaches
// the page as text nodes (h() turns strings into text nodes and never sets HTML), so a
// stored "<script>" shows up as text and never runs.
(function () {
  // h('li', {className: 'x', onclick: fn}, 'text', child, ...): builds an element.
  function h(tag, props) {
    const el = document.createElement(tag);
    if (props) {
      for (const key of Object.keys(props)) {
        const v = props[key];
        if (v === undefined || v === null || v === false) continue;
        if (key.startsWith('on') && typeof v === 'function') el.addEventListener(key.slice(2), v);
        else if (key === 'className' || key === 'value' || key === 'checked' || key === 'disabled' ||
                 key === 'type' || key === 'placeholder' || key === 'name' || key === 'title' ||
                 key === 'htmlFor' || key === 'href' || key === 'min' || key === 'max' ||
                 key === 'step' || key === 'required' || key === 'maxLength' || key === 'rows' ||
                 key === 'selected' || key === 'target' || key === 'rel') el[key] = v;
        else throw new Error('h(): unsupported property ' + key);
      }
    }
    for (let i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }

  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) { child.forEach((c) => append(el, c)); return; }
    if (typeof child === 'string' || typeof child === 'number') {
      el.appendChild(document.createTextNode(String(child)));
      return;
    }
    el.appendChild(child);
  }

  // Only http(s) links are ever made clickable.
  function safeHref(u) {
    return /^https?:\/\//i.test(String(u)) ? String(u) : null;
  }

  async function api(method, path, body) {
    const opts = { method, headers: {} };
    // The server takes writes only as JSON, with or without a body.
    if (method !== 'GET') opts.headers['Content-Type'] = 'application/json';
    if (body !== undefined) opts.body = JSON.stringify(body);
    const res = await fetch(path, opts);
    if (res.status === 204) return null;
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      const msg = data && data.error && data.error.message ? data.error.message : 'request failed (' + res.status + ')';
      throw new Error(msg);
    }
    return data;
  }

  let statusEl = null;
  function status(msg, isError) {
    if (!statusEl) return;
    statusEl.className = isError ? 'status error' : 'status';
    statusEl.textContent = msg || '';
  }

  // Runs an async action, showing its error (as text) instead of failing silently.
  function guard(fn) {
    return async function (ev) {
      if (ev && ev.preventDefault) ev.preventDefault();
      try {
        status('');
        await fn.apply(this, arguments);
      } catch (e) {
        status(e.message, true);
      }
    };
  }

  // An input for one field of the app's schema; read it back with fieldValue().
  function fieldInput(f, value) {
    const label = f.label || f.name;
    if (f.type === 'bool') return h('input', { type: 'checkbox', name: f.name, checked: !!value, title: label });
    if (f.type === 'enum') {
      return h('select', { name: f.name, title: label },
        f.options.map((o) => h('option', { value: o, selected: o === value }, o)));
    }
    if (f.type === 'longtext') {
      return h('textarea', { name: f.name, placeholder: label, rows: 3, value: value || '', maxLength: f.max || 10000 });
    }
    const types = { int: 'number', number: 'number', date: 'date', url: 'url', email: 'email' };
    return h('input', {
      type: types[f.type] || 'text', name: f.name, placeholder: label, title: label,
      value: value === undefined || value === null ? '' : String(value),
      step: f.type === 'number' ? '0.01' : undefined, maxLength: f.max || undefined,
      required: !!f.required,
    });
  }

  function fieldValue(f, input) {
    if (f.type === 'bool') return !!input.checked;
    if (f.type === 'int' || f.type === 'number') return input.value === '' ? null : Number(input.value);
    if (f.type === 'list') return input.value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    return input.value;
  }

  // A form for the editable fields; onSubmit gets the values and may throw.
  function form(fields, submitLabel, onSubmit, values) {
    const editable = fields.filter((f) => !f.readonly);
    const inputs = editable.map((f) => fieldInput(f, values ? values[f.name] : f.default));
    const el = h('form', { className: 'form' },
      editable.map((f, i) => h('label', { className: 'field field-' + f.type }, h('span', null, f.label || f.name), inputs[i])),
      h('button', { type: 'submit' }, submitLabel));
    el.addEventListener('submit', guard(async () => {
      const data = {};
      editable.forEach((f, i) => { data[f.name] = fieldValue(f, inputs[i]); });
      await onSubmit(data);
      if (!values) {
        editable.forEach((f, i) => {
          if (f.type === 'bool') inputs[i].checked = !!f.default;
          else if (f.type !== 'enum' && f.type !== 'date') inputs[i].value = '';
        });
      }
    }));
    return el;
  }

  function formatValue(f, v, meta) {
    if (v === null || v === undefined || v === '') return '';
    if (f.type === 'bool') return v ? 'yes' : 'no';
    if (f.type === 'number' && meta && meta.currency && f.name === 'amount') return money(v, meta);
    if (f.type === 'list') return v.join(', ');
    return String(v);
  }

  function money(v, meta) {
    const n = Number(v) || 0;
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: meta.currency }).format(n);
    } catch (e) {
      return n.toFixed(2) + ' ' + meta.currency;
    }
  }

  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleString();
  }

  // Loads the app's description, builds the page skeleton and calls start(meta, main).
  async function start(fn) {
    const root = document.getElementById('app');
    statusEl = h('p', { className: 'status' });
    const main = h('main', null);
    root.replaceChildren(statusEl, main);
    try {
      const meta = await api('GET', '/api/meta');
      await fn(meta, main);
    } catch (e) {
      status(e.message, true);
    }
  }

  window.App = { h, api, guard, status, form, fieldInput, fieldValue, formatValue, money, when, safeHref, start };
})();
