"""Runs an emitted stack without a container engine, inside the private mount, network
and pid namespaces that run.py sets up. Each image has a stand-in that runs the
real program the image would: PostgreSQL (Debian's server, started the way the
postgres image's entrypoint starts it), the app (the tests' venv is what the
image pip-installs; the source folder is a copy of the build context), nginx
(Debian's, reading the emitted config as the image's whole configuration, as the
Dockerfile's unprivileged user).

What stays as emitted: commands, environment, secrets at /run/secrets/NAME,
nginx's /srv volumes, service names (each its own loopback address in a private
/etc/hosts), ports, healthchecks, the depends_on order, and what security_opt and
cap_drop take away (no new privileges, no capabilities: setpriv runs each process
of the container, its readiness checks included, so confined). What is mapped: the
app's WORKDIR is a folder of the temp dir, and a volume is a folder too."""

import fnmatch
import glob
import itertools
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from emitted import read_dockerfile, read_dockerignore
from procs import StepFailed, wait_until

# The tests' venv: Django, Gunicorn and psycopg from the app's requirements.
VENV_BIN = Path(sys.executable).parent
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Debian's PostgreSQL programs, newest major version (a missing one: the preflight says so).
POSTGRES_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
POSTGRES_BIN = Path(POSTGRES_BINS[-1] if POSTGRES_BINS else "/usr/lib/postgresql/missing/bin")
# PostgreSQL refuses to run as root: its programs run as the user Debian's package made.
AS_POSTGRES = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
JOB_SECONDS = 60


def note(text):
    print(f"    {text}", flush=True)


def mount(*args):
    done = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise StepFailed(f"mount {' '.join(map(str, args))}: {done.stderr.strip()}")


def bind(source, target, read_only=False):
    mount("--bind", source, target)
    if read_only:
        mount("-o", "remount,bind,ro", target)


