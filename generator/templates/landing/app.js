'use strict';
// app.js: a landing page with a feature list and an email sign-up form.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const count = h('p', { className: 'meta center' });
  const email = h('input', { type: 'email', placeholder: 'you@example.com', required: true, maxLength: 200 });
  const name = h('input', { type: 'text', placeholder: 'Your name (optional)', maxLength: 80 });

  async function refresh() {
    const n = (await api('GET', '/api/signups/count')).count;
    count.textContent = n === 0 ? 'Be the first to sign up.' : n + (n === 1 ? ' person has' : ' people have') + ' signed up.';
  }

  main.append(
    h('section', { className: 'hero' }, h('h2', null, meta.product), h('p', { className: 'tagline' }, meta.tagline)),
    h('section', { className: 'features' }, meta.features.map((f) => h('div', { className: 'card' }, h('strong', null, f)))),
    h('h2', null, 'Get notified'),
    h('form', { className: 'form', onsubmit: guard(async () => {
      await api('POST', '/api/signups', { email: email.value, name: name.value });
      email.value = '';
      name.value = '';
      App.status('Thanks! We will be in touch.');
      await refresh();
    }) }, email, name, h('button', { type: 'submit' }, 'Sign up')),
    count);
  await refresh();
});
