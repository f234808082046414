// Voting: one more vote for an option.
route('POST', new RegExp('^/api/options/' + ID + '/vote$'), (req, res, m) => {
  const item = findItem('options', m[1]);
  item.votes += 1;
  item.updated_at = new Date().toISOString();
  saveStore();
  return item;
});
