'use strict';
// app.js: a poll: vote for an option, see the results, add options.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const col = meta.collections.options;
  const results = h('ul', { className: 'list' });
  const total = h('p', { className: 'meta' });
  let voted = false;

  function view(o, sum) {
    const pct = sum ? Math.round((o.votes * 100) / sum) : 0;
    const bar = h('div', { className: 'bar', title: pct + '%' });
    if (bar.style) bar.style.width = pct + '%'; // CSSOM: allowed by a strict CSP
    return h('li', { className: 'card' },
      h('div', { className: 'grow' },
        h('strong', null, o.label),
        h('div', { className: 'meta' }, o.votes + (o.votes === 1 ? ' vote' : ' votes') + ' · ' + pct + '%'),
        bar),
      h('button', { disabled: voted, onclick: guard(async () => {
        await api('POST', '/api/options/' + o.id + '/vote');
        voted = true;
        App.status('Thanks for voting!');
        await refresh();
      }) }, 'Vote'));
  }

  async function refresh() {
    const items = (await api('GET', '/api/options')).items;
    const sum = items.reduce((s, o) => s + o.votes, 0);
    results.replaceChildren(...items.map((o) => view(o, sum)));
    total.textContent = sum + (sum === 1 ? ' vote' : ' votes') + ' in total';
  }

  main.append(h('h2', null, meta.question), results, total,
    App.form(col.fields, 'Add option', async (data) => { await api('POST', '/api/options', data); await refresh(); }));
  await refresh();
});
