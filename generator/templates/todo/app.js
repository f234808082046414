'use strict';
// app.js: a todo list: add tasks, tick them off, filter, delete.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const col = meta.collections.todos;
  const extra = col.fields.filter((f) => f.name !== 'text' && f.name !== 'done');
  const list = h('ul', { className: 'list' });
  const counter = h('p', { className: 'meta' });
  let items = [];
  let filter = 'all';
  const today = new Date().toISOString().slice(0, 10);

  function view(item) {
    const box = h('input', { type: 'checkbox', checked: item.done, title: 'done',
      onchange: guard(async () => { await api('PATCH', '/api/todos/' + item.id, { done: box.checked }); await refresh(); }) });
    const details = extra.filter((f) => item[f.name] !== '' && item[f.name] !== null).map((f) => {
      const overdue = f.type === 'date' && !item.done && item[f.name] < today;
      return h('span', { className: overdue ? 'meta wrong' : 'meta' },
        ' · ' + (f.label || f.name) + ': ' + App.formatValue(f, item[f.name], meta) + (overdue ? ' (overdue)' : ''));
    });
    return h('li', { className: item.done ? 'card done' : 'card' }, box,
      h('div', { className: 'grow' }, h('span', { className: 'text' }, item.text), details),
      h('button', { className: 'danger', onclick: guard(async () => {
        await api('DELETE', '/api/todos/' + item.id); await refresh();
      }) }, 'Delete'));
  }

  function render() {
    const shown = items.filter((x) => filter === 'all' || (filter === 'open' ? !x.done : x.done));
    const due = col.fields.find((f) => f.type === 'date');
    if (due) shown.sort((a, b) => (a[due.name] || '9999') < (b[due.name] || '9999') ? -1 : 1);
    list.replaceChildren(...shown.map(view));
    const open = items.filter((x) => !x.done).length;
    counter.textContent = open + ' open, ' + (items.length - open) + ' done';
  }

  async function refresh() {
    items = (await api('GET', '/api/todos')).items;
    render();
  }

  main.append(
    App.form(col.fields.filter((f) => f.name !== 'done'), 'Add task', async (data) => {
      await api('POST', '/api/todos', data); await refresh();
    }),
    h('div', { className: 'actions' },
      ['all', 'open', 'done'].map((f) => h('button', { className: 'secondary', onclick: () => { filter = f; render(); } }, f)),
      h('button', { className: 'danger', onclick: guard(async () => {
        for (const x of items.filter((i) => i.done)) await api('DELETE', '/api/todos/' + x.id);
        await refresh();
      }) }, 'Clear done')),
    counter, list);
  await refresh();
});
