import psycopg2
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return {"libpq": psycopg2.__libpq_version__}
