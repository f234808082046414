#!/usr/bin/env node
// expect: child-process@3
require('child_process');
