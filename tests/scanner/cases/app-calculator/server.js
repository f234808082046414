const http = require('http');
const fs = require('fs');
const path = require('path');
http.createServer((req, res) => {
  const f = req.url === '/calc.js' ? 'calc.js' : 'index.html';
  res.end(fs.readFileSync(path.join(__dirname, 'public', f)));
}).listen(process.env.PORT);
