const base = document.body.dataset.api;
fetch(base + '/items');
fetch('https://cdn.example.com/x.json');
