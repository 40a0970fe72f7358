"""flaskr, the blog of Flask's tutorial, cut down to its read side and served by uWSGI.

Adapted from pallets/flask, examples/tutorial/flaskr (BSD-3-Clause, Pallets): rewritten for this
example with the tutorial's layout (an application factory, `db.py` with `schema.sql`, Jinja
templates in the package's `templates/`). The SQLite database is made from schema.sql on first
use, at $FLASKR_DATABASE (default: the instance folder).
"""

import os

from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("FLASKR_SECRET_KEY", "dev"),
        DATABASE=os.environ.get("FLASKR_DATABASE", os.path.join(app.instance_path, "flaskr.sqlite")),
    )
    if test_config is not None:
        app.config.from_mapping(test_config)

    from . import blog, db

    db.init_app(app)
    app.register_blueprint(blog.bp)
    app.add_url_rule("/", endpoint="index")
    return app
