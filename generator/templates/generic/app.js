'use strict';
// app.js: a list of records with a form to add them, and edit/delete on each one.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const name = meta.primary;
  const col = meta.collections[name];
  const ops = col.ops;
  const fields = col.fields;
  const list = h('ul', { className: 'list' });
  let items = [];

  function view(item) {
    const [first, ...rest] = fields;
    const head = first.type === 'url' && App.safeHref(item[first.name])
      ? h('a', { href: App.safeHref(item[first.name]), rel: 'noopener noreferrer', target: '_blank' }, item[first.name])
      : h('strong', { className: 'text' }, App.formatValue(first, item[first.name], meta));
    const lines = rest.filter((f) => App.formatValue(f, item[f.name], meta) !== '').map((f) => {
      const href = f.type === 'url' ? App.safeHref(item[f.name]) : null;
      return h('div', null, h('span', { className: 'meta' }, (f.label || f.name) + ': '),
        href ? h('a', { href, rel: 'noopener noreferrer', target: '_blank' }, item[f.name])
             : App.formatValue(f, item[f.name], meta));
    });
    const li = h('li', { className: 'card' },
      h('div', { className: 'grow' }, head, lines, h('div', { className: 'meta' }, App.when(item.created_at))),
      h('div', { className: 'actions' },
        ops.includes('update') && h('button', { className: 'secondary', onclick: () => edit(li, item) }, 'Edit'),
        ops.includes('delete') && h('button', { className: 'danger', onclick: guard(async () => {
          await api('DELETE', '/api/' + name + '/' + item.id);
          await refresh();
        }) }, 'Delete')));
    return li;
  }

  function edit(li, item) {
    const f = App.form(fields, 'Save', async (data) => {
      await api('PATCH', '/api/' + name + '/' + item.id, data);
      await refresh();
    }, item);
    li.replaceChildren(h('div', { className: 'grow' }, f),
      h('button', { className: 'secondary', onclick: () => render() }, 'Cancel'));
  }

  function render() {
    list.replaceChildren(...items.slice().reverse().map(view));
    if (items.length === 0) list.replaceChildren(h('li', { className: 'meta' }, 'Nothing here yet.'));
  }

  async function refresh() {
    items = (await api('GET', '/api/' + name)).items;
    render();
  }

  if (ops.includes('create')) {
    main.append(App.form(fields, 'Add ' + (col.singular || 'item'), async (data) => {
      await api('POST', '/api/' + name, data);
      await refresh();
    }));
  }
  main.append(h('h2', null, col.label || name), list);
  await refresh();
});
