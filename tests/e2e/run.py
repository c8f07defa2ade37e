"""The seed stack, run for real without a container engine (tests/e2e.rs runs this):

    .tools/venv/bin/python tests/e2e/run.py --stackc BIN --spec specs/django.spec [--keep]

builds the spec with stackc, brings up PostgreSQL, the Django project in
specs/app under the emitted Gunicorn command and nginx with the emitted
nginx.conf, in the order compose.yaml gives, moves a SQLite database's rows to
PostgreSQL as the seed article does, and makes requests through nginx. Every
step is printed by name; a failure names its step and shows the logs that
explain it. Exit: 0 passed, 1 a step failed, 2 a tool is missing.

It needs root: it re-runs itself under `unshare` in private mount, network and
pid namespaces, so its ports, /etc/hosts, /run/secrets and /srv are its own,
and when it ends the kernel ends anything it left behind."""

import argparse
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

import checks
from emitted import read_compose, read_dockerfile
from procs import Processes, StepFailed
from stack import POSTGRES_BIN, Stack, mount, note

HERE = Path(__file__).resolve().parent
APP = HERE.parent.parent / "specs" / "app"
OVERALL_SECONDS = 170  # the whole run, set-up and clean-up included
LOG_LINES = 40
PROGRAMS = ["unshare", "setpriv", "mount", "ip", "sh", "/usr/sbin/nginx", "psql",
            *(str(POSTGRES_BIN / p) for p in ("initdb", "postgres", "pg_isready"))]


class StepError(Exception):
    def __init__(self, step, message, logs):
        super().__init__(message)
        self.step, self.logs = step, logs


@contextmanager
def step(name, logs=()):
    print(f"--> {name}", flush=True)
    started = time.monotonic()
    try:
        yield
    except StepFailed as failure:
        raise StepError(name, str(failure), [*failure.logs, *logs]) from None
    except Exception:
        raise StepError(name, traceback.format_exc(), list(logs)) from None
    print(f"    ok ({time.monotonic() - started:.1f}s)", flush=True)


def report(error):
    print(f"\ne2e: FAILED at step '{error.step}':\n{error}", flush=True)
    for log in dict.fromkeys(error.logs):
        if log.is_file():
            lines = log.read_text(errors="replace").splitlines()[-LOG_LINES:]
            print(f"---- {log.name} (last {len(lines)} lines)\n" + "\n".join(lines), flush=True)


# -- outside the namespaces -------------------------------------------------------------


def preflight():
    if os.geteuid() != 0:
        return "it needs root (unshare, mounts, and PostgreSQL run as the postgres user)"
    missing = [p for p in PROGRAMS if not shutil.which(p)]
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        missing.append("the postgres user (Debian's postgresql package)")
    return f"missing: {', '.join(missing)}; run scripts/install-tools.sh" if missing else None


