"""Reads what `stackc build` emitted. The e2e test runs these files, never copies of
them: every command, variable, path and port below comes from compose.yaml, a
Dockerfile or nginx.conf, so a change in the spec changes what runs."""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import crossplane
import yaml
from dockerfile_parse import DockerfileParser

from procs import StepFailed


def compose_string(value):
    """What compose makes of a string: `$$` is a literal `$`. Any other `$` would be
    filled from the environment compose runs in, which this test does not emulate."""
    text = str(value)
    if re.search(r"\$(?!\$)", text.replace("$$", "")):
        raise StepFailed(f"compose.yaml interpolates a variable in {text!r}; the e2e test has none to give")
    return text.replace("$$", "$")


def duration_seconds(text):
    """A compose (Go) duration such as `5s`, `1m30s` or `500ms`."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise StepFailed(f"unreadable compose duration {text!r}")
    return sum(float(n) * units[u] for n, u in parts)


@dataclass
class Healthcheck:
    test: list  # ["CMD-SHELL", "..."] or ["CMD", argv...]
    interval: float = 30.0  # compose's defaults
    timeout: float = 30.0
    retries: int = 3
    start_period: float = 0.0


@dataclass
class Service:
    name: str
    image: str | None
    build_context: Path | None
    dockerfile: Path | None
    command: list | None
    environment: dict
    secrets: list
    volumes: list  # (volume name, target path, read only)
    ports: list  # (host ip, host port, container port)
    depends_on: dict  # service name -> compose condition
    healthcheck: Healthcheck | None
    confinement: list = field(default_factory=list)  # setpriv options: what security_opt and cap_drop take away
    sysctls: dict = field(default_factory=dict)


@dataclass
class Compose:
    services: dict
    secret_files: dict  # secret name -> source file


def read_compose(out):
    path = out / "compose.yaml"
    doc = yaml.safe_load(path.read_text())
    services = {name: _service(name, spec or {}, out) for name, spec in doc.get("services", {}).items()}
    secret_files = {}
    for name, spec in (doc.get("secrets") or {}).items():
        if "file" not in spec:
            raise StepFailed(f"secret {name} is not a file secret; the e2e test writes file secrets only")
        secret_files[name] = _join(out, spec["file"])
    return Compose(services, secret_files)


def _join(folder, path):
    """A compose path relative to `folder`, with `..` resolved by name as compose
    does (the folders may not exist yet)."""
    return Path(os.path.normpath(folder / compose_string(path)))


def _service(name, spec, out):
    build = spec.get("build")
    context = dockerfile = None
    if build is not None:
        context = _join(out, build["context"])
        dockerfile = _join(context, build.get("dockerfile", "Dockerfile"))
    command = spec.get("command")
    if isinstance(command, str):
        raise StepFailed(f"service {name}: a string command would run in a shell; stackc writes lists")
    volumes = []
    for mount in spec.get("volumes", []):
        if mount.get("type") != "volume":
            raise StepFailed(f"service {name}: only named volumes are emulated, not {mount}")
        volumes.append((mount["source"], mount["target"], bool(mount.get("read_only"))))
    ports = []
    for port in spec.get("ports", []):
        # `IP:HOST:CONTAINER`; an IPv6 address is in brackets (`[::]:80:80`).
        ip, host, container = str(port).rsplit(":", 2)
        ports.append((ip, int(host), int(container)))
    depends_on = spec.get("depends_on") or {}
    if isinstance(depends_on, list):
        depends_on = {dep: {"condition": "service_started"} for dep in depends_on}
    check = spec.get("healthcheck")
    healthcheck = None
    if check is not None:
        healthcheck = Healthcheck(
            test=[compose_string(part) for part in check["test"]],
            interval=duration_seconds(check.get("interval", "30s")),
            timeout=duration_seconds(check.get("timeout", "30s")),
            retries=int(check.get("retries", 3)),
            start_period=duration_seconds(check.get("start_period", "0s")),
        )
    return Service(
        confinement=_confinement(name, spec),
        name=name,
        image=spec.get("image"),
        build_context=context,
        dockerfile=dockerfile,
        command=[compose_string(arg) for arg in command] if command else None,
        environment={k: compose_string(v) for k, v in (spec.get("environment") or {}).items()},
        secrets=list(spec.get("secrets", [])),
        volumes=volumes,
        ports=ports,
        depends_on={dep: cond["condition"] for dep, cond in depends_on.items()},
        healthcheck=healthcheck,
        sysctls={str(k): str(v) for k, v in (spec.get("sysctls") or {}).items()},
    )


def _confinement(name, spec):
    """setpriv's options for what compose.yaml takes from the container: no new
    privileges (`security_opt`), no capabilities (`cap_drop: [ALL]`). Anything
    else about users and privileges is not emulated, so it fails the test."""
    options = []
    for opt in spec.get("security_opt", []):
        if opt not in ("no-new-privileges", "no-new-privileges=true", "no-new-privileges:true"):
            raise StepFailed(f"service {name}: security_opt {opt!r} is not emulated")
        options.append("--no-new-privs")
    drop = spec.get("cap_drop", [])
    if drop:
        if drop != ["ALL"] or spec.get("cap_add"):
            raise StepFailed(f"service {name}: only `cap_drop: [ALL]` without cap_add is emulated")
        options += ["--bounding-set=-all", "--inh-caps=-all"]
    for key in ("user", "cap_add", "privileged", "read_only"):
        if key in spec:
            raise StepFailed(f"service {name}: `{key}` is not emulated")
    return options


@dataclass
class Dockerfile:
    base: str
    workdir: str
    env: dict
    copies: list  # (sources, destination), in order
    cmd: list | None
    build_runs: list = field(default_factory=list)  # exec-form RUNs after `COPY . .`
    user: str | None = None  # the last USER
    install_runs: list = field(default_factory=list)  # exec-form RUNs before `COPY . .`


def _run_argv(path, value):
    """An exec-form RUN's words, after its flags; a BuildKit cache mount is the only
    flag, and changes nothing here (it only keeps the download cache out of the image)."""
    flags = []
    while value.startswith("--"):
        flag, _, value = value.partition(" ")
        flags.append(flag)
        value = value.lstrip()
    if any(not f.startswith("--mount=type=cache,") for f in flags):
        raise StepFailed(f"{path}: RUN {' '.join(flags)}: only cache mounts are emulated")
    if not value.startswith("["):
        raise StepFailed(f"{path}: a RUN this test runs is not in exec form: {value}")
    return json.loads(value)


def read_dockerfile(path):
    parser = DockerfileParser(path=str(path))
    workdir, copies, cmd, runs, source_copied, user = "/", [], None, [], False, None
    installs = []
    stages = [i for i in parser.structure if i["instruction"] == "FROM"]
    if len(stages) > 1:
        raise StepFailed(f"{path}: {len(stages)} stages; the stand-in builds one")
    for instruction in parser.structure:
        kind, value = instruction["instruction"], instruction["value"]
        if kind == "WORKDIR":
            workdir = value
        elif kind == "USER":
            user = value
        elif kind == "COPY":
            words = value.split()
            flags = [w for w in words if w.startswith("--")]
            if any(not f.startswith("--chmod=") for f in flags):
                raise StepFailed(f"{path}: COPY {' '.join(flags)}: only --chmod is emulated")
            value = " ".join(words[len(flags):])  # the stand-ins read files as root: modes do not matter
            parts = json.loads(value) if value.startswith("[") else value.split()
            copies.append((parts[:-1], parts[-1]))
            source_copied = source_copied or parts == [".", "."]
        elif kind == "CMD":
            if not value.startswith("["):
                raise StepFailed(f"{path}: CMD is not in exec form: {value}")
            cmd = json.loads(value)
        elif kind == "RUN" and source_copied:
            runs.append(_run_argv(path, value))
        elif kind == "RUN" and copies:
            installs.append(_run_argv(path, value))
    return Dockerfile(parser.baseimage, workdir, dict(parser.envs), copies, cmd, runs, user, installs)


def read_dockerignore(path):
    """The patterns of a Dockerfile.dockerignore (comments and blank lines dropped)."""
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _servers(conf):
    """The `server` blocks of nginx's whole configuration."""
    parsed = crossplane.parse(str(conf), single=True)
    if parsed["status"] != "ok":
        raise StepFailed(f"{conf}: crossplane could not parse it: {parsed['errors']}")
    http = _blocks(parsed["config"][0]["parsed"], "http")
    if len(http) != 1:
        raise StepFailed(f"{conf}: {len(http)} http blocks; nginx's whole configuration has one")
    return _blocks(http[0]["block"], "server")


