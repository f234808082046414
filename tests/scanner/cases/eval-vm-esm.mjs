// expect: eval@2 eval@3 eval@4
import vm from 'node:vm';
import { Session } from 'inspector';
const repl = await import('repl');
vm.runInNewContext('1');