class Stack:
    """The services of one compose.yaml, their image stand-ins, volumes and addresses."""

    def __init__(self, compose, tmp, procs):
        self.compose = compose
        self.services = compose.services
        self.tmp = tmp
        self.procs = procs
        # Compose gives every service its own address; loopback has room for all.
        self.addresses = {name: f"127.0.0.{10 + i}" for i, name in enumerate(sorted(self.services))}
        self.images = {}

    # -- the set-up before anything runs ---------------------------------------

    def write_hosts(self):
        """Service names resolve as on compose's network, in this namespace only."""
        hosts = self.tmp / "hosts"
        lines = ["127.0.0.1 localhost", "::1 localhost"]
        lines += [f"{address} {name}" for name, address in self.addresses.items()]
        hosts.write_text("\n".join(lines) + "\n")
        bind(hosts, "/etc/hosts")
        return lines

    def mount_secrets(self):
        """Each file secret at /run/secrets/NAME, bind-mounted as compose does."""
        Path("/run/secrets").mkdir(exist_ok=True)
        for name, source in sorted(self.compose.secret_files.items()):
            target = Path("/run/secrets", name)
            target.touch()
            bind(source, target, read_only=True)

    def volume(self, name):
        path = self.tmp / "volumes" / name
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o755)
        return path

    def build_images(self):
        """A stand-in for every service's image; built images are built once."""
        built = {}
        for name, service in sorted(self.services.items()):
            if service.dockerfile is not None:
                base = read_dockerfile(service.dockerfile).base
                if base.startswith("python:"):
                    built[name] = AppImage(self, service)
                elif base.startswith("nginx:"):
                    built[name] = NginxImage(self, service)
                else:
                    raise StepFailed(f"service {name}: no stand-in for an image built FROM {base}")
                self.images[name] = built[name]
        tags = {self.services[name].image: image for name, image in built.items() if self.services[name].image}
        for name, service in sorted(self.services.items()):
            if name in self.images:
                continue
            if service.image in tags:
                self.images[name] = tags[service.image]
            elif (service.image or "").startswith("postgres:"):
                self.images[name] = PostgresImage(self)
            else:
                raise StepFailed(f"service {name}: no stand-in for image {service.image}")
        for image in built.values():
            image.build()

    # -- compose's order ----------------------------------------------------------

    def start_order(self):
        """depends_on as a topological order; ties by name, so runs repeat."""
        order, placed = [], set()
        while len(order) < len(self.services):
            ready = [n for n, s in sorted(self.services.items()) if n not in placed and set(s.depends_on) <= placed]
            if not ready:
                raise StepFailed("depends_on has a cycle")
            order.append(ready[0])
            placed.add(ready[0])
        return order

    def wait_for(self, name, condition):
        if condition == "service_started":
            return None  # it was started before anything that depends on it
        if condition == "service_healthy":
            return self.wait_healthy(name)
        if condition == "service_completed_successfully":
            code = self.procs.wait_exit(name, JOB_SECONDS)
            if code != 0:
                raise StepFailed(f"{name} exited with {code}", [self.procs.log(name)])
            return None
        raise StepFailed(f"unknown depends_on condition {condition}")

    def start(self, name):
        service = self.services[name]
        if service.healthcheck is not None:
            # A check that passes before its service runs would prove nothing.
            if self.healthy(name):
                raise StepFailed(f"{name}'s readiness check passes before {name} has started", [self.health_log(name)])
            note(f"readiness check before start: fails, as it must")
        self.images[name].start(service)

    def confined(self, name, argv):
        """ARGV as NAME's container runs it: with the privileges compose.yaml
        leaves it (no new privileges, no capabilities), through setpriv."""
        options = self.services[name].confinement
        return ["setpriv", *options, "--", *argv] if options else list(argv)

    def argv(self, name):
        """What NAME runs: its compose command, else its image's CMD."""
        image = self.images[name]
        return self.services[name].command or (image.dockerfile.cmd if isinstance(image, AppImage) else None) or []

    def run_in(self, name, argv, stdout=None, extra_env=None):
        """`docker compose run --rm NAME ARGV`: a one-off command in NAME's container."""
        service, image = self.services[name], self.images[name]
        env = {**image.env(service), **(extra_env or {})}
        self.procs.run(f"{name}-run", self.confined(name, argv), env, cwd=image.cwd, stdout=stdout, timeout=JOB_SECONDS)

    # -- healthchecks ----------------------------------------------------------------

    def health_log(self, name):
        return self.procs.log(f"{name}-readiness")

    def healthy(self, name):
        """One run of the service's compose healthcheck, in its container's environment."""
        service = self.services[name]
        test = service.healthcheck.test
        if test[0] == "CMD-SHELL":
            argv = ["sh", "-c", test[1]]
        elif test[0] == "CMD":
            argv = test[1:]
        else:
            raise StepFailed(f"{name}: healthcheck {test[0]} is not run by this test")
        image = self.images[name]
        try:
            code = self.procs.run(f"{name}-readiness", self.confined(name, argv), image.env(service), cwd=image.cwd,
                                  timeout=service.healthcheck.timeout, check=False)
        except StepFailed:  # a check that times out counts as failed, as in compose
            return False
        return code == 0

    def wait_healthy(self, name):
        check = self.services[name].healthcheck
        if check is None:
            raise StepFailed(f"something waits for {name} to be healthy, but it has no healthcheck")
        seconds = check.start_period + check.retries * (check.interval + check.timeout)

        def probe():
            code = self.procs.exited(name)
            if code is not None:
                raise StepFailed(f"{name} exited with {code} before it was healthy", [self.procs.log(name)])
            return self.healthy(name)

        wait_until(f"{name} healthy", seconds, probe, every=min(check.interval, 0.25),
                   logs=[self.procs.log(name), self.health_log(name)])
        note(f"readiness check passes")


