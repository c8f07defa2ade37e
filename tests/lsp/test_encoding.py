"""The position encoding: UTF-8 when the client offers it, else UTF-16,
converted correctly around `café ☕` and characters outside the BMP."""

from lsprotocol import types

from conftest import open_spec

TEXT = 'stack shop\n\n# café ☕ 𝄞\nservice cache {\n    image redis:7.4\n    ready cmd "echo café ☕ 𝄞" evry 5s\n}\n'


async def test_the_encoding_is_negotiated(client):
    expected = {"utf-8": "utf-8", "utf-16": "utf-16"}[client.encoding]
    assert client.server_capabilities.position_encoding == expected


async def test_ranges_after_multibyte_and_astral_characters(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", TEXT)
    [syntax] = await spec.diagnostics()
    assert spec.slice(syntax.range) == "evry"
    # 30 characters before it; `é` is 2 bytes, `☕` 3, `𝄞` 4 bytes and
    # 2 UTF-16 units.
    units = {"utf-8": 30 + 1 + 2 + 3, "utf-16": 30 + 1}[client.encoding]
    assert syntax.range.start == types.Position(line=5, character=units)
    await spec.replace("evry", "every")
    assert await spec.diagnostics() == []
    # An edit inside the line, after the emoji, lands where the client says.
    await spec.replace("𝄞\" every", "𝄞 ♫\" every")
    assert await spec.diagnostics() == []
    assert 'echo café ☕ 𝄞 ♫" every 5s' in spec.text
