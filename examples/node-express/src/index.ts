// Express's hello-world and static-files examples in one TypeScript server.
//
// Adapted from expressjs/express, examples/hello-world/index.js and examples/static-files/index.js
// (MIT): rewritten in TypeScript for this example. `public/` is served from the working
// directory, the way the static-files example serves its folder.
import express from "express";

const app = express();
const port = Number(process.env.PORT ?? 3000);

app.get("/", (_req, res) => {
  res.send("Hello World");
});

app.get("/api/greeting", (req, res) => {
  const name = typeof req.query.name === "string" ? req.query.name : "world";
  res.json({ greeting: `Hello, ${name}!` });
});

app.use("/static", express.static("public"));

app.listen(port, () => {
  console.log(`Express started on port ${port}`);
});
