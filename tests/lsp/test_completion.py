"""Completion: the keywords the grammar accepts at the cursor, values,
declared names where each may stand, and rule names."""

from lsprotocol import types

from conftest import SEED, open_spec

TLS = """stack shop

network backend
volume static
secret cert file "cert.pem"
secret key file "key.pem"

service web {
    image example/web:1.0
}

job migrate {
    image of web
    networks backend
    after nginx
}

proxy nginx {
    upstream django {
        server web:8000
    }
    server {
        listen 443 tls
        tls certificate cert key key
        location / {
            proxy_pass django
        }
    }
}

proxy other {
    upstream site {
        server web:8000
    }
    location / {
        proxy_pass site
    }
}
"""


async def complete(spec, position):
    result = await spec.client.text_document_completion_async(
        types.CompletionParams(text_document=spec.doc(), position=position)
    )
    items = result.items if isinstance(result, types.CompletionList) else result
    return {item.label: item for item in items}


async def labels_after(spec, old, new, keep=False):
    """Completes at the end of `new`, written in place of `old`; then puts
    `old` back, unless told to keep `new`."""
    start = await spec.replace(old, new)
    items = await complete(spec, spec.position(start + len(new)))
    if not keep:
        await spec.edit(start, start + len(new), old)
    return items


async def test_statements_of_each_block(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    top = await complete(spec, spec.at("volume static\n", len("volume static\n")))
    assert {"stack", "volume", "network", "secret", "service", "job", "proxy"} <= set(top)
    assert "image" not in top
    assert top["service"].kind == types.CompletionItemKind.Keyword
    assert top["service"].detail == "service NAME { ... }"
    assert top["service"].documentation.value.startswith("**`service NAME { ... }`**: a long-running container")

    service = await complete(spec, spec.at("    image postgres:16.4", 4))
    assert {"image", "build", "mount", "after", "restart", "gunicorn", "ready", "env"} <= set(service)
    assert "location" not in service and "proxy_pass" not in service

    build = await complete(spec, spec.at("        python 3.12", 8))
    assert {"python", "requirements", "collectstatic", "user", "file", "target", "arg"} <= set(build)

    proxy = await complete(spec, spec.at("    publish 1337", 4))
    assert {"location", "server", "upstream", "listen", "server_name", "image"} <= set(proxy)
    assert "gunicorn" not in proxy

    location = await complete(spec, spec.at("        proxy_pass django", 8))
    assert {"proxy_pass", "alias", "return", "websocket", "client_max_body_size"} <= set(location)


async def test_a_partial_word_is_replaced(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    items = await labels_after(spec, "    ready tcp 8000 every 5s timeout 3s retries 10\n", "    ready tcp 8000\n    restart on-f", keep=True)
    assert set(items) == {"always", "no", "on-failure", "unless-stopped"}
    on_failure = items["on-failure"]
    assert on_failure.kind == types.CompletionItemKind.EnumMember
    assert spec.slice(on_failure.text_edit.range) == "on-f"
    assert on_failure.text_edit.new_text == "on-failure"


async def test_conditions_and_options_after_a_dependency(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    items = await labels_after(spec, "    after db ready", "    after db ")
    assert {"ready", "done", "started", "optional", "restart"} == set(items)


async def test_declared_names_where_each_may_stand(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    assert set(await labels_after(spec, "    mount postgres_data at /var", "    mount ")) >= {"postgres_data", "static", "anonymous"}

    after = await labels_after(spec, "    after db ready", "    after ")
    # Nor for `web` (after migrate done) or `nginx` (after web): a cycle.
    assert set(after) == {"db", "collectstatic"}, "a job never waits for itself or its waiters"
    assert after["db"].kind == types.CompletionItemKind.Class
    assert after["collectstatic"].kind == types.CompletionItemKind.Function

    assert set(await labels_after(spec, "    image of web\n    run \"python manage.py migrate", "    image of ")) == {"db", "web"}

    secrets = await labels_after(spec, "    secret DATABASE_PASSWORD = db_password\n    after db", "    secret DATABASE_PASSWORD = ")
    assert set(secrets) == {"db_password"}
    assert secrets["db_password"].detail == "secret"

    assert set(await labels_after(spec, "        server web:8000", "        server ")) == {"db", "web"}


async def test_upstreams_networks_and_secrets_of_the_proxy(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", TLS)
    assert set(await labels_after(spec, "            proxy_pass django", "            proxy_pass ")) == {"django"}
    assert set(await labels_after(spec, "        proxy_pass site", "        proxy_pass ")) == {"site"}
    assert set(await labels_after(spec, "        tls certificate cert key key", "        tls certificate ")) == {"cert", "key"}
    assert set(await labels_after(spec, "    image example/web:1.0", "    image example/web:1.0\n    networks ")) == {"backend"}


async def test_rule_names_in_a_suppression(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", "stack shop\n")
    items = await labels_after(spec, "stack shop", "stack shop  # stackc: allow(unused-declaration, def", keep=True)
    assert "default-credentials" in items and "missing-readiness-wait" in items
    assert spec.slice(items["default-credentials"].text_edit.range) == "def"
    assert items["default-credentials"].documentation.value.startswith("**default-credentials**")


async def test_a_spec_that_does_not_parse_completes_from_the_last_good_parse(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    # No `{`: nothing parses, and what follows cannot be read in context.
    await spec.replace("service db {", "service db")
    assert [d.code for d in await spec.diagnostics()] == ["syntax"]
    items = await labels_after(spec, "    mount static at /app/staticfiles", "    mount ")
    assert {"postgres_data", "static", "anonymous"} <= set(items)
    items = await labels_after(spec, "    gunicorn backend", "    gun")
    assert "gunicorn" in items and "location" not in items


async def test_positions_after_non_ascii_text(client, tmp_path):
    text = 'stack shop\n\nservice db {\n    image postgres:16.4\n    ready cmd "echo café ☕ 𝄞" every 5s\n}\n'
    spec = await open_spec(client, tmp_path / "stack.spec", text)
    items = await labels_after(spec, "every 5s", "every 5s ret", keep=True)
    assert "retries" in items
    assert spec.slice(items["retries"].text_edit.range) == "ret"
