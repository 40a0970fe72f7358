import express from "express";

const app = express();
const notes: string[] = [];

app.use(express.json());
app.get("/notes", (_req, res) => res.json(notes));
app.post("/notes", (req, res) => {
  notes.push(String(req.body.text ?? ""));
  res.status(201).json({ id: notes.length });
});

app.listen(Number(process.env.PORT ?? 3000));
