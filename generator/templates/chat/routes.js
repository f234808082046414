// Long polling: answers at once when there are messages newer than ?after=, otherwise
// waits up to 25 s for the next one.
const MAX_WAITERS = 500;
let waiters = 0;
route('GET', /^\/api\/messages\/wait$/, (req, res, m, url) => {
  const raw = url.searchParams.get('after') || '0';
  if (!/^\d{1,15}$/.test(raw)) throw bad("parameter 'after' must be a message number");
  const after = Number(raw);
  const newer = () => store.collections.messages.filter((x) => x.seq > after);
  const now = newer();
  if (now.length) return { items: now };
  if (waiters >= MAX_WAITERS) throw new HttpError(503, 'busy', 'too many waiting clients');
  waiters++;
  return new Promise((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      events.removeListener('created', onCreated);
      res.removeListener('close', finish);
      waiters--;
      resolve({ items: newer() });
    };
    const onCreated = (name) => { if (name === 'messages') finish(); };
    const timer = setTimeout(finish, 25000);
    events.on('created', onCreated);
    res.on('close', finish);
  });
});
