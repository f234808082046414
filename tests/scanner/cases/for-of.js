// expect: child-process@3 eval@5
for (const m of ['fs', 'child_process']) {
  require(m);
}
const t = true ? eval : null; t('x');
