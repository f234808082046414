// expect: child-process@2 child-process@3 child-process@4
import { execSync } from 'child_process';
import * as cp from 'node:child_process';
export { exec } from 'child_process';
execSync('id');
