#!/usr/bin/env python
"""Answers whether MongoDB is reachable; Flask's own server, debugger on."""
import os

from flask import Flask
from pymongo import MongoClient

app = Flask(__name__)
client = MongoClient("mongo:27017")


@app.route("/")
def index():
    try:
        client.admin.command("ping")
    except Exception:
        return "MongoDB is not available\n", 503
    return "MongoDB answers\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("FLASK_SERVER_PORT", 9090)), debug=True)
