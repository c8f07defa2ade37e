"""What a client may get wrong, and what the server must still do."""

from lsprotocol import types

from conftest import open_spec


async def test_a_notification_that_does_not_read_is_logged_and_ignored(client, tmp_path):
    # Written as raw JSON-RPC: the client's own types would not let it out.
    bad = {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": "file:///x.spec"}}}
    client.protocol._send_data(bad)
    spec = await open_spec(client, tmp_path / "stack.spec", "stack shop\nvolume v\n")
    assert [d.code for d in await spec.diagnostics()] == ["unused-declaration"]
    [logged] = [m for m in client.log_messages if "didOpen" in m.message]
    assert logged.type == types.MessageType.Error
    assert logged.message.startswith("stackc: ignored a `textDocument/didOpen` it cannot read")


async def test_a_document_that_is_not_open_gets_empty_answers(client, tmp_path):
    doc = types.TextDocumentIdentifier(uri=(tmp_path / "never.spec").as_uri())
    where = types.Position(line=0, character=0)
    assert await client.text_document_hover_async(types.HoverParams(text_document=doc, position=where)) is None
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc))
    assert symbols is None


async def test_a_whole_text_change_is_applied_too(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", "stack shop\nvolume v\n")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=spec.uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="stack shop\n")],
        )
    )
    spec.text = "stack shop\n"
    assert await spec.diagnostics() == []