class AppImage:
    """The image stackc's Dockerfile builds: the build context copied as the Dockerfile
    copies it (minus its .dockerignore), its package install and the RUNs after
    `COPY . .`, its ENV and CMD. The Python packages are the tests' venv: the
    Dockerfile's own `pip install` runs for real against it, where the image build
    would run it."""

    def __init__(self, stack, service):
        self.stack = stack
        self.service = service
        self.dockerfile = read_dockerfile(service.dockerfile)
        self.cwd = stack.tmp / "images" / service.name  # the image's WORKDIR
        self.home = stack.tmp / "home" / service.name

    def build(self):
        context = self.service.build_context
        ignore = read_dockerignore(self.service.dockerfile.with_name(self.service.dockerfile.name + ".dockerignore"))
        if any(p.startswith("!") for p in ignore):
            raise StepFailed("the .dockerignore has `!` exceptions, which this test does not read")
        self.home.mkdir(parents=True)
        self._install(context)
        shutil.copytree(context, self.cwd, ignore=lambda folder, names: self._ignored(context, folder, names, ignore))
        for argv in self.dockerfile.build_runs:
            self.stack.procs.run(f"{self.service.name}-build", argv, self.env(None), cwd=self.cwd)
        note(f"{len(self.dockerfile.build_runs)} build step(s) after `COPY . .` ran in {self.cwd}")

    def _install(self, context):
        """The Dockerfile's install steps, as the image build runs them: in a WORKDIR
        that holds only the files COPYed before them, so pip reads the requirements and
        every file they include with `-r`/`-c` from what the Dockerfile copied, and a
        file it left out fails here as it would fail the build. `--dry-run --no-index`:
        every package must already be in the tests' venv at the pinned version, and
        nothing is downloaded or changed."""
        staged = self.stack.tmp / "images" / f"{self.service.name}-install"
        staged.mkdir(parents=True)
        copied = []
        before_source = itertools.takewhile(lambda copy: copy != (["."], "."), self.dockerfile.copies)
        for sources, destination in before_source:
            target = staged / destination
            for source in sources:
                if not (context / source).is_file():
                    raise StepFailed(f"{self.service.dockerfile}: COPY {source}: only files are emulated before `COPY . .`")
                into = target / Path(source).name if destination.endswith("/") else target
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(context / source, into)
                copied.append(str(into.relative_to(staged)))
        for argv in self.dockerfile.install_runs:
            if argv[:2] != ["pip", "install"]:
                raise StepFailed(f"{self.service.dockerfile}: RUN {argv}; the stand-in runs `pip install` only")
            log = self.stack.procs.log(f"{self.service.name}-install")
            self.stack.procs.run(f"{self.service.name}-install", [*argv, "--dry-run", "--no-index"],
                                 self.env(None), cwd=staged)
            if "Would install" in log.read_text():
                raise StepFailed("pip would install packages the tests' venv lacks: run scripts/install-tools.sh",
                                 [log])
        note(f"`pip install` read {', '.join(copied)}: every package already in the tests' venv")

    @staticmethod
    def _ignored(context, folder, names, patterns):
        relative = Path(folder).relative_to(context)
        return {
            name for name in names
            if any(fnmatch.fnmatch(str(relative / name), p.removeprefix("**/"))
                   or (p.startswith("**/") and fnmatch.fnmatch(name, p[3:])) for p in patterns)
        }

    def env(self, service):
        env = {"PATH": f"{VENV_BIN}:{SYSTEM_PATH}", "HOME": str(self.home), **self.dockerfile.env}
        if service is not None:
            env.update(service.environment)
            # Gunicorn's access log, so the test can tell which requests reached it.
            env["GUNICORN_CMD_ARGS"] = "--access-logfile -"
        return env

    def container_path(self, path):
        """A path inside the container, as a path of this stand-in."""
        workdir = Path(self.dockerfile.workdir)
        if not Path(path).is_relative_to(workdir):
            raise StepFailed(f"{path} is outside the image's WORKDIR {workdir}; only paths under it are emulated")
        return self.cwd / Path(path).relative_to(workdir)

    def start(self, service):
        for volume, target, read_only in service.volumes:
            inside = self.container_path(target)
            inside.mkdir(parents=True, exist_ok=True)
            bind(self.stack.volume(volume), inside, read_only)
        argv = self.stack.argv(service.name)
        if not argv:
            raise StepFailed(f"{service.name} has neither a compose command nor a Dockerfile CMD")
        note(f"runs {' '.join(argv)} in {self.cwd} (the image's {self.dockerfile.workdir})")
        self.stack.procs.start(service.name, self.stack.confined(service.name, argv), self.env(service), cwd=self.cwd)


