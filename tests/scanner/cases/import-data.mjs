// expect: eval@2 eval@3 fs-outside-app@4
await import('data:text/javascript,console.log(1)');
await import('/tmp/payload.mjs');
await import('../../../etc/x.mjs');
