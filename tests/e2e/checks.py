"""The checks on the running stack: its order, the seed's SQLite to PostgreSQL move,
and requests through nginx."""

import http.client
import json
import re
from collections import Counter
from pathlib import Path

from emitted import maps, proxy_headers, response_headers, upstream_server
from procs import StepFailed, wait_until
from stack import SYSTEM_PATH, VENV_BIN, NginxImage, PostgresImage

# The rows a developer has in db.sqlite3 before the move: every field kind of the
# model, text that trips quoting and encodings, a gap in the primary keys.
# Timestamps have whole milliseconds: dumpdata's JSON (DjangoJSONEncoder) keeps
# no more, so finer ones would not survive the seed's move.
ATHLETES = ["Ada Lovelace", "Łukasz Żółć", 'O\'Brien "the rock"', "Ξένια 💪🏽"]
DELETED = "deleted before the move"
WORKOUTS = [
    dict(athlete="Ada Lovelace", name="squat", notes="", reps=5, weight="142.50",
         done_at="2024-02-29T06:30:00+00:00", public=True),
    dict(athlete="Łukasz Żółć", name="deadlift", notes="line one\nline two\ttabbed\r\nend", reps=0,
         weight="0.00", done_at="1999-12-31T23:59:59.999000+00:00", public=False),
    dict(athlete="Ada Lovelace", name=DELETED, notes="", reps=1, weight="1.00",
         done_at="2024-01-01T00:00:00+00:00", public=False),
    dict(athlete='O\'Brien "the rock"', name="bench 'press'", notes="quotes ' \" and \\ backslash; <script>x</script>",
         reps=-3, weight="-12.25", done_at="2038-01-19T03:14:08+00:00", public=True),
    dict(athlete="Ξένια 💪🏽", name="'; DROP TABLE rows_workout; --", notes="漢字 " + "long " * 2000,
         reps=2147483647, weight="9999.99", done_at="1970-01-01T00:00:00+00:00", public=False),
]
EXPECTED_ROWS = [w for w in WORKOUTS if w["name"] != DELETED]

MAKE_ROWS = """
import json, os
from datetime import datetime
from decimal import Decimal
from django.contrib.auth.models import User
from rows.models import Athlete, Workout
data = json.loads(os.environ["E2E_ROWS"])
athletes = {name: Athlete.objects.create(name=name) for name in data["athletes"]}
for w in data["workouts"]:
    Workout.objects.create(**{**w, "athlete": athletes[w["athlete"]], "weight": Decimal(w["weight"]),
                              "done_at": datetime.fromisoformat(w["done_at"])})
Workout.objects.filter(name=data["deleted"]).delete()
User.objects.create(username="coach", email="coach@example.com", password="!")  # "!": no usable password
"""

# A row written after the move: PostgreSQL's id sequences must be past the loaded rows.
NEW_ROW = """
from django.db.models import Max
from rows.models import Athlete, Workout
top = Workout.objects.aggregate(Max("pk"))["pk__max"]
new = Workout.objects.create(athlete=Athlete.objects.first(), name="after the move", reps=1,
                             weight="1.00", done_at="2026-01-01T00:00:00Z")
assert new.pk > top, (new.pk, top)
print(f"new workout id {new.pk}, after the moved rows' highest id {top}")
"""

STATIC_FILE = "rows/hello.css"  # under the app's rows/static/, so /static/rows/hello.css
CLIENT_FORWARDED_FOR = "203.0.113.7"  # a proxy in front of the client, for X-Forwarded-For


def roles(stack):
    """The seed's four parts, recognised from what they run."""
    found = {
        "database": [n for n, image in stack.images.items() if isinstance(image, PostgresImage)],
        "migrate": [n for n in stack.services if stack.argv(n)[1:3] == ["manage.py", "migrate"]],
        "app": [n for n in stack.services if stack.argv(n)[:1] == ["gunicorn"]],
        "proxy": [n for n, image in stack.images.items() if isinstance(image, NginxImage)],
    }
    for role, names in found.items():
        if len(names) != 1:
            raise StepFailed(f"expected one {role} service, found {names or 'none'}")
    return {role: names[0] for role, names in found.items()}


