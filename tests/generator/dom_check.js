'use strict';
// dom_check.js: runs a generated app's page scripts against a running app, in a tiny
// fake DOM, and reports how the page was built, so a test can check that user data
// only ever becomes text: any use of innerHTML/outerHTML/insertAdjacentHTML/
// document.write, any <script>/<iframe>/<object> element created, any inline event
// attribute is recorded as a violation.
//
// usage: node dom_check.js http://127.0.0.1:PORT [submit]   -> prints one JSON object:
//   {"violations": [...], "texts": [...], "tags": [...], "html": "...", "scripts": [...],
//    "submitted": bool, "errors": [...]}
// With "submit", the first form on the page is filled in (by input type) and submitted
// the way a browser would, so a test can check that the UI really creates an item;
// "errors" holds the texts the page shows as errors afterwards.
const vm = require('vm');

const base = process.argv[2];
const doSubmit = process.argv[3] === 'submit';
const violations = [];
let pending = 0;
let lastActivity = Date.now();

class Node {
  constructor(doc) { this.ownerDocument = doc; this.parentNode = null; this.childNodes = []; }
  get children() { return this.childNodes.filter((n) => n instanceof Element); }
  appendChild(n) {
    if (!(n instanceof Node)) throw new TypeError('appendChild: not a node: ' + typeof n);
    if (n.parentNode) n.parentNode.removeChild(n);
    n.parentNode = this;
    this.childNodes.push(n);
    return n;
  }
  // Like the real DOM, anything that is not a node becomes text ("null", "[object ...]"):
  // that is a bug in the page, so it is reported.
  append(...ns) {
    for (const n of ns) {
      if (!(n instanceof Node) && typeof n !== 'string') violations.push('append() of a non-node: ' + String(n).slice(0, 40));
      this.appendChild(n instanceof Node ? n : new Text(this.ownerDocument, String(n)));
    }
  }
  replaceChildren(...ns) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes = [];
    this.append(...ns);
  }
  removeChild(n) {
    const i = this.childNodes.indexOf(n);
    if (i < 0) throw new Error('removeChild: not a child');
    this.childNodes.splice(i, 1);
    n.parentNode = null;
    return n;
  }
  remove() { if (this.parentNode) this.parentNode.removeChild(this); }
  get textContent() { return this.childNodes.map((c) => c.textContent).join(''); }
  set textContent(v) { this.replaceChildren(new Text(this.ownerDocument, String(v))); }
}

class Text extends Node {
  constructor(doc, data) { super(doc); this.data = String(data); }
  get textContent() { return this.data; }
  set textContent(v) { this.data = String(v); }
}

const FORBIDDEN_TAGS = new Set(['script', 'iframe', 'object', 'embed', 'frame', 'base', 'meta', 'link']);

class Element extends Node {
  constructor(doc, tag) {
    super(doc);
    this.tagName = String(tag).toUpperCase();
    this.attributes = {};
    this.listeners = {};
    this.style = {};
    this.scrollTop = 0;
    this.scrollHeight = 0;
    if (FORBIDDEN_TAGS.has(String(tag).toLowerCase())) violations.push('created element <' + tag + '>');
  }
  setAttribute(k, v) {
    if (/^on/i.test(k)) violations.push('inline event attribute ' + k);
    if ((k === 'href' || k === 'src') && /^\s*javascript:/i.test(String(v))) violations.push('javascript: URL');
    this.attributes[k] = String(v);
  }
  getAttribute(k) { return k in this.attributes ? this.attributes[k] : null; }
  addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
  removeEventListener() {}
  focus() {}
  get innerHTML() { return this.childNodes.map(serialize).join(''); }
  set innerHTML(v) { violations.push('innerHTML set to ' + JSON.stringify(String(v)).slice(0, 80)); }
  get outerHTML() { return serialize(this); }
  set outerHTML(v) { violations.push('outerHTML set'); }
  insertAdjacentHTML() { violations.push('insertAdjacentHTML used'); }
  // a <select>'s value is its selected option's (or its first option's)
  get value() {
    if (this.tagName !== 'SELECT') return this._value === undefined ? '' : this._value;
    const opts = this.childNodes.filter((c) => c.tagName === 'OPTION');
    const sel = opts.find((o) => o.selected) || opts[0];
    return sel ? sel.value : '';
  }
  set value(v) { this._value = String(v); }
  querySelector() { return null; }
  querySelectorAll() { return []; }
  get classList() { const el = this; return { add(c) { el.className = ((el.className || '') + ' ' + c).trim(); }, remove() {}, toggle() {}, contains() { return false; } }; }
}

