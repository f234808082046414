'use strict';
// app.js: counters with +1 / -1 / reset buttons; the count lives on the server.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const col = meta.collections.counters;
  const wrap = h('div', null);
  let items = [];

  function view(c) {
    const step = meta.step || 1;
    const bump = (by) => guard(async () => { await api('POST', '/api/counters/' + c.id + '/increment', { by }); await refresh(); });
    return h('section', { className: 'card center' },
      h('h2', null, c.label),
      h('div', { className: 'big' }, String(c.value)),
      h('div', { className: 'actions' },
        h('button', { onclick: bump(-step) }, '−' + step),
        h('button', { onclick: bump(step) }, '+' + step),
        h('button', { className: 'secondary', onclick: guard(async () => {
          await api('POST', '/api/counters/' + c.id + '/reset'); await refresh(); }) }, 'Reset'),
        h('button', { className: 'danger', onclick: guard(async () => {
          await api('DELETE', '/api/counters/' + c.id); await refresh(); }) }, 'Delete')));
  }

  async function refresh() {
    items = (await api('GET', '/api/counters')).items;
    wrap.replaceChildren(...items.map(view));
  }

  main.append(wrap, App.form(col.fields, 'Add counter', async (data) => {
    await api('POST', '/api/counters', data); await refresh();
  }));
  await refresh();
});