def check_order(stack, parts):
    """migrate waits for a healthy database, the app for migrate's success, nginx for a healthy app."""
    wanted = [
        (parts["migrate"], parts["database"], "service_healthy"),
        (parts["app"], parts["migrate"], "service_completed_successfully"),
        (parts["proxy"], parts["app"], "service_healthy"),
    ]
    for service, dependency, condition in wanted:
        found = stack.services[service].depends_on.get(dependency)
        if found != condition:
            raise StepFailed(f"{service} should wait for {dependency} with {condition}, compose.yaml has {found}")


def development_env(home):
    """The developer's shell before the move: no DATABASE_*, so settings use db.sqlite3."""
    return {"PATH": f"{VENV_BIN}:{SYSTEM_PATH}", "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}


def make_sqlite_rows(procs, checkout, env):
    procs.run("development", ["python", "manage.py", "migrate", "--noinput"], env, cwd=checkout)
    rows = json.dumps({"athletes": ATHLETES, "workouts": WORKOUTS, "deleted": DELETED})
    procs.run("development", ["python", "manage.py", "shell", "-c", MAKE_ROWS], {**env, "E2E_ROWS": rows}, cwd=checkout)


def dump_counts(dump):
    return Counter(item["model"] for item in json.loads(dump.read_text()))


def check_dump_has_the_rows(dump):
    counts = dump_counts(dump)
    wanted = {"rows.workout": len(EXPECTED_ROWS), "rows.athlete": len(ATHLETES), "auth.user": 1}
    for model, count in wanted.items():
        if counts[model] != count:
            raise StepFailed(f"{dump.name} has {counts[model]} {model} rows, the test made {count}")
    return counts


def check_same_rows(before, after):
    """Every object of the SQLite dump is in the PostgreSQL dump with equal fields, and no other."""
    def by_key(dump):
        return {(item["model"], item["pk"]): item["fields"] for item in json.loads(dump.read_text())}

    old, new = by_key(before), by_key(after)
    problems = [f"missing {key}" for key in sorted(old.keys() - new.keys(), key=str)]
    problems += [f"not in the SQLite data: {key}" for key in sorted(new.keys() - old.keys(), key=str)]
    problems += [f"changed {key}: {old[key]} -> {new[key]}" for key in sorted(old.keys() & new.keys(), key=str)
                 if old[key] != new[key]]
    if problems:
        raise StepFailed(f"{len(problems)} differences after the move:\n" + "\n".join(problems[:20]))
    return dump_counts(after)


class Client:
    """A browser at http://localhost:PUBLISHED/, through the port compose publishes."""

    def __init__(self, stack, proxy):
        _, self.published, self.port = stack.services[proxy].ports[0]
        self.host = f"localhost:{self.published}"

    def wait_listening(self, logs):
        def connects():
            try:
                http.client.HTTPConnection("127.0.0.1", self.port, timeout=2).connect()
                return True
            except OSError:
                return False

        wait_until(f"nginx accepting connections on port {self.port}", 10, connects, logs=logs)

    def get(self, path, logs):
        status, headers, body = get(("127.0.0.1", self.port), self.host, path, logs)
        return status, dict(headers), body

    def nginx_variables(self, path):
        """What nginx's variables are for this client's request to `path`."""
        return {
            "host": "localhost",
            "http_host": self.host,
            "remote_addr": "127.0.0.1",
            "proxy_add_x_forwarded_for": f"{CLIENT_FORWARDED_FOR}, 127.0.0.1",
            "scheme": "http",
            "server_port": str(self.port),
            "request_uri": path,
        }


def get(address, host, path, logs):
    """GET `path` from `address` with this `Host`: the status, every header line (a header
    sent twice is there twice) and the body."""
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host, "X-Forwarded-For": CLIENT_FORWARDED_FOR})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    except OSError as error:
        raise StepFailed(f"GET {path}: {error}", logs)
    finally:
        connection.close()