def _location(conf, request_path, proxied):
    """The location that serves `request_path` (longest matching prefix, as nginx picks
    among prefix locations), among the proxied ones or the others, with its server."""
    best = None
    for server in _servers(conf):
        for location in _blocks(server["block"], "location"):
            prefix = location["args"][-1]
            is_proxied = any(d["directive"] == "proxy_pass" for d in location["block"])
            if is_proxied == proxied and request_path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, location["block"], server["block"])
    if best is None:
        raise StepFailed(f"{conf}: no {'proxied' if proxied else 'unproxied'} location serves {request_path}")
    return best[1], best[2]


def proxy_headers(conf, request_path):
    """The `proxy_set_header` pairs of the proxied location that serves `request_path`."""
    location, _ = _location(conf, request_path, proxied=True)
    return [tuple(d["args"]) for d in location if d["directive"] == "proxy_set_header"]


def response_headers(conf, request_path, proxied):
    """The `add_header` arguments that apply to `request_path`: the location's own, or
    the server's when it has none (nginx's inheritance)."""
    location, server = _location(conf, request_path, proxied)
    own = [tuple(d["args"]) for d in location if d["directive"] == "add_header"]
    return own or [tuple(d["args"]) for d in server if d["directive"] == "add_header"]


def upstream_server(conf, request_path):
    """(service, port) of the first server of the upstream that the proxied location
    serving `request_path` passes to."""
    location, _ = _location(conf, request_path, proxied=True)
    target = [d for d in location if d["directive"] == "proxy_pass"][0]["args"][0]
    name = re.match(r"http://([^/:$]+)", target).group(1)
    parsed = crossplane.parse(str(conf), single=True)
    http = _blocks(parsed["config"][0]["parsed"], "http")[0]["block"]
    upstream = [u for u in _blocks(http, "upstream") if u["args"] == [name]][0]
    service, port = _blocks(upstream["block"], "server")[0]["args"][0].rsplit(":", 1)
    return service, int(port)


def maps(conf):
    """Each `map`'s variable (without `$`) -> (its source variable, {key: value})."""
    parsed = crossplane.parse(str(conf), single=True)
    http = _blocks(parsed["config"][0]["parsed"], "http")[0]["block"]
    return {m["args"][1].lstrip("$"): (m["args"][0].lstrip("$"), {e["directive"]: e["args"][0] for e in m["block"]})
            for m in _blocks(http, "map")}


def _blocks(directives, name):
    return [d for d in directives if d["directive"] == name]
