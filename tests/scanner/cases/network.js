// expect: outbound-network@4 outbound-network@5 outbound-network@6 outbound-network@7 outbound-network@8 outbound-network@9 outbound-network@10 outbound-network@11 outbound-network@12 outbound-network@13
const net = require('net'), tls = require('tls'), http = require('http'), https = require('https');
net.connect(8080);
net.connect(25, 'mail.example.com');
net.createConnection({ host: 'evil.example', port: 1 });
new net.Socket();
tls.connect(443, 'example.org');
https.get('https://example.com/x');
http.request({ hostname: 'api.example.com', path: '/' });
fetch('https://pool.example.net/submit');
fetch(process.env.TARGET);
require('dgram');
require('dns').lookup('x', () => {});
http.get('http://localhost:3000/');
http.get({ host: '127.0.0.1', port: 80 });
fetch('/api/items');
fetch(`/api/items/${id}`);
