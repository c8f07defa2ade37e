"""Parses stackc's output folders back with the formats' real parsers.

Used by tests/hostile.rs: one run of this script reads every output folder
of the test, so the interpreter starts once.

stdin:  {"compose": "<docker-compose binary>",
         "cases": [{"key": "...", "out": "<output folder>", "root": "<folder to hide>"}]}
stdout: {"<key>": {
           "files":       sorted paths of the files stackc wrote,
           "yaml":        compose.yaml as PyYAML reads it (what compose's YAML layer sees),
           "compose":     `docker-compose config --format json --no-env-resolution`,
                          with compose's `$$` re-escaping undone: what the containers get,
           "compose_error": compose's stderr when it failed or warned, else null,
           "nginx":       {"<proxy>/nginx.conf": crossplane's directives with nginx's
                          own unescaping applied to every argument},
           "dockerfiles": {"<service>/Dockerfile": [{"instruction", ["flags"], "json" | "words" | "value"}]},
           "other":       {"<path>": text of every other file but the manifest}}
         or {"parse_error": "..."} when a parser fails on a file}
           ("json": an exec-form array; "words": a shell-form line as `sh` splits it;
            "flags": a RUN's or COPY's `--mount=...`, `--from=...`)

Strings under "root" (the case's temporary folder) are written `<CASE>`, and
under its parent `<TMP>`, so absolute paths compare across cases.
"""

import concurrent.futures
import functools
import json
import os
import shlex
import subprocess
import sys

import crossplane
import yaml
from dockerfile_parse import DockerfileParser

# Compose is asked to interpolate with this environment: a `${X}` that
# reaches it unescaped shows up as INJECTED.
COMPOSE_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "X": "INJECTED", "HOME": os.environ.get("HOME", "/")}


def files_of(out):
    found = []
    for folder, _, names in os.walk(out):
        for name in names:
            found.append(os.path.relpath(os.path.join(folder, name), out))
    return sorted(found)


def hide_root(value, root):
    if isinstance(value, str):
        return value.replace(root, "<CASE>").replace(os.path.dirname(root), "<TMP>")
    if isinstance(value, list):
        return [hide_root(v, root) for v in value]
    if isinstance(value, dict):
        return {hide_root(k, root): hide_root(v, root) for k, v in value.items()}
    return value


class LoneDollar(Exception):
    pass


def unescape_dollars(value):
    """`config` writes a literal `$` as `$$` so its output stays a compose file."""
    if isinstance(value, str):
        out, i = [], 0
        while i < len(value):
            if value[i] == "$":
                if value[i + 1 : i + 2] != "$":
                    raise LoneDollar(value)
                i += 1
            out.append(value[i])
            i += 1
        return "".join(out)
    if isinstance(value, list):
        return [unescape_dollars(v) for v in value]
    if isinstance(value, dict):
        return {k: unescape_dollars(v) for k, v in value.items()}
    return value


def compose_config(compose, out, root):
    result = subprocess.run(
        [compose, "-f", os.path.join(out, "compose.yaml"), "config", "--format", "json", "--no-env-resolution"],
        capture_output=True,
        env=COMPOSE_ENV,
        timeout=60,
    )
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0:
        return None, "exit %d: %s" % (result.returncode, stderr)
    try:
        parsed = unescape_dollars(json.loads(result.stdout))
    except LoneDollar as e:
        return None, "compose config printed an unescaped `$` in %r" % (e.args[0][:200],)
    return hide_root(parsed, root), (stderr or None)