def outside(args):
    problem = preflight()
    if problem:
        print(f"e2e: {problem}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="stackc-e2e-"))
    tmp.chmod(0o755)  # postgres and nginx's workers walk through it
    inner = ["unshare", "--mount", "--net", "--ipc", "--pid", "--fork", "--kill-child", "--mount-proc",
             sys.executable, __file__, "--inside", str(tmp), "--stackc", args.stackc, "--spec", args.spec]
    try:
        return subprocess.run(inner, timeout=OVERALL_SECONDS).returncode
    except subprocess.TimeoutExpired:  # unshare is killed, and with it the whole namespace
        print(f"e2e: FAILED: the run took longer than {OVERALL_SECONDS}s; logs in {tmp}/logs", flush=True)
        args.keep = True
        return 1
    finally:
        if args.keep:
            print(f"e2e: kept {tmp}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# -- inside the namespaces --------------------------------------------------------------


def isolate():
    """Loopback up; fresh tmpfs over /run (for /run/secrets), /srv (nginx's volumes) and
    /dev/shm (PostgreSQL's shared memory, gone with the namespace)."""
    if os.getpid() != 1:
        raise StepFailed("not the first process of a pid namespace; run through run.py, not --inside")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for folder, mode in (("/run", "0755"), ("/srv", "0755"), ("/dev/shm", "1777")):
        mount("-t", "tmpfs", "-o", f"mode={mode}", "tmpfs", folder)


def build(args, tmp, procs):
    """The spec, copied next to its app (stackc reads the app's files), built into
    tmp/out. The secret file is not there yet: stackc warns, and place_inputs puts it
    where compose.yaml looks for it, as a team does on the server."""
    specs = tmp / "project" / "specs"
    specs.mkdir(parents=True)
    spec = specs / Path(args.spec).name
    shutil.copy(args.spec, spec)
    shutil.copytree(APP, specs / "app", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp / "out"
    procs.run("stackc", [args.stackc, "build", "--color", "never", spec, "-o", out], {"PATH": os.environ["PATH"]})
    return out


def place_inputs(compose, tmp):
    """The Django project at each Python build context, a fresh password in each secret
    file (0644, as the README says: the containers' users must read it)."""
    def inside_tmp(path):
        if not path.resolve().is_relative_to(tmp):
            raise StepFailed(f"compose.yaml names {path}, outside the test's folder; refusing to write there")
        return path

    for name, service in sorted(compose.services.items()):
        if service.dockerfile and read_dockerfile(service.dockerfile).base.startswith("python:"):
            shutil.copytree(APP, inside_tmp(service.build_context), ignore=shutil.ignore_patterns("__pycache__"),
                            dirs_exist_ok=True)
            note(f"{name}: the Django project of specs/app at {service.build_context}")
    for name, source in sorted(compose.secret_files.items()):
        inside_tmp(source).parent.mkdir(parents=True, exist_ok=True)
        source.write_text(secrets.token_hex(16))
        source.chmod(0o644)
        note(f"secret {name}: a random password in {source}")


def bring_up(stack):
    procs = stack.procs
    for name in stack.start_order():
        for dependency, condition in sorted(stack.services[name].depends_on.items()):
            with step(f"{name} waits for {dependency}: {condition}",
                      [procs.log(dependency), stack.health_log(dependency)]):
                stack.wait_for(dependency, condition)
        with step(f"start {name}", [procs.log(name), procs.log(f"{name}-init")]):
            stack.start(name)


def move_data(stack, parts, tmp):
    procs, migrate = stack.procs, parts["migrate"]
    checkout = tmp / "development"
    shutil.copytree(APP, checkout, ignore=shutil.ignore_patterns("__pycache__"))
    env = checks.development_env(checkout)
    sqlite_dump, postgres_dump = tmp / "datadump.json", tmp / "postgres-dump.json"
    with step("data move 1: the developer's db.sqlite3 with known rows", [procs.log("development")]):
        checks.make_sqlite_rows(procs, checkout, env)
    with step("data move 2: `manage.py dumpdata > datadump.json` from SQLite", [procs.log("development")]):
        procs.run("development", ["python", "manage.py", "dumpdata"], env, cwd=checkout, stdout=sqlite_dump)
        counts = checks.check_dump_has_the_rows(sqlite_dump)
        note(", ".join(f"{model} {n}" for model, n in sorted(counts.items())))
    with step(f"data move 3: `manage.py loaddata datadump.json` in {migrate}'s container",
              [procs.log(f"{migrate}-run"), procs.log(parts["database"])]):
        stack.run_in(migrate, ["python", "manage.py", "loaddata", str(sqlite_dump)])
    with step("data move 4: every row arrived (dumpdata from PostgreSQL equals the SQLite dump)",
              [procs.log(f"{migrate}-run")]):
        stack.run_in(migrate, ["python", "manage.py", "dumpdata"], stdout=postgres_dump)
        counts = checks.check_same_rows(sqlite_dump, postgres_dump)
        note(f"{sum(counts.values())} objects, equal field by field")


def requests_through_nginx(stack, parts):
    procs, proxy, app = stack.procs, parts["proxy"], parts["app"]
    nginx_logs = [procs.log(proxy)]  # its error log on stderr, its access log on stdout
    app_log = procs.log(app)
    conf = stack.images[proxy].confs[0]
    client = checks.Client(stack, proxy)
    with step(f"nginx listens on its container port (published as {client.host})", nginx_logs):
        client.wait_listening(nginx_logs)
    path = "/rows/"
    with step(f"GET {path} through nginx: the JSON view lists the moved rows", [*nginx_logs, app_log]):
        seen = checks.check_rows_view(client, path, [*nginx_logs, app_log])
        if not checks.log_has(app_log, f'"GET {path} HTTP/1.'):
            raise StepFailed(f"Gunicorn's access log does not show GET {path}", [app_log])
        note(f"{len(seen['rows'])} rows, served by Gunicorn")
    with step("Django saw the Host and X-Forwarded-* headers nginx.conf sets", [conf, app_log]):
        for line in checks.check_headers(conf, client, path, seen, [conf, app_log]):
            note(line)
    static = f"/static/{checks.STATIC_FILE}"
    with step(f"GET {static}: nginx serves it from the static volume, Gunicorn never sees it",
              [*nginx_logs, app_log]):
        headers, body = checks.get_ok(client, static, [*nginx_logs, app_log])
        wanted = (APP / "rows" / "static" / checks.STATIC_FILE).read_bytes()
        if body != wanted:
            raise StepFailed(f"GET {static} returned {body[:200]!r}, not the app's file", nginx_logs)
        if not headers.get("Content-Type", "").startswith("text/css"):
            raise StepFailed(f"GET {static}: Content-Type {headers.get('Content-Type')!r}", nginx_logs)
        if not checks.log_has(nginx_logs[0], f'"GET {static} HTTP/1.1" 200'):
            raise StepFailed(f"nginx's access log does not show GET {static}", nginx_logs)
        if static in app_log.read_text(errors="replace"):
            raise StepFailed(f"Gunicorn's log shows {static}: nginx passed it on", [app_log])
        note(f"{len(body)} bytes, Content-Type {headers['Content-Type']}, in nginx's access log only")
    for where, proxied in ((path, True), (static, False)):
        with step(f"GET {where}: the security headers, each once, the app's where it sent one",
                  [conf, *nginx_logs, app_log]):
            for line in checks.check_response_headers(stack, conf, client, where, proxied, [conf, *nginx_logs]):
                note(line)


def leftover_processes():
    """Every process of this pid namespace but this one: none may outlive stop_all."""
    pids = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    return [f"pid {p}: " + Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            for p in pids]


def run_steps(args, tmp, procs):
    with step("private namespaces: loopback up, tmpfs at /run, /srv and /dev/shm"):
        isolate()
    with step(f"build {args.spec} with stackc", [procs.log("stackc")]):
        out = build(args, tmp, procs)
    with step("read compose.yaml, the Dockerfiles and nginx.conf"):
        compose = read_compose(out)
        stack = Stack(compose, tmp, procs)
    with step("the Django project and the password file where compose.yaml looks for them"):
        place_inputs(compose, tmp)
    with step("service names resolve to addresses of their own (private /etc/hosts)"):
        for line in stack.write_hosts():
            note(line)
    with step("secrets at /run/secrets/NAME"):
        stack.mount_secrets()
    with step("build the images' stand-ins", [procs.log(f"{n}-build") for n in compose.services]):
        stack.build_images()
    with step("compose.yaml: migrate after a healthy database, the app after migrate, nginx after the app"):
        parts = checks.roles(stack)
        checks.check_order(stack, parts)
        note(", ".join(f"{role} = {name}" for role, name in parts.items()))
    bring_up(stack)
    move_data(stack, parts, tmp)
    requests_through_nginx(stack, parts)
    with step("each server runs with what compose.yaml leaves it: no new privileges; app and nginx, no capabilities"):
        if "--bounding-set=-all" not in stack.services[parts["app"]].confinement:
            raise StepFailed(f"compose.yaml leaves {parts['app']}, an image stackc builds, its capabilities")
        for role in ("database", "app", "proxy"):
            note(checks.check_confined(stack, parts[role]))
    with step("a new row after the move (PostgreSQL's id sequences were reset)",
              [procs.log(f"{parts['migrate']}-run")]):
        said = tmp / "new-row.txt"
        stack.run_in(parts["migrate"], ["python", "manage.py", "shell", "-c", checks.NEW_ROW], stdout=said)
        note(said.read_text().strip().splitlines()[-1])


def inside(args):
    tmp = Path(args.inside)
    (tmp / "logs").mkdir()
    procs = Processes(tmp / "logs")
    failure = None
    try:
        run_steps(args, tmp, procs)
    except StepError as error:
        failure = error
    try:
        with step("stop every process it started, by pid"):
            procs.stop_all()
            left = leftover_processes()
            if left:
                raise StepFailed("still running after the stop: " + "; ".join(left))
    except StepError as error:
        failure = failure or error
    if failure:
        report(failure)
        return 1
    print("\ne2e: every step passed", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stackc", required=True, help="the stackc binary")
    parser.add_argument("--spec", required=True, help="the stack spec to build and run")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, output) for a look")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # set by the re-run under unshare
    args = parser.parse_args()
    args.stackc, args.spec = str(Path(args.stackc).resolve()), str(Path(args.spec).resolve())
    return inside(args) if args.inside else outside(args)


if __name__ == "__main__":
    sys.exit(main())
