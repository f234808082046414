'use strict';
// app.js: a countdown timer with work and break phases; finished sessions are logged.
App.start(async (meta, main) => {
  const { h, api, guard } = App;
  const display = h('div', { className: 'big' }, '00:00');
  const phaseEl = h('p', { className: 'center meta' });
  const label = h('input', { type: 'text', placeholder: 'What are you working on?', maxLength: 100 });
  const log = h('ul', { className: 'list' });
  const summary = h('p', { className: 'meta' });
  let phase = 'work';
  let remaining = meta.work_minutes * 60;
  let ticking = null;

  function show() {
    const m = Math.floor(remaining / 60);
    const s = remaining % 60;
    display.textContent = String(m).padStart(2, '0') + ':' + String(s).padStart(2, '0');
    phaseEl.textContent = (phase === 'work' ? 'Focus' : 'Break') + (ticking ? ' — running' : ' — paused');
  }

  function reset(to) {
    phase = to;
    remaining = (to === 'work' ? meta.work_minutes : meta.break_minutes) * 60;
    show();
  }

  async function finished() {
    clearInterval(ticking);
    ticking = null;
    const minutes = phase === 'work' ? meta.work_minutes : meta.break_minutes;
    await api('POST', '/api/sessions', { label: label.value.trim() || (phase === 'work' ? 'Focus' : 'Break'), minutes, phase });
    App.status(phase === 'work' ? 'Session done — take a break.' : 'Break over — back to work.');
    reset(phase === 'work' && meta.break_minutes > 0 ? 'break' : 'work');
    await refresh();
  }

  function tick() {
    remaining -= 1;
    if (remaining <= 0) { remaining = 0; finished().catch((e) => App.status(e.message, true)); }
    show();
  }

  async function refresh() {
    const items = (await api('GET', '/api/sessions')).items;
    const work = items.filter((x) => x.phase === 'work');
    summary.textContent = work.length + ' focus sessions, ' + work.reduce((s, x) => s + x.minutes, 0) + ' minutes in total';
    log.replaceChildren(...items.slice(-20).reverse().map((x) => h('li', { className: 'card' },
      h('div', { className: 'grow' }, h('strong', null, x.label), h('div', { className: 'meta' }, x.phase + ' · ' + x.minutes + ' min · ' + App.when(x.created_at))),
      h('button', { className: 'danger', onclick: guard(async () => { await api('DELETE', '/api/sessions/' + x.id); await refresh(); }) }, 'Delete'))));
  }

  main.append(h('section', { className: 'card center' }, phaseEl, display, label,
    h('div', { className: 'actions' },
      h('button', { onclick: () => { if (!ticking) { ticking = setInterval(tick, 1000); show(); } } }, 'Start'),
      h('button', { className: 'secondary', onclick: () => { clearInterval(ticking); ticking = null; show(); } }, 'Pause'),
      h('button', { className: 'secondary', onclick: () => { clearInterval(ticking); ticking = null; reset('work'); } }, 'Reset'),
      h('button', { className: 'secondary', onclick: guard(finished) }, 'Finish now'))),
    h('h2', null, 'Sessions'), summary, log);
  reset('work');
  await refresh();
});
