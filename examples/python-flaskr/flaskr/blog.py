from flask import Blueprint, abort, render_template

from .db import get_db

bp = Blueprint("blog", __name__)


@bp.route("/")
def index():
    posts = get_db().execute("SELECT id, author, title, body FROM post ORDER BY id DESC").fetchall()
    return render_template("blog/index.html", posts=posts)


@bp.route("/<int:id>")
def show(id):
    post = get_db().execute("SELECT id, author, title, body FROM post WHERE id = ?", (id,)).fetchone()
    if post is None:
        abort(404, f"Post id {id} doesn't exist.")
    return render_template("blog/index.html", posts=[post])
