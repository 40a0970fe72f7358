"""A tiny in-memory to-do API.

GET  /health        -> {"status": "ok"}
GET  /todos         -> list of to-dos
POST /todos         -> create one from {"title": "..."}
"""

from itertools import count

from flask import Flask, abort, jsonify, request

app = Flask(__name__)
_ids = count(1)
_todos: dict[int, dict] = {}


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/todos")
def list_todos():
    return jsonify(list(_todos.values()))


@app.post("/todos")
def create_todo():
    body = request.get_json(silent=True) or {}
    title = str(body.get("title", "")).strip()
    if not title:
        abort(400, description="title is required")
    todo = {"id": next(_ids), "title": title, "done": False}
    _todos[todo["id"]] = todo
    return todo, 201


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
