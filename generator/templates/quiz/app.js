'use strict';
// app.js: a multiple-choice quiz checked by the server, a score board, and a form to
// add questions.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const qcol = meta.collections.questions;
  const stage = h('section', { className: 'card' });
  const board = h('ul', { className: 'list' });
  let questions = [];
  let index = 0;
  let score = 0;

  function ask() {
    if (index >= questions.length) { done(); return; }
    const q = questions[index];
    const feedback = h('p', null);
    const buttons = q.choices.map((c, i) => h('button', { className: 'secondary', onclick: guard(async () => {
      const r = await api('POST', '/api/questions/' + q.id + '/check', { choice: i });
      buttons.forEach((b) => { b.disabled = true; });
      if (r.correct) score++;
      feedback.className = r.correct ? 'correct' : 'wrong';
      feedback.textContent = r.correct ? 'Correct!' : 'Not quite: the answer is ' + q.choices[r.answer] + '.';
      next.disabled = false;
    }) }, c));
    const next = h('button', { disabled: true, onclick: () => { index++; ask(); } }, 'Next');
    stage.replaceChildren(h('p', { className: 'meta' }, 'Question ' + (index + 1) + ' of ' + questions.length),
      h('h2', null, q.question), h('div', { className: 'actions' }, buttons), feedback, next);
  }

  function done() {
    const name = h('input', { type: 'text', placeholder: 'Your name', maxLength: 40 });
    stage.replaceChildren(h('h2', null, 'You scored ' + score + ' of ' + questions.length),
      h('form', { className: 'form', onsubmit: guard(async () => {
        await api('POST', '/api/scores', { name: name.value, score, total: questions.length });
        await scores();
        restart();
      }) }, name, h('button', { type: 'submit' }, 'Save score')),
      h('button', { className: 'secondary', onclick: restart }, 'Play again'));
  }

  function restart() { index = 0; score = 0; ask(); }

  async function scores() {
    const items = (await api('GET', '/api/scores')).items.slice().sort((a, b) => b.score - a.score).slice(0, 10);
    board.replaceChildren(...items.map((s) => h('li', { className: 'card' },
      h('span', { className: 'grow' }, s.name), h('strong', null, s.score + ' / ' + s.total))));
  }

  async function load() {
    questions = (await api('GET', '/api/questions')).items;
    if (questions.length === 0) stage.replaceChildren(h('p', null, 'No questions yet: add one below.'));
    else restart();
  }

  main.append(stage, h('h2', null, 'Best scores'), board, h('h2', null, 'Add a question'),
    h('p', { className: 'meta' }, 'Choices are separated by commas; the answer is the number of the right choice (1 = first).'),
    App.form(qcol.fields.concat([{ name: 'answer', label: 'Right choice (1, 2, …)', type: 'int' }]), 'Add question', async (data) => {
      data.answer = (data.answer || 1) - 1;
      await api('POST', '/api/questions', data);
      await load();
    }));
  await scores();
  await load();
});
