'use strict';
// app.js: an expense tracker: add expenses, see totals per category and the budget left.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const col = meta.collections.expenses;
  const totals = h('section', { className: 'card' });
  const table = h('table', null);
  let items = [];

  function render() {
    const sum = items.reduce((s, x) => s + x.amount, 0);
    const byCat = new Map();
    for (const x of items) byCat.set(x.category, (byCat.get(x.category) || 0) + x.amount);
    totals.replaceChildren(h('div', null,
      h('div', { className: 'big' }, App.money(sum, meta)),
      meta.budget ? h('p', { className: sum > meta.budget ? 'center wrong' : 'center meta' },
        'Budget ' + App.money(meta.budget, meta) + ' · ' + (sum > meta.budget ? 'over by ' + App.money(sum - meta.budget, meta)
          : App.money(meta.budget - sum, meta) + ' left')) : null,
      h('p', { className: 'center meta' }, [...byCat.entries()].map(([c, v]) => c + ' ' + App.money(v, meta)).join(' · '))));
    const rows = items.slice().sort((a, b) => (a.date < b.date ? 1 : -1)).map((x) => h('tr', null,
      h('td', null, x.date), h('td', null, x.description), h('td', null, x.category),
      h('td', null, App.money(x.amount, meta)),
      h('td', null, h('button', { className: 'danger', onclick: guard(async () => {
        await api('DELETE', '/api/expenses/' + x.id); await refresh(); }) }, 'Delete'))));
    table.replaceChildren(h('tr', null, h('th', null, 'Date'), h('th', null, 'What'), h('th', null, 'Category'),
      h('th', null, 'Amount (' + meta.currency + ')'), h('th', null, '')), ...rows);
  }

  async function refresh() {
    items = (await api('GET', '/api/expenses')).items;
    render();
  }

  const fields = col.fields.map((f) => (f.name === 'date' ? Object.assign({}, f, { default: new Date().toISOString().slice(0, 10) }) : f));
  main.append(totals, App.form(fields, 'Add expense', async (data) => { await api('POST', '/api/expenses', data); await refresh(); }), table);
  await refresh();
});
