"""A blog index read from MariaDB, whose root password is a compose secret."""
import mysql.connector
from flask import Flask

PASSWORD_FILE = "/run/secrets/db-password"


def connect():
    with open(PASSWORD_FILE) as f:
        password = f.read().strip()
    return mysql.connector.connect(user="root", password=password, host="db", database="example")


server = Flask(__name__)


@server.route("/")
def titles():
    cursor = connect().cursor()
    cursor.execute("SELECT title FROM blog")
    return "".join(f"<div>{title}</div>" for (title,) in cursor)
