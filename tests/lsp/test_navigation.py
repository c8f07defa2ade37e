"""Go to definition, references, highlights, rename and the outline, for
every kind of declared name; a spec that does not parse keeps the outline
of its last good parse."""

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import SEED, open_spec
from test_completion import TLS


async def definition(spec, position):
    return await spec.client.text_document_definition_async(spec.where(position, types.DefinitionParams))


async def references(spec, position, declaration=True):
    params = types.ReferenceParams(
        text_document=spec.doc(), position=position, context=types.ReferenceContext(include_declaration=declaration)
    )
    return await spec.client.text_document_references_async(params)


async def rename(spec, position, new_name):
    params = types.RenameParams(text_document=spec.doc(), position=position, new_name=new_name)
    return await spec.client.text_document_rename_async(params)


def lines_of(spec, locations):
    return sorted((spec.slice(l.range), l.range.start.line) for l in locations)


async def test_definition_of_each_kind(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", TLS)
    for use, declaration in [
        ("web:8000", "service web"),
        ("image of web", "service web"),
        ("proxy_pass django", "upstream django"),
        ("certificate cert", "secret cert"),
        ("key key", "secret key"),
        ("networks backend", "network backend"),
        ("after nginx", "proxy nginx"),
    ]:
        word = declaration.split()[1]
        found = await definition(spec, spec.at(use, use.rindex(word) + 1))
        assert found is not None, use
        assert found.uri == spec.uri
        assert found.range == spec.range_of(word, nth=spec.text[: spec.text.index(declaration)].count(word)), use
    # A keyword, a value: nowhere to go.
    assert await definition(spec, spec.at("listen 443")) is None
    assert await definition(spec, spec.at("443 tls")) is None


async def test_jobs_and_volumes_too(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    for use, declaration in [("after migrate done", "job migrate"), ("alias static", "volume static")]:
        word = declaration.split()[1]
        found = await definition(spec, spec.at(use, use.index(word) + 1))
        name = spec.text.index(declaration) + len(declaration) - len(word)
        assert found.range.start == spec.position(name), use
        assert spec.slice(found.range) == word


async def test_references_and_highlights(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    secret = await references(spec, spec.at("db_password file", 3))
    assert lines_of(spec, secret) == [("db_password", 11), ("db_password", 19), ("db_password", 36), ("db_password", 63)]
    assert len(await references(spec, spec.at("= db_password", 4), declaration=False)) == 3
    volume = await references(spec, spec.at("alias static", 7))
    assert lines_of(spec, volume) == [("static", 6), ("static", 46), ("static", 79)]

    highlights = await client.text_document_document_highlight_async(
        spec.where(spec.at("after web ready", 7), types.DocumentHighlightParams)
    )
    kinds = sorted((h.range.start.line, h.kind) for h in highlights)
    read, write = types.DocumentHighlightKind.Read, types.DocumentHighlightKind.Write
    # 90: the `dev` environment's block of operations on `web`.
    assert kinds == [(29, read), (44, read), (49, write), (73, read), (81, read), (90, read)]


async def test_rename_every_use(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    prepared = await client.text_document_prepare_rename_async(
        spec.where(spec.at("mount static", 7), types.PrepareRenameParams)
    )
    assert prepared.placeholder == "static"
    assert spec.slice(prepared.range) == "static"

    edit = await rename(spec, spec.at("mount static", 7), "static_files")
    await spec.apply(edit.changes[spec.uri])
    assert spec.text.count("static_files") == 3
    assert "volume static_files\n" in spec.text and "alias static_files" in spec.text
    assert await spec.diagnostics() == []

    edit = await rename(spec, spec.at("upstream django", 10), "app")
    await spec.apply(edit.changes[spec.uri])
    assert "upstream app {" in spec.text and "proxy_pass app\n" in spec.text
    edit = await rename(spec, spec.at("service web", 9), "site")
    await spec.apply(edit.changes[spec.uri])
    assert "image of site" in spec.text and "server site:8000" in spec.text and "after site ready" in spec.text
    assert "    service site {\n        unset gunicorn" in spec.text, "the dev environment's block follows"
    assert await spec.diagnostics() == []


async def test_rename_refuses_bad_names_and_clashes(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    assert await client.text_document_prepare_rename_async(spec.where(spec.at("image postgres"), types.PrepareRenameParams)) is None
    with pytest.raises(JsonRpcException, match="is not a name"):
        await rename(spec, spec.at("volume static", 8), "2fast")
    with pytest.raises(JsonRpcException, match="volume `postgres_data` already has that name"):
        await rename(spec, spec.at("volume static", 8), "Postgres_Data")
    # `mount anonymous` means a volume of no name: renaming one to it would
    # leave its data on a throwaway volume.
    with pytest.raises(JsonRpcException, match="`anonymous` is reserved"):
        await rename(spec, spec.at("volume static", 8), "anonymous")
    # A job and a service share one namespace.
    with pytest.raises(JsonRpcException, match="job `migrate` already has that name"):
        await rename(spec, spec.at("service web", 9), "migrate")


def outline(symbols):
    return [(s.name, s.detail, outline(s.children or [])) for s in symbols]


async def test_the_outline(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", TLS)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=spec.doc()))
    assert outline(symbols) == [
        ("shop", "stack", []),
        ("static", "volume", []),
        ("backend", "network", []),
        ("cert", "secret", []),
        ("key", "secret", []),
        ("web", "service", []),
        ("migrate", "job", []),
        ("nginx", "proxy", [("django", "upstream", []), ("server", "server", [("/", "location", [])])]),
        ("other", "proxy", [("site", "upstream", []), ("/", "location", [])]),
    ]
    nginx = symbols[7]
    assert nginx.kind == types.SymbolKind.Interface
    assert spec.slice(nginx.selection_range) == "nginx"
    assert spec.slice(nginx.range).startswith("proxy nginx {") and spec.slice(nginx.range).endswith("}")


async def test_a_spec_that_does_not_parse_keeps_its_last_outline(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    await spec.replace("service web {", "# a new line\nservice web")
    assert [d.code for d in await spec.diagnostics()] == ["syntax"]
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=spec.doc()))
    names = {s.name: s for s in symbols}
    assert spec.slice(names["nginx"].selection_range) == "nginx", "ranges follow the edit"
    assert spec.slice(names["db"].selection_range) == "db"
    # Names the edit did not touch still lead to their declaration.
    found = await definition(spec, spec.at("alias static", 7))
    assert spec.slice(found.range) == "static" and found.range.start.line == 6
    with pytest.raises(JsonRpcException, match="does not parse"):
        await rename(spec, spec.at("volume static", 8), "files")