def nginx_unescape(arg):
    """What ngx_conf_read_token does to a token's backslashes.

    crossplane keeps them as written (it only turns the quote character
    back); nginx turns \\" \\' \\\\ into the character and \\t \\r \\n into
    the control character, in quoted and bare tokens alike."""
    out, i = [], 0
    while i < len(arg):
        c = arg[i]
        if c == "\\" and i + 1 < len(arg):
            n = arg[i + 1]
            if n in "\"'\\":
                out.append(n)
                i += 2
                continue
            if n in "trn":
                out.append({"t": "\t", "r": "\r", "n": "\n"}[n])
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def simplify_nginx(directives):
    out = []
    for d in directives:
        entry = {"directive": d["directive"], "args": [nginx_unescape(a) for a in d["args"]]}
        if "block" in d:
            entry["block"] = simplify_nginx(d["block"])
        out.append(entry)
    return out


def parse_nginx(path):
    # nginx's whole configuration; no context or argument checks, so a hostile value
    # shows up as what nginx would read, not as a crossplane error.
    parsed = crossplane.parse(path, single=True, strict=False, check_ctx=False, check_args=False, comments=False)
    if parsed["errors"]:
        return {"errors": [e["error"] for e in parsed["errors"]]}
    return simplify_nginx(parsed["config"][0]["parsed"])


def parse_dockerfile(path):
    with open(path, "rb") as f:
        structure = DockerfileParser(fileobj=f, env_replace=False).structure
    out = []
    for entry in structure:
        item = {"instruction": entry["instruction"]}
        value = entry["value"]
        # `RUN --mount=...` and `COPY --from=...`: Docker reads the flags
        # first, then the rest (dockerfile-parse keeps them in the value).
        flags = []
        while entry["instruction"] in ("RUN", "COPY") and value.startswith("--"):
            flag, _, value = value.partition(" ")
            flags.append(flag)
            value = value.lstrip()
        if flags:
            item["flags"] = flags
        try:
            words = json.loads(value)
        except ValueError:
            words = None
        # Docker reads a value as exec form only when it is a JSON array of strings.
        if isinstance(words, list) and all(isinstance(w, str) for w in words):
            item["json"] = words
        elif entry["instruction"] in ("RUN", "CMD", "ENTRYPOINT"):
            # Shell form: the words `sh -c` gets (line continuations are
            # already joined).
            try:
                item["words"] = shlex.split(value, comments=False, posix=True)
            except ValueError as e:
                item["value"], item["shell_error"] = value, str(e)
        else:
            item["value"] = value
        out.append(item)
    return out


def parse_case(compose, case):
    """One case's reading; a parser that fails records why, so the test can
    name the case instead of this script stopping."""
    try:
        return parse_case_or_fail(compose, case)
    except Exception as e:  # noqa: BLE001 - every failure is the test's finding
        return case["key"], {"parse_error": "%s: %s" % (type(e).__name__, str(e)[:2000])}


def parse_case_or_fail(compose, case):
    out, root = case["out"], case["root"]
    result = {"files": files_of(out), "nginx": {}, "dockerfiles": {}, "other": {}}
    with open(os.path.join(out, "compose.yaml"), encoding="utf-8") as f:
        result["yaml"] = yaml.safe_load(f)
    result["compose"], result["compose_error"] = compose_config(compose, out, root)
    for path in result["files"]:
        full = os.path.join(out, path)
        if path.endswith("/nginx.conf"):
            result["nginx"][path] = parse_nginx(full)
        elif path.endswith("/Dockerfile"):
            result["dockerfiles"][path] = parse_dockerfile(full)
        elif path not in ("compose.yaml", ".stackc-manifest"):
            # Any other file (a .dockerignore) as its text: a value that
            # reaches it shows up as a difference from the benign build.
            with open(full, encoding="utf-8") as f:
                result["other"][path] = f.read()
    return case["key"], result


def main():
    request = json.load(sys.stdin)
    compose = request["compose"]
    results = {}
    # Processes, not threads: most of the time is Python's own parsing
    # (PyYAML, crossplane), which one interpreter runs on one core; two per
    # core, so one parses while the other waits on compose.
    cases = request["cases"]
    with concurrent.futures.ProcessPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        for key, result in pool.map(functools.partial(parse_case, compose), cases, chunksize=16):
            results[key] = result
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
