//! The reader on Dockerfiles of the shapes real projects use (written for
//! these tests), then on the edges of the grammar, then on hostile input.

use super::*;
use crate::input::shell::SimpleCommand;
use crate::ir::Protocol;
use crate::source::SourceFile;

/// Parses a file that must have no problems.
fn clean(text: &str) -> Dockerfile {
    let dockerfile = parse(text);
    assert_eq!(dockerfile.problems, [], "{text}");
    dockerfile
}

fn at(text: &str, span: Span) -> &str {
    &text[span.range()]
}

fn known(value: &Resolved<String>) -> &str {
    value
        .known()
        .map(String::as_str)
        .unwrap_or_else(|| panic!("unknown: {value:?}"))
}

fn env<'a>(facts: &'a StageFacts, name: &str) -> &'a Resolved<String> {
    &facts.env(name).unwrap_or_else(|| panic!("no {name}")).value.value
}

fn exec(words: &[&str]) -> Form {
    Form::Exec(words.iter().map(|w| w.to_string()).collect())
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn problems(text: &str) -> Vec<String> {
    parse(text).problems.into_iter().map(|p| p.message).collect()
}

const DJANGO_PROD: &str = r#"###########
# BUILDER #
###########

FROM python:3.12.4-slim-bookworm AS builder

WORKDIR /usr/src/app

ENV PYTHONDONTWRITEBYTECODE=1
ENV PYTHONUNBUFFERED=1

RUN apt-get update && \
    apt-get install -y --no-install-recommends gcc libpq-dev

COPY ./requirements.txt .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /usr/src/app/wheels -r requirements.txt

#########
# FINAL #
#########

FROM python:3.12.4-slim-bookworm

RUN mkdir -p /home/app && addgroup --system app && adduser --system --group app

ENV HOME=/home/app
ENV APP_HOME=$HOME/web
RUN mkdir $APP_HOME && mkdir $APP_HOME/staticfiles
WORKDIR $APP_HOME

RUN apt-get update && apt-get install -y --no-install-recommends netcat-openbsd
COPY --from=builder /usr/src/app/wheels /wheels
COPY --from=builder /usr/src/app/requirements.txt .
RUN pip install --upgrade pip && pip install --no-cache /wheels/*

COPY ./entrypoint.prod.sh .
RUN sed -i 's/\r$//g'  $APP_HOME/entrypoint.prod.sh && chmod +x  $APP_HOME/entrypoint.prod.sh

COPY . $APP_HOME

RUN chown -R app:app $APP_HOME

USER app

ENTRYPOINT ["/home/app/web/entrypoint.prod.sh"]
"#;

#[test]
fn django_builder_and_final_stage() {
    let dockerfile = clean(DJANGO_PROD);
    assert_eq!(dockerfile.stages.len(), 2);
    let builder = &dockerfile.stages[0];
    assert!(builder.is_named("BUILDER"));
    let Base::Image(image) = &builder.base else {
        panic!("{:?}", builder.base)
    };
    assert_eq!(image.repository(), "python");
    assert_eq!(image.tag(), Some("3.12.4-slim-bookworm"));
    assert_eq!(builder.facts.working_dir(), Some("/usr/src/app"));

    let apt = &dockerfile.instructions_of(builder)[4];
    assert_eq!(apt.line, 12);
    let commands = apt.run_commands();
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[1].program(), Some("apt-get"));
    assert!(commands[1].args().contains(&"-y".to_string()));
    assert_eq!(
        at(DJANGO_PROD, commands[1].span),
        "apt-get install -y --no-install-recommends gcc libpq-dev"
    );

    let last = dockerfile.final_stage().unwrap();
    assert_eq!(last.index, 1);
    assert!(last.name.is_none());
    let facts = &last.facts;
    assert_eq!(known(env(facts, "APP_HOME")), "/home/app/web");
    assert_eq!(facts.working_dir(), Some("/home/app/web"));
    assert_eq!(facts.user.as_ref().map(|u| known(u)), Some("app"));
    assert_eq!(facts.runs_as_root(), Some(false));
    let entrypoint = facts.entrypoint.as_ref().unwrap();
    assert_eq!(entrypoint.form, exec(&["/home/app/web/entrypoint.prod.sh"]));
    assert_eq!(facts.cmd, None);
    // ENTRYPOINT drops the base image's CMD: the process is known.
    assert_eq!(facts.process(), Some(strings(&["/home/app/web/entrypoint.prod.sh"])));
    assert!(facts.exposed.is_empty());
    assert!(facts.healthcheck.is_none());
    let destinations: Vec<&str> = facts.copies.iter().map(|c| known(&c.destination)).collect();
    assert_eq!(
        destinations,
        ["/wheels", "/home/app/web/", "/home/app/web/", "/home/app/web"]
    );
    assert_eq!(facts.copies[0].from.as_deref(), Some("builder"));

    // Spans render in the file: USER's value is on line 43, column 6.
    let file = SourceFile::new("Dockerfile", DJANGO_PROD);
    let user = facts.user.as_ref().unwrap();
    assert_eq!(file.line_col(user.span.start()), (43, 6));
    assert_eq!(
        at(DJANGO_PROD, entrypoint.span),
        "ENTRYPOINT [\"/home/app/web/entrypoint.prod.sh\"]"
    );
}

const COOKIECUTTER: &str = r#"# an alias for the Python version of every stage
FROM docker.io/python:3.12.7-slim-bookworm AS python

# Python build stage
FROM python AS python-build-stage

ARG BUILD_ENVIRONMENT=production

RUN apt-get update && apt-get install --no-install-recommends -y \
  # to build Python packages
  build-essential \
  # psycopg
  libpq-dev \
  && rm -rf /var/lib/apt/lists/*

COPY --from=ghcr.io/astral-sh/uv:0.5.4 /uv /uvx /bin/
COPY ./requirements .

RUN uv pip wheel --wheel-dir /usr/src/app/wheels \
  -r ${BUILD_ENVIRONMENT}.txt


# Python 'run' stage
FROM python AS python-run-stage

ARG BUILD_ENVIRONMENT=production
ARG APP_HOME=/app

ENV PYTHONUNBUFFERED=1
ENV PYTHONDONTWRITEBYTECODE=1
ENV BUILD_ENV=${BUILD_ENVIRONMENT}

WORKDIR ${APP_HOME}

RUN addgroup --system django \
    && adduser --system --ingroup django django

COPY --from=python-build-stage /usr/src/app/wheels  /wheels/

RUN pip install --no-cache-dir --no-index --find-links=/wheels/ /wheels/* \
  && rm -rf /wheels/

COPY --chown=django:django ./compose/production/django/entrypoint /entrypoint
RUN sed -i 's/\r$//g' /entrypoint && chmod +x /entrypoint

COPY --chown=django:django . ${APP_HOME}

USER django

ENTRYPOINT ["/entrypoint"]
"#;

#[test]
fn cookiecutter_stages_from_an_alias_stage() {
    let dockerfile = clean(COOKIECUTTER);
    let names: Vec<&str> = dockerfile
        .stages
        .iter()
        .map(|s| s.name.as_ref().unwrap().as_str())
        .collect();
    assert_eq!(names, ["python", "python-build-stage", "python-run-stage"]);
    assert!(matches!(dockerfile.stages[1].base, Base::Stage(0)));
    assert!(matches!(dockerfile.stages[2].base, Base::Stage(0)));
    assert_eq!(dockerfile.stage(Some("Python-Build-Stage")).map(|s| s.index), Some(1));
    assert!(dockerfile.stage(Some("nope")).is_none());

    // Comment lines inside the continuation are not part of the command.
    let build = dockerfile.stage(Some("python-build-stage")).unwrap();
    let apt = &dockerfile.instructions_of(build)[2];
    let text = apt.args.text().unwrap();
    assert!(
        !text.contains('#') && text.contains("build-essential") && text.contains("libpq-dev"),
        "{text}"
    );
    let install = &apt.run_commands()[1];
    assert_eq!(
        install.args(),
        strings(&[
            "install",
            "--no-install-recommends",
            "-y",
            "build-essential",
            "libpq-dev"
        ])
    );

    let run = dockerfile.final_stage().unwrap();
    let facts = &run.facts;
    assert_eq!(known(env(facts, "BUILD_ENV")), "production");
    assert_eq!(facts.working_dir(), Some("/app"));
    assert_eq!(facts.runs_as_root(), Some(false));
    assert_eq!(
        facts.args.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["BUILD_ENVIRONMENT", "APP_HOME"]
    );
    let copies: Vec<(&str, Option<&str>)> = facts
        .copies
        .iter()
        .map(|c| (known(&c.destination), c.chown.as_deref()))
        .collect();
    assert_eq!(
        copies,
        [
            ("/wheels/", None),
            ("/entrypoint", Some("django:django")),
            ("/app", Some("django:django"))
        ]
    );
    assert_eq!(facts.process(), Some(strings(&["/entrypoint"])));
}

const UV_FASTAPI: &str = r#"# syntax=docker/dockerfile:1.9
FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim AS builder
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-install-project --no-dev
COPY . /app
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

FROM python:3.12-slim-bookworm
RUN groupadd --system --gid 999 nonroot \
 && useradd --system --gid 999 --uid 999 --create-home nonroot
COPY --from=builder --chown=nonroot:nonroot /app /app
ENV PATH="/app/.venv/bin:$PATH"
USER nonroot
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')" || exit 1
CMD ["fastapi", "run", "--host", "0.0.0.0", "--port", "8000", "src/app/main.py"]
"#;

#[test]
fn uv_fastapi_with_cache_mounts_and_a_healthcheck() {
    let dockerfile = clean(UV_FASTAPI);
    assert_eq!(dockerfile.directives.len(), 1);
    assert_eq!(dockerfile.directives[0].name, "syntax");
    assert_eq!(dockerfile.directives[0].value, "docker/dockerfile:1.9");

    let builder = &dockerfile.stages[0];
    let names: Vec<&str> = builder.facts.env.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["UV_COMPILE_BYTECODE", "UV_LINK_MODE", "UV_PYTHON_DOWNLOADS"]);
    assert_eq!(at(UV_FASTAPI, builder.facts.env[1].value.span), "copy");
    let sync = &dockerfile.instructions[3];
    let mounts: Vec<&Flag> = sync.flags_named("mount").collect();
    assert_eq!(mounts.len(), 3);
    assert_eq!(
        mounts[0].options().collect::<Vec<_>>(),
        [("type", Some("cache")), ("target", Some("/root/.cache/uv"))]
    );
    assert_eq!(
        at(UV_FASTAPI, mounts[2].span),
        "--mount=type=bind,source=pyproject.toml,target=pyproject.toml"
    );
    let commands = sync.run_commands();
    assert_eq!(commands.len(), 1);
    assert_eq!(
        commands[0].words,
        strings(&["uv", "sync", "--frozen", "--no-install-project", "--no-dev"])
    );
    assert_eq!(
        at(UV_FASTAPI, commands[0].span),
        "uv sync --frozen --no-install-project --no-dev"
    );

    let facts = &dockerfile.final_stage().unwrap().facts;
    // PATH extends the base image's PATH, which this file does not show.
    assert_eq!(
        env(facts, "PATH"),
        &Resolved::Unknown("\"/app/.venv/bin:$PATH\"".into())
    );
    assert_eq!(facts.runs_as_root(), Some(false));
    assert_eq!(facts.working_dir(), Some("/app"));
    let ports: Vec<_> = facts.exposed.iter().map(|p| p.value.clone()).collect();
    assert_eq!(
        ports,
        [Resolved::Known(ExposedPort {
            first: 8000,
            last: 8000,
            protocol: Protocol::Tcp
        })]
    );
    let check = facts.healthcheck.as_ref().unwrap();
    let Some(Command {
        form: Form::Shell(test),
        ..
    }) = &check.command
    else {
        panic!("{check:?}")
    };
    assert!(
        test.starts_with("python -c \"import urllib.request;") && test.ends_with("|| exit 1"),
        "{test}"
    );
    let options = &check.options;
    let ms = |d: &Option<Spanned<crate::ir::Duration>>| d.as_ref().map(|d| d.value.0);
    assert_eq!(
        (ms(&options.interval), ms(&options.timeout), ms(&options.start_period)),
        (Some(30_000), Some(5_000), Some(10_000))
    );
    assert_eq!(options.retries.as_ref().map(|r| r.value), Some(3));
    assert_eq!(
        facts.cmd.as_ref().unwrap().form,
        exec(&[
            "fastapi",
            "run",
            "--host",
            "0.0.0.0",
            "--port",
            "8000",
            "src/app/main.py"
        ])
    );
    // The base image's ENTRYPOINT may run before CMD.
    assert_eq!(facts.process(), None);
}

const GO_SERVICE: &str = r#"# syntax=docker/dockerfile:1.4
FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS builder

WORKDIR /code

ENV CGO_ENABLED 0
ENV GOPATH /go
ENV GOCACHE /go-build

COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod/cache \
    go mod download

COPY . .

RUN --mount=type=cache,target=/go/pkg/mod/cache \
    --mount=type=cache,target=/go-build \
    go build -o bin/backend main.go

CMD ["/code/bin/backend"]

FROM builder AS dev-envs

RUN <<EOF
apk update
apk add git
EOF

RUN <<EOF
addgroup -S docker
adduser -S --shell /bin/bash --ingroup docker vscode
EOF

# Docker tools
COPY --from=gloursdocker/docker / /

CMD ["go", "run", "main.go"]

FROM scratch
COPY --from=builder /code/bin/backend /usr/local/bin/backend
USER 65532:65532
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/backend"]
"#;

#[test]
fn go_builder_dev_envs_and_scratch() {
    let dockerfile = clean(GO_SERVICE);
    let builder = &dockerfile.stages[0];
    assert_eq!(builder.platform.as_ref().map(|p| p.as_str()), Some("$BUILDPLATFORM"));
    assert_eq!(known(env(&builder.facts, "CGO_ENABLED")), "0");
    assert_eq!(known(env(&builder.facts, "GOPATH")), "/go");

    let dev = dockerfile.stage(Some("dev-envs")).unwrap();
    assert!(matches!(dev.base, Base::Stage(0)));
    assert_eq!(dev.facts.working_dir(), Some("/code"), "inherited");
    assert_eq!(known(env(&dev.facts, "GOCACHE")), "/go-build", "inherited");
    assert_eq!(dev.facts.cmd.as_ref().unwrap().form, exec(&["go", "run", "main.go"]));
    let first_heredoc = &dockerfile.instructions_of(dev)[1];
    assert_eq!(first_heredoc.heredocs.len(), 1);
    assert_eq!(first_heredoc.heredocs[0].body, "apk update\napk add git\n");
    let commands: Vec<&str> = first_heredoc
        .run_commands()
        .iter()
        .map(|c| at(GO_SERVICE, c.span))
        .collect();
    assert_eq!(commands, ["apk update", "apk add git"]);
    assert_eq!(
        at(GO_SERVICE, first_heredoc.span),
        "RUN <<EOF\napk update\napk add git\nEOF"
    );

    let last = dockerfile.final_stage().unwrap();
    assert!(matches!(last.base, Base::Scratch));
    let facts = &last.facts;
    assert!(facts.from_scratch);
    assert_eq!(facts.working_dir(), Some("/"));
    assert_eq!(facts.runs_as_root(), Some(false));
    assert_eq!(facts.process(), Some(strings(&["/usr/local/bin/backend"])));
    assert_eq!(facts.copies[0].from.as_deref(), Some("builder"));
}

const NODE_TARGETS: &str = r#"# syntax=docker/dockerfile:1.4
FROM node:lts AS development

WORKDIR /usr/src/app

COPY package.json package-lock.json ./
RUN npm ci

COPY . .

ENV PORT=3000
EXPOSE $PORT

CMD [ "npm", "start" ]

FROM development AS dev-envs
RUN <<EOF
apt-get update
apt-get install -y --no-install-recommends git
EOF
ENTRYPOINT ["docker-entrypoint.sh"]

FROM development AS build
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /usr/src/app/build /usr/share/nginx/html
"#;

#[test]
fn node_targets_inherit_and_entrypoint_resets_the_inherited_cmd() {
    let dockerfile = clean(NODE_TARGETS);
    let development = dockerfile.stage(Some("DEVELOPMENT")).unwrap();
    assert_eq!(development.facts.exposed[0].value.known().map(|p| p.first), Some(3000));
    assert_eq!(at(NODE_TARGETS, development.facts.exposed[0].span), "$PORT");

    let build = dockerfile.stage(Some("build")).unwrap();
    assert_eq!(build.facts.cmd.as_ref().unwrap().form, exec(&["npm", "start"]));
    assert_eq!(build.facts.exposed.len(), 1);

    let dev = dockerfile.stage(Some("dev-envs")).unwrap();
    assert_eq!(
        dev.facts.cmd, None,
        "ENTRYPOINT drops the CMD inherited from `development`"
    );
    assert_eq!(
        dev.facts.entrypoint.as_ref().unwrap().form,
        exec(&["docker-entrypoint.sh"])
    );

    let last = dockerfile.final_stage().unwrap();
    assert!(last.name.is_none());
    assert_eq!(last.facts.runs_as_root(), None, "nginx's own USER is not known here");
    assert_eq!(last.facts.working_dir(), None);
    assert_eq!(dockerfile.stage(None).map(|s| s.index), Some(3));
}

const WINDOWS: &str = "# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL [\"powershell\", \"-Command\", \"$ErrorActionPreference = 'Stop';\"]
ENV APP_HOME=C:\\app
WORKDIR C:\\app
RUN New-Item -ItemType Directory -Force -Path C:\\data ; `
    Write-Host 'ready'
COPY app\\ C:\\app\\
EXPOSE 8080
USER ContainerUser
CMD [\"C:\\\\app\\\\server.exe\"]
";

#[test]
fn windows_file_with_a_backtick_escape() {
    let dockerfile = clean(WINDOWS);
    assert_eq!(dockerfile.escape, '`');
    let facts = &dockerfile.final_stage().unwrap().facts;
    assert_eq!(
        known(env(facts, "APP_HOME")),
        "C:\\app",
        "a backslash is a plain character"
    );
    assert_eq!(facts.working_dir(), Some("C:\\app"));
    assert_eq!(
        facts.shell.as_ref().map(|s| s.value.clone()),
        Some(strings(&["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]))
    );
    let run = &dockerfile.instructions[4];
    assert_eq!(
        run.args.text(),
        Some("New-Item -ItemType Directory -Force -Path C:\\data ;     Write-Host 'ready'")
    );
    assert_eq!(known(&facts.copies[0].destination), "C:\\app\\");
    assert_eq!(facts.runs_as_root(), Some(false));
    assert_eq!(facts.cmd.as_ref().unwrap().form, exec(&["C:\\app\\server.exe"]));
    assert_eq!(
        facts.process(),
        None,
        "a Windows base image's ENTRYPOINT is unknown too"
    );
}

const HEREDOCS: &str = "FROM debian:bookworm-slim
RUN <<-EOT bash
\tset -eux
\tapt-get update
\tapt-get install -y --no-install-recommends curl
\tEOT
COPY <<EOF /etc/app/app.conf
listen = 8000
EOF
COPY <<\"robots.txt\" <<humans.txt /usr/share/www/
User-agent: *
robots.txt
Team: us
humans.txt
RUN python3 <<'PY' > /tmp/out
print(\"$HOME\")
PY
RUN echo \"<<NOT\" && echo done
";

#[test]
fn heredocs_are_kept_as_bodies() {
    let dockerfile = clean(HEREDOCS);
    let keywords: Vec<&str> = dockerfile.instructions.iter().map(|i| i.keyword.as_str()).collect();
    assert_eq!(keywords, ["FROM", "RUN", "COPY", "COPY", "RUN", "RUN"]);

    let bash = &dockerfile.instructions[1];
    let heredoc = &bash.heredocs[0];
    assert_eq!(
        (heredoc.name.as_str(), heredoc.chomp, heredoc.expand),
        ("EOT", true, true)
    );
    assert_eq!(
        heredoc.content(),
        "set -eux\napt-get update\napt-get install -y --no-install-recommends curl\n"
    );
    // The marker is a redirection: `bash` is the program, and its body
    // is the script.
    let commands = bash.run_commands();
    let programs: Vec<Option<&str>> = commands.iter().map(SimpleCommand::program).collect();
    assert_eq!(programs, [Some("bash"), Some("set"), Some("apt-get"), Some("apt-get")]);
    assert_eq!(at(HEREDOCS, commands[0].span), "<<-EOT bash");
    assert_eq!(
        at(HEREDOCS, commands[3].span),
        "apt-get install -y --no-install-recommends curl"
    );

    let conf = &dockerfile.instructions[2];
    assert_eq!(conf.heredocs[0].body, "listen = 8000\n");
    assert_eq!(at(HEREDOCS, conf.heredocs[0].marker.span), "<<EOF");
    let facts = &dockerfile.final_stage().unwrap().facts;
    assert_eq!(known(&facts.copies[0].destination), "/etc/app/app.conf");

    let pair = &dockerfile.instructions[3];
    let names: Vec<(&str, bool)> = pair.heredocs.iter().map(|h| (h.name.as_str(), h.expand)).collect();
    assert_eq!(names, [("robots.txt", false), ("humans.txt", true)]);
    assert_eq!(pair.heredocs[1].body, "Team: us\n");

    // A heredoc fed to python is not a shell script.
    let python = &dockerfile.instructions[4];
    assert_eq!(python.heredocs[0].body, "print(\"$HOME\")\n");
    assert_eq!(python.run_commands().len(), 1);
    assert_eq!(python.line, 15);

    // `<<` inside quotes is no heredoc.
    assert!(dockerfile.instructions[5].heredocs.is_empty());
}

#[test]
fn an_unterminated_heredoc_is_a_problem_and_takes_the_rest() {
    let text = "FROM alpine\nRUN <<EOF\necho hi\n";
    let dockerfile = parse(text);
    assert_eq!(dockerfile.problems.len(), 1);
    assert_eq!(at(text, dockerfile.problems[0].span), "<<EOF");
    assert_eq!(dockerfile.instructions[1].heredocs[0].body, "echo hi\n");
    // Exec form has no heredocs.
    let json = clean("FROM alpine\nRUN [\"<<EOF\"]\nUSER app\n");
    assert!(json.instructions[1].heredocs.is_empty());
    assert_eq!(json.instructions.len(), 3);
}

const SUBSTITUTION: &str = r#"ARG PYTHON_VERSION=3.12
ARG VARIANT
FROM python:${PYTHON_VERSION}-slim AS base
ARG PYTHON_VERSION
ARG APP_USER
ARG APP_HOME=/srv/app
ENV HOME=${APP_HOME:-/home/app} \
    GREETING="hello world" \
    PRICE=\$5 \
    MODE=${DEBUG:+debug}
USER ${APP_USER}
WORKDIR ${APP_HOME}
WORKDIR src

FROM ${VARIANT:-python}:3.12 AS other

FROM scratch AS minimal
ENV A=1
ENV A=2 B=$A
EXPOSE ${PORT:-8000} ${PORT:+9000}
USER ${APP_USER:-nobody}
"#;

#[test]
fn variables_resolve_from_args_and_env_or_stay_unknown() {
    let dockerfile = clean(SUBSTITUTION);
    let global: Vec<(&str, Option<&String>)> = dockerfile
        .global_args
        .iter()
        .map(|a| (a.name.as_str(), a.value.known()))
        .collect();
    assert_eq!(
        global,
        [("PYTHON_VERSION", Some(&"3.12".to_string())), ("VARIANT", None)]
    );

    let base = &dockerfile.stages[0];
    let Base::Image(image) = &base.base else {
        panic!("{:?}", base.base)
    };
    assert_eq!(image.text.as_str(), "python:3.12-slim");
    assert_eq!(at(SUBSTITUTION, image.text.span), "python:${PYTHON_VERSION}-slim");
    let facts = &base.facts;
    assert_eq!(
        known(&facts.args[0].value),
        "3.12",
        "an ARG without default takes the global one"
    );
    assert_eq!(facts.args[1].value, Resolved::Unknown("APP_USER".into()));
    assert_eq!(known(env(facts, "HOME")), "/srv/app");
    assert_eq!(known(env(facts, "GREETING")), "hello world");
    assert_eq!(known(env(facts, "PRICE")), "$5");
    assert_eq!(
        env(facts, "MODE"),
        &Resolved::Unknown("${DEBUG:+debug}".into()),
        "the image may set DEBUG"
    );
    assert_eq!(
        facts.user.as_ref().unwrap().value,
        Resolved::Unknown("${APP_USER}".into())
    );
    assert_eq!(facts.runs_as_root(), None);
    assert_eq!(facts.working_dir(), Some("/srv/app/src"));

    assert!(matches!(&dockerfile.stages[1].base, Base::Unknown(text) if text.as_str() == "${VARIANT:-python}:3.12"));

    let minimal = dockerfile.stage(Some("minimal")).unwrap();
    assert_eq!(
        known(env(&minimal.facts, "B")),
        "1",
        "ENV expands with the env before it"
    );
    assert_eq!(known(env(&minimal.facts, "A")), "2");
    let ports: Vec<Option<u16>> = minimal
        .facts
        .exposed
        .iter()
        .map(|p| p.known().map(|p| p.first))
        .collect();
    assert_eq!(ports, [Some(8000)], "`${{PORT:+9000}}` is empty from scratch");
    assert_eq!(minimal.facts.user.as_ref().map(|u| known(u)), Some("nobody"));
    assert_eq!(minimal.facts.runs_as_root(), Some(false));
}

#[test]
fn build_arguments_replace_defaults() {
    let args = [
        ("APP_USER", "app"),
        ("PYTHON_VERSION", "3.13"),
        ("VARIANT", "pypy"),
        ("APP_HOME", "/opt/site"),
    ];
    let dockerfile = parse_with_args(SUBSTITUTION, args);
    assert_eq!(dockerfile.problems, []);
    let Base::Image(image) = &dockerfile.stages[0].base else {
        panic!("{:?}", dockerfile.stages[0].base)
    };
    assert_eq!(image.text.as_str(), "python:3.13-slim");
    let facts = &dockerfile.stages[0].facts;
    assert_eq!(facts.user.as_ref().map(|u| known(u)), Some("app"));
    assert_eq!(facts.runs_as_root(), Some(false));
    assert_eq!(facts.working_dir(), Some("/opt/site/src"));
    let Base::Image(other) = &dockerfile.stages[1].base else {
        panic!("{:?}", dockerfile.stages[1].base)
    };
    assert_eq!(other.text.as_str(), "pypy:3.12");
    // An ARG the stage does not declare is not set by a build argument.
    let minimal = &dockerfile.stage(Some("minimal")).unwrap().facts;
    assert_eq!(minimal.user.as_ref().map(|u| known(u)), Some("nobody"));
}

#[test]
fn continuations_keep_spans_through_comments_blank_lines_and_trailing_spaces() {
    let text = "FROM alpine\nRUN apk add \\   \n# a comment\n\n    curl \\\n  \t\n    jq\nUSER 1000\n";
    let dockerfile = clean(text);
    let run = &dockerfile.instructions[1];
    assert_eq!(run.args.text(), Some("apk add     curl     jq"));
    assert_eq!(
        at(text, run.span),
        "RUN apk add \\   \n# a comment\n\n    curl \\\n  \t\n    jq"
    );
    let words = run.words();
    assert_eq!(at(text, words[2].span), "curl");
    assert_eq!(at(text, words[3].span), "jq");
    assert_eq!(dockerfile.instructions[2].line, 8);
    assert_eq!(dockerfile.comments.len(), 1);
    assert_eq!(dockerfile.comments[0].value, "a comment");
    // A word joined across lines maps back to both parts.
    let joined = clean("FROM alpine\nENV A=ab\\\ncd\n");
    let value = &joined.final_stage().unwrap().facts.env[0].value;
    assert_eq!(known(value), "abcd");
    assert_eq!(at("FROM alpine\nENV A=ab\\\ncd\n", value.span), "ab\\\ncd");
}

#[test]
fn directives_only_at_the_very_top() {
    let dockerfile =
        clean("# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\n\n# escape=`\nFROM alpine\n");
    let names: Vec<&str> = dockerfile.directives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["syntax", "check"]);
    assert_eq!(dockerfile.escape, '\\');
    assert_eq!(dockerfile.comments[0].value, "escape=`");

    assert_eq!(
        problems("# escape=`\n# ESCAPE=\\\nFROM alpine\n"),
        ["only one `escape` parser directive can be used"]
    );
    assert_eq!(
        problems("# escape=x\nFROM alpine\n"),
        ["the escape character must be `\\` or a backtick, not `x`"]
    );
}

#[test]
fn exec_form_only_for_a_json_array_of_strings() {
    let text = "FROM alpine\nENTRYPOINT [ \"/entrypoint.sh\" , \"--a\\u00e9\\\"\" ]\nCMD [gunicorn]\nCMD [\"a\"] b\nHEALTHCHECK CMD [\"curl\", \"-f\", \"http://localhost/\"]\n";
    let dockerfile = clean(text);
    let entrypoint = &dockerfile.instructions[1];
    let Args::Json { words, .. } = &entrypoint.args else {
        panic!("{:?}", entrypoint.args)
    };
    assert_eq!(words[1].value, "--aé\"");
    assert_eq!(at(text, words[0].span), "\"/entrypoint.sh\"");
    assert_eq!(dockerfile.instructions[2].args.text(), Some("[gunicorn]"));
    let facts = &dockerfile.final_stage().unwrap().facts;
    assert_eq!(facts.cmd.as_ref().unwrap().form, Form::Shell("[\"a\"] b".into()));
    assert_eq!(
        facts.healthcheck.as_ref().unwrap().command.as_ref().unwrap().form,
        exec(&["curl", "-f", "http://localhost/"])
    );
    // Shell-form ENTRYPOINT ignores CMD; shell-form CMD runs in the SHELL.
    let shell = clean("FROM scratch\nSHELL [\"/bin/bash\", \"-c\"]\nCMD exec gunicorn app\n");
    assert_eq!(
        shell.stages[0].facts.process(),
        Some(strings(&["/bin/bash", "-c", "exec gunicorn app"]))
    );
    let ignored = clean("FROM scratch\nENTRYPOINT exec gunicorn app\nCMD [\"--workers\", \"2\"]\n");
    assert_eq!(
        ignored.stages[0].facts.process(),
        Some(strings(&["/bin/sh", "-c", "exec gunicorn app"]))
    );

    assert_eq!(
        problems("FROM alpine\nCMD [\"gunicorn\", 1]\n"),
        ["a JSON array here must hold strings only; BuildKit refuses anything else"]
    );
}

#[test]
fn flags_come_before_arguments() {
    let text = "FROM alpine\nCOPY --from=builder --chown=app:app --chmod=0755 --link src/ /app/\nRUN --network=none --security=insecure -- --not-a-flag\nADD --checksum=sha256:abc --keep-git-dir=true https://example.com/x.tgz /x\n";
    let dockerfile = clean(text);
    let copy = &dockerfile.instructions[1];
    let flags: Vec<(&str, Option<&str>)> = copy
        .flags
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_deref()))
        .collect();
    assert_eq!(
        flags,
        [
            ("from", Some("builder")),
            ("chown", Some("app:app")),
            ("chmod", Some("0755")),
            ("link", None)
        ]
    );
    assert_eq!(copy.flag("chmod").map(|f| at(text, f.span)), Some("--chmod=0755"));
    assert_eq!(dockerfile.instructions[2].args.text(), Some("--not-a-flag"));
    assert_eq!(dockerfile.instructions[3].flags.len(), 2);

    assert_eq!(
        problems("FROM alpine\nCOPY --from src dst\nRUN --foo=1 x\nCOPY --link=maybe a b\nRUN --=x y\n"),
        [
            "`--from` needs a value: `--from=...`",
            "`--foo` is not a flag of RUN",
            "`--link` is `true` or `false`, not `maybe`",
            "`--=x` is a flag with no name",
        ]
    );
}

#[test]
fn healthcheck_none_turns_off_the_inherited_check() {
    let text = "FROM alpine AS base\nHEALTHCHECK --interval=1m30s CMD wget -qO- http://localhost:8000/ || exit 1\nFROM base AS quiet\nHEALTHCHECK none\nFROM base\n";
    let dockerfile = clean(text);
    let base = &dockerfile.stages[0].facts;
    let interval = base.healthcheck.as_ref().unwrap().options.interval.as_ref().unwrap();
    assert_eq!(interval.value.0, 90_000);
    assert_eq!(at(text, interval.span), "--interval=1m30s");
    let quiet = &dockerfile.stages[1].facts;
    assert_eq!(quiet.healthcheck.as_ref().map(|h| h.command.is_none()), Some(true));
    let last = &dockerfile.final_stage().unwrap().facts;
    assert!(last.healthcheck.as_ref().unwrap().command.is_some(), "inherited");

    assert_eq!(
        problems("FROM alpine\nHEALTHCHECK --timeout=soon CMD true\nHEALTHCHECK CURL x\nHEALTHCHECK NONE x\nHEALTHCHECK CMD\n"),
        [
            "`soon` is not a duration: write `30s`, `1m30s` or `500ms`",
            "HEALTHCHECK takes CMD or NONE, not `CURL`",
            "HEALTHCHECK NONE takes no arguments",
            "HEALTHCHECK CMD needs a command",
        ]
    );
}

#[test]
fn workdir_joins_the_previous_one() {
    let dockerfile = clean("FROM scratch\nWORKDIR app\nWORKDIR ../srv/./x/\nFROM alpine\nWORKDIR app\n");
    let scratch = &dockerfile.stages[0].facts;
    assert_eq!(scratch.working_dir(), Some("/srv/x"));
    let alpine = &dockerfile.stages[1].facts;
    assert_eq!(
        alpine.workdir.as_ref().unwrap().value,
        Resolved::Unknown("app".into()),
        "alpine may set one"
    );
    assert_eq!(alpine.working_dir(), None);
}

#[test]
fn who_runs_as_root() {
    let text = [
        "FROM alpine AS a\nUSER 0",
        "FROM alpine AS b\nUSER root:root",
        "FROM alpine AS c\nUSER +0",
        "FROM alpine AS d\nUSER 00:1000",
        "FROM alpine AS e\nUSER 1000",
        "FROM scratch AS f",
        "FROM alpine AS g",
        "FROM a AS h",
        "FROM e AS i\nUSER $NOBODY",
    ]
    .join("\n");
    let dockerfile = clean(&text);
    let root: Vec<Option<bool>> = dockerfile.stages.iter().map(|s| s.facts.runs_as_root()).collect();
    assert_eq!(
        root,
        [
            Some(true),
            Some(true),
            Some(true),
            Some(true),
            Some(false),
            Some(true),
            None,
            Some(true),
            None
        ]
    );
}

#[test]
fn problems_have_spans() {
    let text = "RUN early\nFROM alpine AS Bad!\nRUNN x\nENV NAME\nENV A=1 B\nCOPY onlyone\nFROM alpine AS bad!\nEXPOSE 80/icmp\nSHELL /bin/bash\nUSER ${x\nONBUILD ONBUILD RUN x\nONBUILD FROM x\nFROM a b\n\\\n";
    let found: Vec<(String, &str)> = parse(text)
        .problems
        .iter()
        .map(|p| (p.message.clone(), at(text, p.span)))
        .collect();
    let expected = [
        ("RUN before the first FROM: only ARG may come before it", "RUN early"),
        (
            "`Bad!` is not a stage name: a letter, then letters, digits, `-`, `_` or `.`",
            "Bad!",
        ),
        ("`RUNN` is not a Dockerfile instruction", "RUNN"),
        ("ENV NAME VALUE needs a value", "NAME"),
        ("`B` has no `=`: write NAME=VALUE", "B"),
        ("COPY needs a source and a destination", "onlyone"),
        (
            "`bad!` is not a stage name: a letter, then letters, digits, `-`, `_` or `.`",
            "bad!",
        ),
        ("a stage named `bad!` comes earlier", "bad!"),
        (
            "`80/icmp` is not a port: write `8000`, `8000/udp` or `8000-8010`",
            "80/icmp",
        ),
        ("SHELL takes a JSON array, e.g. [\"/bin/bash\", \"-c\"]", "/bin/bash"),
        ("`}` is missing", "${x"),
        ("ONBUILD cannot trigger another ONBUILD", "ONBUILD RUN x"),
        ("ONBUILD cannot trigger FROM", "FROM"),
        ("FROM takes an image and an optional `AS name`", "a b"),
        ("an empty instruction", "\\"),
    ];
    let expected: Vec<(String, &str)> = expected.iter().map(|(m, s)| (m.to_string(), *s)).collect();
    assert_eq!(found, expected);
    assert_eq!(
        problems("ARG ONLY=1\n"),
        ["no FROM: a Dockerfile's first stage starts with FROM"]
    );
    assert_eq!(problems(""), ["no FROM: a Dockerfile's first stage starts with FROM"]);
}

#[test]
fn onbuild_triggers_are_recorded_not_run() {
    let text = "FROM python:3.12-slim\nONBUILD COPY <<EOF /app/marker\nbuilt\nEOF\nONBUILD RUN pip install -r requirements.txt\n";
    let dockerfile = clean(text);
    let copy = dockerfile.instructions[1].trigger.as_deref().unwrap();
    assert_eq!(copy.keyword, Keyword::Copy);
    assert_eq!(copy.heredocs[0].body, "built\n");
    let run = dockerfile.instructions[2].trigger.as_deref().unwrap();
    assert_eq!(run.run_commands()[0].program(), Some("pip"));
    assert!(dockerfile.stages[0].facts.copies.is_empty());
}

#[test]
fn one_instruction_as_the_spec_writes_it() {
    let (run, found) = parse_instruction("RUN apt-get install -y curl");
    assert_eq!(found, []);
    let run = run.unwrap();
    assert_eq!(run.keyword, Keyword::Run);
    assert_eq!(
        run.run_commands()[0].words,
        strings(&["apt-get", "install", "-y", "curl"])
    );

    let (run, _) = parse_instruction("run --mount=type=cache,target=/root/.cache pip install -r req.txt");
    let run = run.unwrap();
    assert_eq!(run.keyword_span, Span::new(0, 3));
    assert_eq!(run.flags[0].name, "mount");
    assert_eq!(run.args.text(), Some("pip install -r req.txt"));

    let (heredoc, found) = parse_instruction("RUN <<EOF\necho hi\nEOF");
    assert_eq!(found, []);
    assert_eq!(heredoc.unwrap().heredocs[0].body, "echo hi\n");

    let (_, found) = parse_instruction("USER app\nUSER root");
    assert_eq!(
        found.iter().map(|p| p.message.as_str()).collect::<Vec<_>>(),
        ["one instruction expected, found more"]
    );
    let (none, found) = parse_instruction("  ");
    assert!(none.is_none());
    assert_eq!(found.len(), 1);
    let (_, found) = parse_instruction("# escape=`");
    assert_eq!(found.len(), 1, "a spec line has no directives");
}

#[test]
fn crlf_bom_json_copy_volume_and_stopsignal() {
    let text = "\u{feff}# escape=`\r\nFROM scratch AS base\r\nENV A=1 B=2\r\nCOPY [\"my app\", \"/srv/my app/\"]\r\nVOLUME [\"/data\", \"/logs\"]\r\nVOLUME /cache `\r\n  /tmp\r\nSTOPSIGNAL SIGINT\r\nFROM base\r\nENV A=3\r\n";
    let dockerfile = clean(text);
    assert_eq!(dockerfile.escape, '`');
    let facts = &dockerfile.stages[0].facts;
    assert_eq!(known(&facts.copies[0].destination), "/srv/my app/");
    assert_eq!(facts.copies[0].sources[0].value, "my app");
    let volumes: Vec<&str> = facts.volumes.iter().map(|v| known(v)).collect();
    assert_eq!(volumes, ["/data", "/logs", "/cache", "/tmp"]);
    assert_eq!(facts.stop_signal.as_ref().map(|s| known(s)), Some("SIGINT"));
    assert_eq!(at(text, dockerfile.instructions[0].span), "FROM scratch AS base");
    // An inherited variable set again keeps its place.
    let child: Vec<(&str, &str)> = dockerfile.stages[1]
        .facts
        .env
        .iter()
        .map(|v| (v.name.as_str(), known(&v.value.value)))
        .collect();
    assert_eq!(child, [("A", "3"), ("B", "2")]);
}

#[test]
fn keywords_in_any_case() {
    assert_eq!(Keyword::parse("healthCheck"), Keyword::Healthcheck);
    assert_eq!(Keyword::parse("Run").to_string(), "RUN");
    assert_eq!(Keyword::parse("Runn"), Keyword::Other("Runn".into()));
    assert_eq!(Keyword::parse("Runn").as_str(), "Runn");
    let dockerfile = clean("from alpine as Base\nuser nobody\n");
    assert!(dockerfile.stage(Some("base")).is_some());
}

/// Every span of a parse is inside the text, on character boundaries.
fn assert_spans_inside(text: &str, dockerfile: &Dockerfile) {
    let check = |span: Span, what: &str| {
        assert!(
            span.start() <= span.end()
                && span.end() <= text.len()
                && text.is_char_boundary(span.start())
                && text.is_char_boundary(span.end()),
            "{what} {span:?} outside {} bytes: {text:?}",
            text.len()
        );
    };
    let check_instruction = |i: &Instruction| {
        check(i.span, "instruction");
        check(i.keyword_span, "keyword");
        check(i.args.span(), "args");
        i.flags.iter().for_each(|f| check(f.span, "flag"));
        i.words().iter().for_each(|w| check(w.span, "word"));
        i.heredocs.iter().for_each(|h| {
            check(h.marker.span, "marker");
            check(h.body_span, "body");
        });
        i.run_commands().iter().for_each(|c| check(c.span, "command"));
    };
    for instruction in &dockerfile.instructions {
        check_instruction(instruction);
        if let Some(trigger) = &instruction.trigger {
            check_instruction(trigger);
        }
    }
    dockerfile.problems.iter().for_each(|p| check(p.span, "problem"));
    dockerfile.comments.iter().for_each(|c| check(c.span, "comment"));
    dockerfile.directives.iter().for_each(|d| check(d.span, "directive"));
    for stage in &dockerfile.stages {
        let facts = &stage.facts;
        check(stage.from_span, "from");
        facts.env.iter().for_each(|v| {
            check(v.name.span, "env name");
            check(v.value.span, "env value");
        });
        facts.args.iter().for_each(|a| check(a.name.span, "arg"));
        facts.exposed.iter().for_each(|p| check(p.span, "port"));
        facts
            .copies
            .iter()
            .for_each(|c| check(c.destination.span, "destination"));
        facts
            .user
            .iter()
            .chain(&facts.workdir)
            .for_each(|v| check(v.span, "user/workdir"));
        let _ = (facts.runs_as_root(), facts.process(), facts.working_dir());
    }
}

#[test]
fn the_realistic_files_have_spans_inside() {
    for text in [
        DJANGO_PROD,
        COOKIECUTTER,
        UV_FASTAPI,
        GO_SERVICE,
        NODE_TARGETS,
        WINDOWS,
        HEREDOCS,
        SUBSTITUTION,
    ] {
        assert_spans_inside(text, &parse(text));
    }
}

/// Pieces of Dockerfiles and of what breaks them, for generated inputs.
#[rustfmt::skip]
const FRAGMENTS: &[&str] = &[
    "FROM ", "RUN ", "CMD ", "ENTRYPOINT ", "ENV ", "ARG ", "USER ", "WORKDIR ", "EXPOSE ", "COPY ", "ADD ",
    "HEALTHCHECK ", "ONBUILD ", "SHELL ", "VOLUME ", "STOPSIGNAL ", "LABEL ", "scratch", " AS ", "a", "b=c",
    "\\\n", "\\ \n", "`\n", "\n", "\r\n", " ", "\t", "# escape=`\n", "# syntax=x\n", "#", "<<EOF", "<<-\"E\"",
    "\nEOF\n", "\n\tE\n", "${", "}", "$", ":-", ":+", "?", "\"", "'", "[", "]", "\"x\",", "[\"a\", 1]",
    "--mount=type=cache,target=/x ", "--from=", "--interval=", "30s", "NONE", "CMD", "0", "root", "8000-80/udp",
    "é", "\u{feff}", "\u{85}", "--", "=", "&&", "|", ";", "$(", ")", "2>&1",
];

/// A small deterministic generator: no dependency, same inputs each run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as usize
    }
}

#[test]
fn generated_inputs_never_panic_and_keep_spans_inside() {
    let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
    let realistic = [
        DJANGO_PROD,
        COOKIECUTTER,
        UV_FASTAPI,
        GO_SERVICE,
        NODE_TARGETS,
        WINDOWS,
        HEREDOCS,
        SUBSTITUTION,
    ];
    for round in 0..3000 {
        let mut text = String::new();
        if round % 2 == 0 {
            // Fragments and random characters.
            for _ in 0..random.next() % 40 {
                if random.next().is_multiple_of(5) {
                    text.push(char::from_u32((random.next() % 0x3000) as u32).unwrap_or('x'));
                } else {
                    text.push_str(FRAGMENTS[random.next() % FRAGMENTS.len()]);
                }
            }
        } else {
            // A realistic file with fragments put in and pieces cut out.
            text.push_str(realistic[random.next() % realistic.len()]);
            for _ in 0..1 + random.next() % 6 {
                let at = random.next() % (text.len() + 1);
                let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                if random.next().is_multiple_of(2) {
                    text.insert_str(at, FRAGMENTS[random.next() % FRAGMENTS.len()]);
                } else {
                    let end = (at + random.next() % 30).min(text.len());
                    let end = (end..=text.len())
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap_or(text.len());
                    text.replace_range(at..end, "");
                }
            }
        }
        let dockerfile = parse(&text);
        assert_spans_inside(&text, &dockerfile);
        for stage in &dockerfile.stages {
            let from = dockerfile.instructions_of(stage).first();
            assert!(from.is_some_and(|i| i.keyword == Keyword::From));
        }
        let (instruction, _) = parse_instruction(&text);
        if let Some(instruction) = instruction {
            instruction.run_commands();
            instruction.words();
        }
    }
}

#[test]
fn deep_continuations_nesting_and_chains_stay_bounded() {
    let deep = format!("FROM alpine\nRUN {}true\n", "a \\\n".repeat(100_000));
    let dockerfile = clean(&deep);
    assert_eq!(dockerfile.instructions.len(), 2);
    assert_eq!(dockerfile.instructions[1].run_commands()[0].words.len(), 100_001);

    let nested = format!(
        "FROM scratch\nENV A={}x{}\n",
        "${B:-".repeat(50_000),
        "}".repeat(50_000)
    );
    let dockerfile = clean(&nested);
    assert_eq!(dockerfile.stages[0].facts.env[0].value.known(), None);

    let onbuild = format!("FROM alpine\n{}RUN x\n", "ONBUILD ".repeat(50_000));
    assert_eq!(parse(&onbuild).problems.len(), 1);

    // Each stage doubles the last value: the budget stops the growth.
    let mut doubling = String::from("FROM scratch\nENV V0=xxxxxxxxxxxxxxxx\n");
    for i in 1..64 {
        doubling.push_str(&format!("ENV V{i}=$V{}$V{}\n", i - 1, i - 1));
    }
    let dockerfile = clean(&doubling);
    let longest = dockerfile.stages[0]
        .facts
        .env
        .iter()
        .filter_map(|v| v.value.known())
        .map(String::len)
        .max();
    assert!(longest.unwrap_or_default() < 8 << 20);

    // A large value read many times is charged before it is copied.
    let mut reread = format!("FROM scratch\nENV BIG={}\n", "x".repeat(1 << 20));
    reread.push_str(&"ENV COPY=$BIG\n".repeat(20_000));
    let started = std::time::Instant::now();
    let dockerfile = clean(&reread);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(
        dockerfile.stages[0].facts.env[1].value.known(),
        None,
        "the budget ran out"
    );

    // Many stages inheriting many facts: the budget stops the copying.
    let mut wide = String::from("FROM scratch AS s0\n");
    for j in 0..20_000 {
        wide.push_str(&format!("ENV NAME_{j}=and_a_long_value_too\n"));
    }
    for i in 1..2_000 {
        wide.push_str(&format!("FROM s{} AS s{i}\n", i - 1));
    }
    let started = std::time::Instant::now();
    let dockerfile = parse(&wide);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(!dockerfile.problems.is_empty(), "the budget ran out");
}

#[test]
fn five_megabytes_parse_quickly() {
    let mut text = String::new();
    let stages = [
        DJANGO_PROD,
        COOKIECUTTER,
        UV_FASTAPI,
        GO_SERVICE,
        NODE_TARGETS,
        HEREDOCS,
    ];
    let mut i = 0;
    while text.len() < 5 << 20 {
        // Stage names repeat across copies; the file stays valid.
        text.push_str(&stages[i % stages.len()].replace(" AS ", &format!("{i} AS s{i}-")));
        i += 1;
    }
    let started = std::time::Instant::now();
    let dockerfile = parse(&text);
    let elapsed = started.elapsed();
    assert!(dockerfile.stages.len() > 1000);
    assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
}

#[test]
fn a_build_runs_the_stages_its_target_stands_on_or_copies_from() {
    let file = parse(
        "FROM python:3.13 AS build\nRUN make\nFROM build AS debug\nRUN apt-get install git\n\
         FROM node:22 AS assets\nRUN npm ci\nFROM python:3.13-slim AS runtime\n\
         COPY --from=build /a /a\nCOPY --from=2 /b /b\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/\n",
    );
    assert_eq!(file.stages_built_for(3), [0, 2, 3]);
    assert_eq!(file.stages_built_for(1), [0, 1]);
    assert_eq!(file.stages_built_for(2), [2]);
}

/// `USER ${U:-root}` after an `ARG U` that nothing sets is root as compose
/// builds the image from the spec (it passes the spec's build arguments
/// only); a build argument of the spec still wins, and a variable the base
/// image may set stays unknown.
#[test]
fn a_user_from_an_unset_arg_is_its_default() {
    let text = "FROM python:3.12-slim\nARG U\nUSER ${U:-root}\n";
    let facts = &clean(text).stages[0].facts;
    assert_eq!(facts.user.as_ref().map(|u| known(u)), Some("root"));
    assert_eq!(facts.runs_as_root(), Some(true));
    let given = parse_with_args(text, [("U", "app")]);
    assert_eq!(given.stages[0].facts.user.as_ref().map(|u| known(u)), Some("app"));
    let from_base = &clean("FROM python:3.12-slim\nUSER ${U:-root}\n").stages[0].facts;
    assert_eq!(from_base.runs_as_root(), None, "the base image may set U");
    let empty = &clean("FROM python:3.12-slim\nARG U\nUSER $U\n").stages[0].facts;
    assert_eq!(empty.runs_as_root(), None);
}
