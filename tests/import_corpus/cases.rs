// The corpus of `tests/import_corpus.rs`: one compose project per case,
// each covering some of the compose features the spec language has.

pub struct Case {
    pub name: &'static str,
    pub files: Vec<(&'static str, String)>,
    /// Services that run nginx with a config import reads.
    pub proxies: Vec<&'static str>,
    /// Settings the spec cannot hold, each reported by import.
    pub dropped: usize,
}

fn case(name: &'static str, compose: &str) -> Case {
    Case {
        name,
        files: vec![("compose.yaml", compose.to_string())],
        proxies: Vec::new(),
        dropped: 0,
    }
}

impl Case {
    fn file(mut self, path: &'static str, text: &str) -> Self {
        self.files.push((path, text.to_string()));
        self
    }

    fn proxy(mut self, name: &'static str) -> Self {
        self.proxies.push(name);
        self
    }

    fn dropped(mut self, n: usize) -> Self {
        self.dropped = n;
        self
    }
}

/// An app's own Dockerfile (not the shape stackc writes: it stays referenced).
const GO_DOCKERFILE: &str = "FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n\nFROM gcr.io/distroless/base-debian12\nCOPY --from=build /app /app\nUSER nonroot\nEXPOSE 8000\nCMD [\"/app\"]\n";
const NODE_DOCKERFILE: &str = "FROM node:22-slim\nWORKDIR /app\nCOPY package.json .\nRUN npm install --omit=dev\nCOPY . .\nUSER node\nEXPOSE 3000\nCMD [\"node\", \"server.js\"]\n";
const DJANGO_DOCKERFILE: &str = "FROM python:3.12-slim AS builder\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip wheel --wheel-dir /wheels -r requirements.txt\n\nFROM python:3.12-slim\nRUN useradd --uid 10001 app\nWORKDIR /home/app/web\nCOPY --from=builder /wheels /wheels\nRUN pip install --no-cache-dir /wheels/*\nCOPY . .\nUSER app\nEXPOSE 8000\nCMD [\"gunicorn\", \"hello.wsgi:application\", \"--bind\", \"0.0.0.0:8000\"]\n";
const NGINX_DOCKERFILE: &str = "FROM nginx:1.27\nRUN rm /etc/nginx/conf.d/default.conf\nCOPY nginx.conf /etc/nginx/conf.d\n";

pub fn cases() -> Vec<Case> {
    vec![
        case("image-env-ports", "name: one\nservices:\n  cache:\n    image: redis:7.4\n    ports:\n      - \"6379:6379\"\n    environment:\n      REDIS_ARGS: \"--save 60 1\"\n      COST: \"5$$\"\n"),
        case("env-list-and-file", "name: two\nservices:\n  app:\n    image: busybox:1.37\n    environment:\n      - A=1\n      - B=two words\n    env_file:\n      - app.env\n    command: [\"sleep\", \"infinity\"]\n")
            .file("app.env", "C=3\n"),
        case("ports-variants", "name: three\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"127.0.0.1:8080:80\"\n      - target: 443\n        published: \"8443\"\n        protocol: tcp\n  turn:\n    image: coturn/coturn:4.6.3\n    ports:\n      - \"3478:3478/udp\"\n      - \"3478:3478\"\n      - target: 5349\n        published: \"5349\"\n        protocol: udp\n    expose:\n      - \"49152/udp\"\n"),
        case("named-bind-anonymous-volumes", "name: four\nservices:\n  db:\n    image: postgres:16.4\n    volumes:\n      - pgdata:/var/lib/postgresql/data\n      - ./init:/docker-entrypoint-initdb.d:ro\n      - /tmp/scratch\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n    secrets:\n      - db_password\nvolumes:\n  pgdata:\nsecrets:\n  db_password:\n    file: ./db_password.txt\n")
            .file("init/01.sql", "select 1;\n")
            .file("db_password.txt", "x"),
        case("long-volume-syntax-selinux", "name: five\nservices:\n  app:\n    image: alpine:3.20\n    command: [\"true\"]\n    volumes:\n      - type: bind\n        source: ./data\n        target: /data\n        bind:\n          selinux: z\n      - type: volume\n        source: cache\n        target: /cache\n        read_only: true\nvolumes:\n  cache: {}\n")
            .file("data/keep", ""),
        case("depends-on-conditions", "name: six\nservices:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/pw\n    secrets: [pw]\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]\n      interval: 5s\n      timeout: 3s\n      retries: 10\n  migrate:\n    image: busybox:1.37\n    command: [\"echo\", \"migrated\"]\n    depends_on:\n      db:\n        condition: service_healthy\n  app:\n    image: busybox:1.37\n    command: [\"sleep\", \"infinity\"]\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n      db:\n        condition: service_healthy\n        restart: true\nsecrets:\n  pw:\n    file: ./pw.txt\n")
            .file("pw.txt", "x"),
        case("healthcheck-forms", "name: seven\nservices:\n  a:\n    image: busybox:1.37\n    command: [\"sleep\", \"infinity\"]\n    healthcheck:\n      test: [\"CMD\", \"test\", \"-f\", \"/tmp/ok\"]\n      start_period: 10s\n  b:\n    image: busybox:1.37\n    command: [\"sleep\", \"infinity\"]\n    healthcheck:\n      test: test -f /tmp/ok\n      interval: 1m30s\n      retries: 5\n"),
        case("restart-policies", "name: eight\nservices:\n  a:\n    image: busybox:1.37\n    restart: always\n  b:\n    image: busybox:1.37\n    restart: on-failure:3\n  c:\n    image: busybox:1.37\n    restart: \"no\"\n  d:\n    image: busybox:1.37\n    restart: unless-stopped\n"),
        case("deploy-limits-replicas", "name: nine\nservices:\n  worker:\n    image: busybox:1.37\n    command: [\"sleep\", \"infinity\"]\n    deploy:\n      replicas: 3\n      resources:\n        limits:\n          memory: 256M\n          cpus: \"0.5\"\n          pids: 100\n"),
        case("runtime-settings", "name: ten\nservices:\n  app:\n    image: busybox:1.37\n    command: [\"sleep\", \"infinity\"]\n    user: \"1000:1000\"\n    working_dir: /srv\n    hostname: app-host\n    container_name: ten-app\n    stop_signal: SIGINT\n    stop_grace_period: 30s\n    shm_size: 64m\n    labels:\n      com.example.team: platform\n    expose:\n      - \"8000\"\n"),
        case("external-networks", "name: twelve\nservices:\n  app:\n    image: busybox:1.37\n    command: [\"sleep\", \"infinity\"]\n    networks: [proxy, backend, mesh, legacy]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      start_period: 30s\n      start_interval: 2s\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: scram-sha-256\n    networks: [backend]\nnetworks:\n  proxy:\n    external: true\n    name: traefik_proxy\n  legacy:\n    external: true\n  backend:\n    internal: true\n  mesh:\n    name: shared_mesh\n    driver: overlay\n"),
        case("networks", "name: eleven\nservices:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: scram-sha-256\n    networks: [backend]\n  app:\n    image: busybox:1.37\n    networks:\n      - backend\n      - frontend\nnetworks:\n  backend:\n    internal: true\n  frontend: {}\n"),
        case("secrets-file-env-target", "name: twelve\nservices:\n  app:\n    image: busybox:1.37\n    secrets:\n      - source: api_key\n        target: /etc/app/key\n      - token\nsecrets:\n  api_key:\n    file: ./api_key.txt\n  token:\n    environment: APP_TOKEN\n")
            .file("api_key.txt", "k"),
        case("entrypoint-command", "name: thirteen\nservices:\n  app:\n    image: python:3.12-slim\n    entrypoint: [\"/docker-entrypoint.sh\"]\n    command: python -m http.server 8000\n"),
        case("raw-keys", "name: fourteen\nservices:\n  app:\n    image: busybox:1.37\n    cap_add: [NET_ADMIN]\n    extra_hosts:\n      - \"host.docker.internal:host-gateway\"\n    logging:\n      driver: local\n      options:\n        max-size: 10m\n    init: true\n    tmpfs:\n      - /run\n"),
        case("anchors-and-merge-keys", "name: fifteen\nx-common: &common\n  image: busybox:1.37\n  restart: always\n  environment:\n    TZ: UTC\nservices:\n  a:\n    <<: *common\n    command: [\"echo\", \"a\"]\n  b:\n    <<: *common\n    command: [\"echo\", \"b\"]\n"),
        case("own-go-dockerfile", "name: sixteen\nservices:\n  backend:\n    build:\n      context: backend\n      target: build\n    ports:\n      - \"8000:8000\"\n")
            .file("backend/Dockerfile", GO_DOCKERFILE)
            .file("backend/main.go", "package main\n"),
        case("own-node-dockerfile-args", "name: seventeen\nservices:\n  web:\n    build:\n      context: ./web\n      dockerfile: Dockerfile\n      args:\n        NODE_ENV: production\n    image: ghcr.io/acme/web:1.4\n  redis:\n    image: redis:7.4\n")
            .file("web/Dockerfile", NODE_DOCKERFILE)
            .file("web/package.json", "{}\n"),
        case("image-of-builder", "name: eighteen\nservices:\n  web:\n    build:\n      context: app\n      dockerfile: Dockerfile\n    image: eighteen-web:local\n    pull_policy: build\n  worker:\n    image: eighteen-web:local\n    command: [\"celery\", \"-A\", \"hello\", \"worker\"]\n")
            .file("app/Dockerfile", DJANGO_DOCKERFILE)
            .file("app/requirements.txt", "gunicorn\n"),
        case("nginx-conf-d-proxy", "name: nineteen\nservices:\n  web:\n    build:\n      context: ./app\n      dockerfile: Dockerfile\n  nginx:\n    build: ./nginx\n    ports:\n      - \"1337:80\"\n    depends_on:\n      - web\n")
            .file("app/Dockerfile", DJANGO_DOCKERFILE)
            .file("app/requirements.txt", "gunicorn\n")
            .file("nginx/Dockerfile", NGINX_DOCKERFILE)
            .file("nginx/nginx.conf", "upstream hello_django {\n    server web:8000;\n}\n\nserver {\n    listen 80;\n    location / {\n        proxy_pass http://hello_django;\n        proxy_set_header Host $host;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_redirect off;\n        client_max_body_size 100M;\n    }\n}\n")
            .proxy("nginx"),
        case("nginx-static-alias", "name: twenty\nservices:\n  web:\n    build:\n      context: ./app\n      dockerfile: Dockerfile\n    volumes:\n      - static_volume:/home/app/web/staticfiles\n  nginx:\n    build: ./nginx\n    volumes:\n      - static_volume:/srv/static_volume\n    ports:\n      - \"8080:80\"\n    depends_on:\n      - web\nvolumes:\n  static_volume:\n")
            .file("app/Dockerfile", DJANGO_DOCKERFILE)
            .file("app/requirements.txt", "gunicorn\n")
            .file("nginx/Dockerfile", NGINX_DOCKERFILE)
            .file("nginx/nginx.conf", "upstream app {\n    server web:8000;\n}\nserver {\n    listen 80;\n    server_name example.com www.example.com;\n    location / {\n        proxy_pass http://app;\n        proxy_read_timeout 120s;\n    }\n    location /static/ {\n        alias /srv/static_volume/;\n    }\n    location = /healthz {\n        return 200 \"ok\";\n    }\n    add_header X-Frame-Options SAMEORIGIN always;\n}\n")
            .proxy("nginx"),
        case("nginx-regex-and-named-locations", "name: twentyfive\nservices:\n  web:\n    build:\n      context: ./app\n      dockerfile: Dockerfile\n    volumes:\n      - static_volume:/home/app/web/staticfiles\n  nginx:\n    build: ./nginx\n    volumes:\n      - static_volume:/srv/static_volume\n    ports:\n      - \"8080:80\"\n    depends_on:\n      - web\nvolumes:\n  static_volume:\n")
            .file("app/Dockerfile", DJANGO_DOCKERFILE)
            .file("app/requirements.txt", "gunicorn\n")
            .file("nginx/Dockerfile", NGINX_DOCKERFILE)
            .file("nginx/nginx.conf", "upstream app {\n    server web:8000;\n}\nserver {\n    listen 80;\n    location ^~ /static/ {\n        alias /srv/static_volume/;\n    }\n    location ~* \\.(css|js|png|svg|woff2?)$ {\n        proxy_pass http://app;\n        expires 30d;\n    }\n    location ~ \"^/(?:a|b){2};\" {\n        return 404;\n    }\n    location / {\n        try_files $uri @app;\n    }\n    location @app {\n        proxy_pass http://app;\n    }\n}\n")
            .proxy("nginx"),
        case("nginx-websocket-and-raw", "name: twentyone\nservices:\n  asgi:\n    build:\n      context: ./app\n      dockerfile: Dockerfile\n  proxy:\n    build: ./nginx\n    ports:\n      - \"80:80\"\n    depends_on:\n      - asgi\n")
            .file("app/Dockerfile", DJANGO_DOCKERFILE)
            .file("app/requirements.txt", "gunicorn\n")
            .file("nginx/Dockerfile", NGINX_DOCKERFILE)
            .file("nginx/nginx.conf", "upstream channels {\n    server asgi:8000 weight=2;\n}\nserver {\n    listen 80;\n    location /ws/ {\n        proxy_pass http://channels;\n        proxy_http_version 1.1;\n        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection \"upgrade\";\n    }\n    location / {\n        proxy_pass http://channels;\n        gzip on;\n    }\n}\n")
            .proxy("proxy"),
        case("nginx-bind-mounted-conf", "name: twentythree\nservices:\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - type: bind\n        source: ./proxy/nginx.conf\n        target: /etc/nginx/conf.d/default.conf\n        read_only: true\n    ports:\n      - 80:80\n    depends_on:\n      - backend\n  backend:\n    build:\n      context: backend\n      target: build\n")
            .file("backend/Dockerfile", GO_DOCKERFILE)
            .file("backend/main.go", "package main\n")
            .file("proxy/nginx.conf", "server {\n  listen 80;\n  location / {\n    proxy_pass http://backend:8000;\n  }\n}\n")
            .proxy("proxy"),
        case("django-prod-with-env-files", "name: twentyfour\nservices:\n  web:\n    build:\n      context: ./app\n      dockerfile: Dockerfile.prod\n    command: gunicorn hello_django.wsgi:application --bind 0.0.0.0:8000\n    volumes:\n      - static_volume:/home/app/web/staticfiles\n      - media_volume:/home/app/web/mediafiles\n    expose:\n      - 8000\n    env_file:\n      - ./.env.prod\n    depends_on:\n      - db\n  db:\n    image: postgres:15\n    volumes:\n      - postgres_data:/var/lib/postgresql/data/\n    env_file:\n      - ./.env.prod.db\n  nginx:\n    build: ./nginx\n    volumes:\n      - static_volume:/home/app/web/staticfiles\n      - media_volume:/home/app/web/mediafiles\n    ports:\n      - 1337:80\n    depends_on:\n      - web\nvolumes:\n  postgres_data:\n  static_volume:\n  media_volume:\n")
            .file("app/Dockerfile.prod", DJANGO_DOCKERFILE)
            .file("app/requirements.txt", "gunicorn\n")
            .file(".env.prod", "DEBUG=0\nSQL_ENGINE=django.db.backends.postgresql\nSQL_DATABASE=hello_django_prod\nSQL_PASSWORD_FILE=/run/secrets/db\n")
            .file(".env.prod.db", "POSTGRES_USER=hello_django\nPOSTGRES_DB=hello_django_prod\n")
            .file("nginx/Dockerfile", NGINX_DOCKERFILE)
            .file("nginx/nginx.conf", "upstream hello_django {\n    server web:8000;\n}\n\nserver {\n    listen 80;\n\n    location / {\n        proxy_pass http://hello_django;\n        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n        proxy_set_header Host $host;\n        proxy_redirect off;\n    }\n\n    location /static/ {\n        alias /home/app/web/staticfiles/;\n    }\n\n    location /media/ {\n        alias /home/app/web/mediafiles/;\n    }\n}\n")
            .proxy("nginx"),
        case("dropped-settings-are-reported", "name: twentytwo\nservices:\n  app:\n    image: busybox:1.37\n    ports:\n      - \"8000\"\n      - \"53:53/udp\"\n    environment:\n      HOME_DIR: ${HOME}\nvolumes:\n  data:\n    driver: rexray/ebs\n")
            .dropped(3),
    ]
}