class NginxImage:
    """nginx:* with the emitted nginx.conf COPYed over the image's whole configuration,
    run as the image's CMD (`nginx -g "daemon off;"`) under the Dockerfile's USER: Debian's
    nginx reads the emitted file at /etc/nginx/nginx.conf (bind-mounted in this mount
    namespace), in a mount namespace of its own with a fresh /tmp as a container has,
    as that user, without the capabilities compose's cap_drop drops, and with compose's
    sysctls set (the network namespace is every service's here)."""

    CONF = "/etc/nginx/nginx.conf"

    def __init__(self, stack, service):
        self.stack = stack
        self.service = service
        self.dockerfile = read_dockerfile(service.dockerfile)
        self.confs = []
        self.cwd = None  # the image's: nginx's paths are absolute

    def build(self):
        for sources, destination in self.dockerfile.copies:
            if destination != self.CONF or len(sources) != 1:
                raise StepFailed(f"{self.service.dockerfile}: COPY {' '.join(sources)} {destination}; "
                                 f"the stand-in knows a COPY of one file to {self.CONF} only")
            self.confs.append(self.service.build_context / sources[0])
        if not self.confs:
            raise StepFailed(f"{self.service.dockerfile} copies no config into the image")
        bind(self.confs[-1], self.CONF, read_only=True)

    def env(self, service):
        return {"PATH": SYSTEM_PATH}

    def user(self):
        """The Dockerfile's numeric `USER uid:gid`, which the image runs nginx as."""
        user = self.dockerfile.user or ""
        uid, _, gid = user.partition(":")
        if not (uid.isdigit() and gid.isdigit()):
            raise StepFailed(f"{self.service.dockerfile}: USER {user!r}; the stand-in runs a numeric uid:gid only")
        if int(uid) == 0:
            raise StepFailed(f"{self.service.dockerfile}: nginx would run as root")
        return int(uid), int(gid)

    def start(self, service):
        for volume, target, read_only in service.volumes:
            if not target.startswith("/srv/"):
                raise StepFailed(f"{service.name}: a volume at {target}; only /srv/ (a private tmpfs here) is emulated")
            Path(target).mkdir(parents=True, exist_ok=True)
            bind(self.stack.volume(volume), target, read_only)
        for name, value in sorted(service.sysctls.items()):
            Path("/proc/sys", *name.split(".")).write_text(value)
            note(f"sysctl {name}={value}")
        uid, gid = self.user()
        # A container's stdout belongs to its user (runc hands it over), so that nginx
        # can open /dev/stdout for its access log.
        log = self.stack.procs.log(service.name)
        log.touch()
        shutil.chown(log, uid, gid)
        private_tmp = 'mount -t tmpfs -o mode=1777 tmpfs /tmp && exec "$@"'
        # `-e stderr`: the image's /var/log/nginx/error.log is a link to stderr; Debian's is a file.
        nginx = ["/usr/sbin/nginx", "-e", "stderr", "-g", "daemon off;"]
        argv = ["unshare", "--mount", "sh", "-c", private_tmp, "sh",
                "setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *service.confinement, "--", *nginx]
        note(f"nginx reads {self.confs[-1]} as {self.CONF}, as uid {uid} gid {gid}"
             + (", without capabilities" if "--bounding-set=-all" in service.confinement else ""))
        self.stack.procs.start(service.name, argv, self.env(service), stop_signal=signal.SIGQUIT)


class PostgresImage:
    """postgres:*, as its entrypoint runs it: initdb with POSTGRES_USER and the password
    from POSTGRES_PASSWORD_FILE, scram-sha-256 for every TCP client, a first server
    on the Unix socket only that creates POSTGRES_DB, then the real server on TCP."""

    DATA = "/var/lib/postgresql/data"  # the image's PGDATA
    PORT = "5432"

    def __init__(self, stack):
        self.stack = stack
        self.cwd = None
        self.socket = stack.tmp / "postgres-socket"

    def env(self, service):
        return {"PATH": f"{POSTGRES_BIN}:{SYSTEM_PATH}", **service.environment}

    def _data_folder(self, service):
        volumes = [self.stack.volume(v) for v, target, _ in service.volumes if target.rstrip("/") == self.DATA]
        data = volumes[0] if volumes else self.stack.tmp / "anonymous" / service.name
        data.mkdir(parents=True, exist_ok=True)
        shutil.chown(data, "postgres", "postgres")
        data.chmod(0o700)
        return data

    def start(self, service):
        procs, env, name = self.stack.procs, self.env(service), service.name
        user = env.get("POSTGRES_USER", "postgres")
        database = env.get("POSTGRES_DB", user)
        password_file = env.get("POSTGRES_PASSWORD_FILE")
        if not password_file:
            raise StepFailed(f"{name}: no POSTGRES_PASSWORD_FILE; the stack should pass the password as a secret")
        data = self._data_folder(service)
        self.socket.mkdir()
        shutil.chown(self.socket, "postgres", "postgres")
        initdb = [POSTGRES_BIN / "initdb", "-D", data, "-U", user, f"--pwfile={password_file}",
                  "--auth-local=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"]
        as_postgres = self.stack.confined(name, AS_POSTGRES)
        procs.run(name, as_postgres + initdb, env, timeout=JOB_SECONDS)
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write("host all all all scram-sha-256\n")
        server = as_postgres + [POSTGRES_BIN / "postgres", "-D", data, "-k", self.socket, "-p", self.PORT]

        procs.start(name, server + ["-c", "listen_addresses="], env, stop_signal=signal.SIGINT)
        on_socket = ["pg_isready", "-q", "-h", self.socket, "-p", self.PORT]
        wait_until("PostgreSQL's init-time server on its Unix socket", JOB_SECONDS,
                   lambda: procs.run(f"{name}-init", on_socket, env, timeout=10, check=False) == 0,
                   logs=[procs.log(name)])
        if self.stack.healthy(name):
            raise StepFailed(f"{name}'s readiness check passes while PostgreSQL listens on its Unix socket only",
                             [self.stack.health_log(name)])
        note("readiness check during the init-time (socket only) server: fails, as it must")
        if database != "postgres":
            create = ["psql", "-v", "ON_ERROR_STOP=1", "-h", self.socket, "-p", self.PORT, "-U", user,
                      "-d", "postgres", "--set", f"db={database}"]
            procs.run(f"{name}-init", as_postgres + create, env, stdin_text='CREATE DATABASE :"db";\n')
        procs.stop(name)

        address = self.stack.addresses[name]
        # 127.0.0.1 is the container's own loopback (the healthcheck's -h); the
        # service address is what the other services reach as `db`.
        procs.start(name, server + ["-c", f"listen_addresses=127.0.0.1,{address}"], env, stop_signal=signal.SIGINT)
        note(f"PostgreSQL {POSTGRES_BIN.parent.name} serves {database} to {user} on {address}:{self.PORT}")
