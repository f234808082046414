// Counter actions: change a counter by a whole number, or reset it.
route('POST', new RegExp('^/api/counters/' + ID + '/increment$'), async (req, res, m) => {
  const body = await readJson(req);
  for (const k of Object.keys(body)) if (k !== 'by') throw bad("unknown field '" + k + "'");
  const by = 'by' in body ? body.by : 1;
  if (!Number.isInteger(by) || by < -1000000 || by > 1000000) {
    throw bad("field 'by' must be a whole number between -1000000 and 1000000");
  }
  const item = findItem('counters', m[1]);
  const next = item.value + by;
  if (!Number.isSafeInteger(next) || Math.abs(next) > 1e12) throw bad('counter would overflow');
  item.value = next;
  item.updated_at = new Date().toISOString();
  saveStore();
  return item;
});

route('POST', new RegExp('^/api/counters/' + ID + '/reset$'), (req, res, m) => {
  const item = findItem('counters', m[1]);
  item.value = 0;
  item.updated_at = new Date().toISOString();
  saveStore();
  return item;
});