// Links are the one attribute-with-data we allow; javascript: URLs are violations.
Object.defineProperty(Element.prototype, 'href', {
  get() { return this.attributes.href || ''; },
  set(v) {
    if (/^\s*javascript:/i.test(String(v))) violations.push('javascript: URL in href');
    this.attributes.href = String(v);
  },
});

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function serialize(n) {
  if (n instanceof Text) return esc(n.data);
  const tag = n.tagName.toLowerCase();
  const attrs = Object.entries(n.attributes).map(([k, v]) => ' ' + k + '="' + esc(v) + '"').join('');
  return '<' + tag + attrs + '>' + n.childNodes.map(serialize).join('') + '</' + tag + '>';
}

class Document {
  constructor() {
    this.body = new Element(this, 'body');
    this.app = new Element(this, 'div');
    this.app.attributes.id = 'app';
    this.body.appendChild(this.app);
    this.title = '';
  }
  getElementById(id) { return id === 'app' ? this.app : null; }
  createElement(tag) { return new Element(this, tag); }
  createTextNode(t) { return new Text(this, t); }
  querySelector() { return null; }
  addEventListener() {}
  write() { violations.push('document.write used'); }
}

function find(n, pred, out) {
  if (n instanceof Element) {
    if (pred(n)) out.push(n);
    for (const c of n.childNodes) find(c, pred, out);
  }
  return out;
}

// Fills in and submits the first form, as a user would.
async function submitFirstForm(document) {
  const form = find(document.body, (e) => e.tagName === 'FORM', [])[0];
  if (!form) return false;
  for (const el of find(form, (e) => e.tagName === 'INPUT' || e.tagName === 'TEXTAREA', [])) {
    const type = el.tagName === 'TEXTAREA' ? 'textarea' : (el.type || 'text');
    const sample = {
      text: el.name === 'choices' ? 'one, two' : 'typed in the UI', textarea: 'typed in the UI',
      number: '1', date: '2026-01-02', url: 'https://example.org/ui', email: 'ui@example.org',
    };
    if (type in sample) el.value = sample[type];
  }
  const ev = { type: 'submit', preventDefault() {}, target: form };
  for (const fn of form.listeners.submit || []) await fn.call(form, ev);
  return true;
}

function walk(n, texts, tags) {
  if (n instanceof Text) { texts.push(n.data); return; }
  tags.push(n.tagName.toLowerCase());
  for (const c of n.childNodes) walk(c, texts, tags);
}

async function main() {
  const page = await (await fetch(base + '/')).text();
  if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(page)) violations.push('inline <script> in the page');
  // attributes are only looked for inside real tags (escaped text has no '<')
  for (const tag of page.match(/<[a-z][^>]*>/gi) || []) {
    if (/\son[a-z]+\s*=/i.test(tag)) violations.push('inline event handler in the page: ' + tag.slice(0, 60));
    if (/\sstyle\s*=/i.test(tag)) violations.push('inline style attribute in the page');
  }
  if (/<(img|iframe|object|embed)\b/i.test(page)) violations.push('unexpected element in the page');
  const scripts = [...page.matchAll(/<script[^>]*\bsrc="([^"]+)"/gi)].map((m) => m[1]);
  const document = new Document();
  const trackedFetch = (url, opts) => {
    pending++;
    lastActivity = Date.now();
    return fetch(new URL(url, base + '/').href, opts).finally(() => { pending--; lastActivity = Date.now(); });
  };
  const sandbox = {
    document, fetch: trackedFetch, console,
    setTimeout, clearTimeout, setInterval: () => 0, clearInterval: () => {},
    Intl, URL, URLSearchParams,
  };
  sandbox.window = sandbox;
  vm.createContext(sandbox);
  for (const src of scripts) {
    const code = await (await fetch(new URL(src, base + '/').href)).text();
    vm.runInContext(code, sandbox, { filename: src });
  }
  // Settle: no request in flight (other than a long poll) for a moment, or 4 s.
  const start = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const quiet = Date.now() - lastActivity > 300;
    if ((pending === 0 && quiet) || (pending <= 1 && Date.now() - lastActivity > 1000) || Date.now() - start > 4000) break;
  }
  let submitted = false;
  if (doSubmit) {
    submitted = await submitFirstForm(document);
    for (let i = 0; i < 40 && (pending > 1 || Date.now() - lastActivity < 300); i++) await new Promise((r) => setTimeout(r, 50));
  }
  const texts = [];
  const tags = [];
  walk(document.body, texts, tags);
  const errors = find(document.body, (e) => /\berror\b/.test(e.className || ''), []).map((e) => e.textContent).filter((t) => t);
  process.stdout.write(JSON.stringify({ violations, texts, tags, html: serialize(document.body), scripts, submitted, errors }) + '\n');
  process.exit(0);
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ violations: ['dom_check failed: ' + e.message], texts: [], tags: [], html: '', scripts: [] }) + '\n');
  process.exit(0);
});
