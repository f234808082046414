'use strict';
// app.js: a kanban board: cards in columns, moved with the arrow buttons.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const col = meta.collections.cards;
  const columns = col.fields.find((f) => f.name === 'column').options;
  const board = h('div', { className: 'columns' });
  let items = [];

  function card(c) {
    const at = columns.indexOf(c.column);
    const move = (d) => guard(async () => {
      await api('PATCH', '/api/cards/' + c.id, { column: columns[at + d] });
      await refresh();
    });
    return h('div', { className: 'card' },
      h('strong', null, c.title),
      c.notes ? h('div', { className: 'grow meta' }, c.notes) : null,
      h('div', { className: 'actions' },
        h('button', { className: 'secondary', disabled: at <= 0, onclick: move(-1), title: 'move left' }, '←'),
        h('button', { className: 'secondary', disabled: at >= columns.length - 1, onclick: move(1), title: 'move right' }, '→'),
        h('button', { className: 'danger', onclick: guard(async () => {
          await api('DELETE', '/api/cards/' + c.id); await refresh(); }) }, 'Delete')));
  }

  function render() {
    board.replaceChildren(...columns.map((name) => {
      const here = items.filter((c) => c.column === name);
      return h('section', { className: 'column' }, h('h2', null, name + ' (' + here.length + ')'), here.map(card));
    }));
  }

  async function refresh() {
    items = (await api('GET', '/api/cards')).items;
    render();
  }

  main.append(App.form(col.fields, 'Add card', async (data) => { await api('POST', '/api/cards', data); await refresh(); }), board);
  await refresh();
});
