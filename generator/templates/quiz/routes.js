// Answer checking happens here so the answers never leave the server before a guess.
route('POST', new RegExp('^/api/questions/' + ID + '/check$'), async (req, res, m) => {
  const body = await readJson(req);
  for (const k of Object.keys(body)) if (k !== 'choice') throw bad("unknown field '" + k + "'");
  const q = findItem('questions', m[1]);
  if (!Number.isInteger(body.choice) || body.choice < 0 || body.choice >= q.choices.length) {
    throw bad("field 'choice' must be the index of one of the choices");
  }
  return { correct: body.choice === q.answer, answer: q.answer };
});

// A new question's answer must point at one of its choices.
const checkQuestion = (body, q) => {
  const choices = 'choices' in body ? body.choices : q && q.choices;
  const answer = 'answer' in body ? body.answer : q ? q.answer : 0;
  if (Array.isArray(choices) && Number.isInteger(answer) && (answer < 0 || answer >= choices.length)) {
    throw bad("field 'answer' must be the index of one of the choices (0 = first)");
  }
};
route('POST', /^\/api\/questions$/, async (req, res) => {
  const body = await readJson(req);
  checkQuestion(body, null);
  sendJson(res, 201, publicItem(CONFIG.collections.questions, createItem('questions', body)));
});
route('PATCH', new RegExp('^/api/questions/' + ID + '$'), async (req, res, m) => {
  const body = await readJson(req);
  checkQuestion(body, findItem('questions', m[1]));
  return publicItem(CONFIG.collections.questions, updateItem('questions', m[1], body));
});