def check_response_headers(stack, conf, client, path, proxied, logs):
    """nginx sent every header nginx.conf adds for `path`, once: a default (a map on the
    app's header) only when the app sent none, the app's own then alone; an empty
    value never. Which the app sent, a request to it without nginx tells."""
    _, received, _ = get(("127.0.0.1", client.port), client.host, path, logs)
    from_app = []
    if proxied:
        service, port = upstream_server(conf, path)
        _, from_app, _ = get((stack.addresses[service], port), "localhost", path, logs)
    variables = maps(conf)
    seen = []
    for name, value, *_ in response_headers(conf, path, proxied):
        def values(headers):
            return [v for n, v in headers if n.lower() == name.lower()]
        got, apps = values(received), values(from_app)
        if value.startswith("$"):
            source, table = variables[value[1:]]
            if source != "upstream_http_" + name.lower().replace("-", "_"):
                raise StepFailed(f"{conf}: {name}'s default depends on ${source}, not on the app's {name}")
            expected = apps or [table[""]]
        else:
            expected = [value] if value else []
        if got != expected:
            raise StepFailed(f"GET {path}: {name} {got}; nginx.conf adds {value!r}, the app sent {apps}", logs)
        seen.append(f"{name}: {', '.join(got) or '(none)'}{' (from the app)' if apps else ''}")
    if not seen:
        raise StepFailed(f"nginx.conf adds no response headers for {path}")
    return seen


def get_ok(client, path, logs):
    status, headers, body = client.get(path, logs)
    if status != 200:
        raise StepFailed(f"GET {path} through nginx: HTTP {status}\n{body[:500].decode(errors='replace')}", logs)
    return headers, body


def check_rows_view(client, path, logs):
    _, body = get_ok(client, path, logs)
    seen = json.loads(body)
    rows = [{k: v for k, v in row.items() if k != "id"} for row in seen["rows"]]
    if rows != EXPECTED_ROWS:
        shown = json.dumps(rows, ensure_ascii=False)[:2000]
        raise StepFailed(f"{path} returned other rows than the test made:\n{shown}", logs)
    return seen


def check_headers(conf, client, path, seen, logs):
    """Django saw exactly the headers nginx.conf tells nginx to send."""
    variables = client.nginx_variables(path)

    def value(match):
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise StepFailed(f"nginx.conf sends ${name}, for which this test has no expected value")
        return variables[name]

    checked = []
    for name, template in proxy_headers(conf, path):
        expected = re.sub(r"\$\{(\w+)\}|\$(\w+)", value, template)
        key = "HTTP_" + name.upper().replace("-", "_")
        got = seen["headers"].get(key)
        if got != (expected or None):  # an empty value: nginx does not send the header
            raise StepFailed(f"Django saw {name}: {got!r}; nginx.conf sets it to {template!r} = {expected!r}", logs)
        checked.append(f"{name}: {got}")
    if not checked:
        raise StepFailed(f"nginx.conf sets no proxy headers for {path}")
    return checked


def log_has(log, text, seconds=5):
    """Whether `text` shows up in `log` within a few seconds (loggers write after replying)."""
    try:
        wait_until(f"{text} in {log.name}", seconds, lambda: log.is_file() and text in log.read_text(errors="replace"))
        return True
    except StepFailed:
        return False


def check_confined(stack, name):
    """What the kernel says of NAME's running process (/proc/PID/status): no new
    privileges for every container, and no capabilities at all where compose.yaml
    drops them. stackc writes both for the seed stack, so a container without them
    fails too."""
    status = {}
    for line in Path(f"/proc/{stack.procs.pid(name)}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        status[key] = value.strip()
    options = stack.services[name].confinement
    if "--no-new-privs" not in options:
        raise StepFailed(f"compose.yaml does not set no-new-privileges for {name}")
    if status["NoNewPrivs"] != "1":
        raise StepFailed(f"{name} runs without no_new_privs: {status['NoNewPrivs']}")
    capabilities = {key: int(status[key], 16) for key in ("CapEff", "CapPrm", "CapBnd")}
    if "--bounding-set=-all" in options and any(capabilities.values()):
        raise StepFailed(f"{name} keeps capabilities although compose.yaml drops them all: {capabilities}")
    shown = ", ".join(f"{key} {value:x}" for key, value in capabilities.items())
    return f"{name}: NoNewPrivs 1, {shown}"
