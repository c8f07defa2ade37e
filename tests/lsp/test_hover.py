"""Hover: keywords from docs/language.md, rule codes in suppression
comments from the rules' docs, names from their declaration."""

from lsprotocol import types

from conftest import SEED, open_spec

CAFE = 'stack shop\n\nservice db {\n    image postgres:16.4\n    ready cmd "echo café ☕ 𝄞" every 5s timeout 3s\n    restart on-failure\n}\n'


async def hover(spec, position):
    return await spec.client.text_document_hover_async(spec.where(position, types.HoverParams))


async def test_a_keyword_shows_its_rows_of_the_reference(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    image = await hover(spec, spec.at("image postgres", 2))
    assert image.contents.kind == "markdown"
    assert "**`image REF`**: a published image" in image.contents.value
    assert "docs/language.md#what-runs-image-image-of-build" in image.contents.value
    assert spec.slice(image.range) == "image"

    at = await hover(spec, spec.at(" at /var", 1))
    assert at.contents.value.startswith("**`mount VOLUME at PATH [ro|readonly]`**")

    upstream_server = await hover(spec, spec.at("server web:8000"))
    assert upstream_server.contents.value.startswith("**`upstream NAME { server SERVICE:PORT [weight N] ... }`**")


async def test_the_statement_picks_the_meaning(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", CAFE)
    timeout = await hover(spec, spec.at("timeout 3s"))
    assert timeout.contents.value.startswith("**`timeout DURATION`** (default: `3s`): a check that takes longer fails")
    # After `café ☕ 𝄞`, in both encodings.
    assert spec.slice(timeout.range) == "timeout"
    every = await hover(spec, spec.at("every 5s", 4))
    assert spec.slice(every.range) == "every"
    restart = await hover(spec, spec.at("on-failure", 3))
    assert restart.contents.value.startswith("**`restart no|always|on-failure [N]|unless-stopped`**")
    assert spec.slice(restart.range) == "on-failure"


async def test_a_rule_in_a_suppression_comment_shows_its_explanation(client, tmp_path):
    text = 'stack shop\n\nservice db {\n    image postgres:16.4\n    env {\n        # stackc: allow(secret-in-env, default-credentials)\n        POSTGRES_PASSWORD = "admin"\n    }\n}\n'
    spec = await open_spec(client, tmp_path / "stack.spec", text)
    rule = await hover(spec, spec.at("default-credentials", 3))
    assert rule.contents.value.startswith("**default-credentials** (error by default)")
    assert "docs/rules.md#default-credentials" in rule.contents.value
    assert spec.slice(rule.range) == "default-credentials"


async def test_a_name_shows_its_declaration_and_words_show_nothing(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    name = await hover(spec, spec.at("after db ready", 6))
    assert name.contents.value == "service `db`, used 1 time\n\n```\nservice db {\n```"
    assert await hover(spec, spec.at("radix_fitness_postgresql_db\"", 3)) is None
    assert await hover(spec, spec.at("    image postgres", 1)) is None
