'use strict';
// app.js: a chat room. New messages arrive by long polling (/api/messages/wait).
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const box = h('ul', { className: 'list card chat' });
  const who = h('input', { type: 'text', placeholder: 'Your name', maxLength: 40 });
  const text = h('input', { type: 'text', placeholder: 'Message', maxLength: 1000 });
  let last = 0;

  function add(items) {
    for (const m of items) {
      if (m.seq <= last) continue;
      last = m.seq;
      box.appendChild(h('li', null, h('div', { className: 'grow' },
        h('strong', null, m.author), ' ', h('span', { className: 'meta' }, App.when(m.created_at)),
        h('div', null, m.text))));
    }
    box.scrollTop = box.scrollHeight;
  }

  async function poll() {
    for (;;) {
      try {
        add((await api('GET', '/api/messages/wait?after=' + last)).items);
      } catch (e) {
        App.status('Reconnecting…', true);
        await new Promise((r) => setTimeout(r, 3000));
        App.status('');
      }
    }
  }

  main.append(box, h('form', { className: 'form', onsubmit: guard(async () => {
    await api('POST', '/api/messages', { author: who.value, text: text.value });
    text.value = '';
  }) }, who, text, h('button', { type: 'submit' }, 'Send')));
  add((await api('GET', '/api/messages')).items);
  poll();
});
