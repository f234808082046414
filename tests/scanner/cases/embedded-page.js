// expect: eval@9:warn outbound-network@10 mining@15
const http = require('http');
const items = [1, 2];
http.createServer((req, res) => {
  res.end(`<!doctype html>
<html><body>
<div id="out"></div>
<script>
  const data = ${JSON.stringify(items)}; eval('1');
  fetch('https://collector.example.net/x');
  fetch('/api/items/' + data[0]);
</script>
</body></html>`);
}).listen(process.env.PORT);
const page = '<script>const pool = "stratum+tcp://p:1";</script><script>this is not js</script>';
