"""A small Flask app: one model, a JSON index, and uploads into MEDIA_FOLDER."""
import os

from flask import Flask, jsonify, request, send_from_directory
from flask_sqlalchemy import SQLAlchemy
from werkzeug.utils import secure_filename

app = Flask(__name__)
app.config.from_object("project.config.Config")
db = SQLAlchemy(app)


class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(128), unique=True, nullable=False)

    def __init__(self, email):
        self.email = email


@app.route("/")
def index():
    return jsonify(status="ok")


@app.route("/static/<path:name>")
def static_file(name):
    return send_from_directory(app.config["STATIC_FOLDER"], name)


@app.route("/media/<path:name>")
def media_file(name):
    return send_from_directory(app.config["MEDIA_FOLDER"], name)


@app.route("/upload", methods=["POST"])
def upload():
    upload = request.files["file"]
    upload.save(os.path.join(app.config["MEDIA_FOLDER"], secure_filename(upload.filename)))
    return jsonify(saved=upload.filename)
