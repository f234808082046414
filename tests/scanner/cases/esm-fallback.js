// expect: child-process@2
import { exec } from 'child_process';
export default function f() { return exec; }
