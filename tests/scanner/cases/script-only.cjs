// expect: eval@4
with (Math) { max(1, 2); }
const interface1 = 1;
eval('x');
return;
