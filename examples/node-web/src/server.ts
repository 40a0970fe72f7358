import http from "node:http";

const port = Number(process.env.PORT ?? 3000);
const started = new Date();

function page(name: string): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>node-web</title></head>
  <body>
    <h1>Hello, ${escapeHtml(name)}!</h1>
    <p>Up since ${started.toISOString()}, Node.js ${process.version}.</p>
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/healthz") {
    res.writeHead(204).end();
    return;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(page(url.searchParams.get("name") ?? "world"));
});

server.listen(port, () => console.log(`listening on :${port}`));
