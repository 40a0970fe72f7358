"""A Flask page that reports which libpq psycopg2 was built against.

psycopg2 (not psycopg2-binary) has no Linux wheels: pip builds it from source, which needs gcc,
the Python headers and libpq's headers (libpq-dev); at run time it needs only libpq5.
Adapted from the Flask quickstart (pallets/flask docs, "Rendering Templates").
"""

import os

import psycopg2
from flask import Flask, render_template

app = Flask(__name__)


@app.get("/")
def index():
    return render_template(
        "index.html",
        libpq=psycopg2.__libpq_version__,
        psycopg2=psycopg2.__version__.split()[0],
        database=os.environ.get("DATABASE_URL", "(not configured)"),
    )


@app.get("/healthz")
def healthz():
    return "", 204
