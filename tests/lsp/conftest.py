"""A real LSP client (pytest-lsp on pygls) driving `stackc lsp`.

`tests/lsp.rs` runs these with the binary cargo built in $STACKC. Every
test runs twice: with a client that offers UTF-8 positions and with one
that offers nothing (so UTF-16, the protocol's default), and works in
positions of the agreed encoding, so every conversion is checked both ways.
"""

import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

STACKC = os.environ.get("STACKC")
if not STACKC or not os.access(STACKC, os.X_OK):
    raise RuntimeError("set STACKC to the stackc binary (tests/lsp.rs does)")

ENCODINGS = {
    "utf-8": [types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8],
    "utf-16": None,
}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[STACKC, "lsp"]),
    params=list(ENCODINGS),
)
async def client(lsp_client: LanguageClient, request):
    capabilities = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=ENCODINGS[request.param]),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, code_description_support=True, version_support=True
            ),
            rename=types.RenameClientCapabilities(prepare_support=True),
            document_symbol=types.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=True),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(
                    documentation_format=[types.MarkupKind.Markdown]
                )
            ),
        ),
    )
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    lsp_client.encoding = request.param
    lsp_client.server_capabilities = result.capabilities
    yield
    await lsp_client.shutdown_session()


class Spec:
    """One spec open in the server, and helpers to speak about places in it
    in the client's encoding."""

    def __init__(self, client: LanguageClient, path: pathlib.Path, text: str, uri: str | None = None):
        self.client = client
        self.path = path
        self.uri = uri or path.as_uri()
        self.text = text
        self.version = 1

    # -- places ---------------------------------------------------------

    def position(self, offset: int) -> types.Position:
        """The position of a character offset of `self.text`."""
        before = self.text[:offset]
        line = before.count("\n")
        column = before[before.rfind("\n") + 1 :]
        return types.Position(line=line, character=units(column, self.client.encoding))

    def at(self, needle: str, delta: int = 0, nth: int = 0) -> types.Position:
        """The position `delta` characters into the `nth` `needle`."""
        index = -1
        for _ in range(nth + 1):
            index = self.text.index(needle, index + 1)
        return self.position(index + delta)

    def offset(self, position: types.Position) -> int:
        lines = self.text.split("\n")
        start = sum(len(l) + 1 for l in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        count = 0
        for i, char in enumerate(line):
            if count >= position.character:
                return start + i
            count += units(char, self.client.encoding)
        return start + len(line)

    def slice(self, range_: types.Range) -> str:
        return self.text[self.offset(range_.start) : self.offset(range_.end)]

    def range_of(self, needle: str, nth: int = 0) -> types.Range:
        start = self.at(needle, nth=nth)
        end = self.at(needle, len(needle), nth=nth)
        return types.Range(start=start, end=end)

    def applied(self, edits) -> str:
        """The text with non-overlapping edits applied."""
        text = self.text
        spans = sorted(((self.offset(e.range.start), self.offset(e.range.end), e.new_text) for e in edits), reverse=True)
        for start, end, new in spans:
            text = text[:start] + new + text[end:]
        return text

    # -- the protocol ---------------------------------------------------

    def doc(self) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri)

    def where(self, position: types.Position, params=types.TextDocumentPositionParams):
        """`params` (HoverParams, DefinitionParams...) about `position`."""
        return params(text_document=self.doc(), position=position)

    async def synced(self) -> None:
        """Waits until the server has handled everything sent so far: it
        answers in order, and publishes diagnostics before answering the
        next request."""
        await self.client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=self.doc()))

    async def diagnostics(self) -> list[types.Diagnostic]:
        await self.synced()
        return list(self.client.diagnostics.get(self.uri, []))

    async def replace(self, old: str, new: str) -> int:
        """Edits the text as an editor does, with an incremental change of
        the first `old`; returns where `new` starts."""
        start = self.text.index(old)
        await self.edit(start, start + len(old), new)
        return start

    async def edit(self, start: int, end: int, new: str) -> None:
        """Replaces the characters `start..end` by `new`."""
        rng = types.Range(start=self.position(start), end=self.position(end))
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[types.TextDocumentContentChangePartial(range=rng, text=new)],
            )
        )
        self.text = self.text[:start] + new + self.text[end:]
        await self.synced()

    async def apply(self, edits) -> None:
        """Applies edits the server proposed, as the client would: one
        change per edit, from the last one back."""
        for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            start, end = self.offset(edit.range.start), self.offset(edit.range.end)
            self.version += 1
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                    content_changes=[types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)],
                )
            )
            self.text = self.text[:start] + edit.new_text + self.text[end:]
        await self.synced()


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


async def open_spec(client: LanguageClient, path: pathlib.Path, text: str, uri: str | None = None) -> Spec:
    """Opens a spec; `path` is written first, as the editor would read it
    from disk, unless a non-file `uri` is given."""
    if uri is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    spec = Spec(client, path, text, uri)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=spec.uri, language_id="stackc", version=1, text=text)
        )
    )
    await spec.synced()
    return spec


def codes(diagnostics) -> list[str]:
    return sorted(d.code for d in diagnostics)


REPO = pathlib.Path(__file__).resolve().parents[2]

# The seed stack, valid and clean.
SEED = (REPO / "specs" / "django.spec").read_text()


@pytest.fixture
def app(tmp_path: pathlib.Path) -> pathlib.Path:
    """A folder with the app the seed spec builds (`./app`)."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "requirements.txt").write_text("django==5.2\ngunicorn==23.0\n")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "db_password.txt").write_text("x\n")
    return tmp_path


def first(items, **fields):
    """The first item whose attributes have these values."""
    for item in items:
        if all(getattr(item, k) == v for k, v in fields.items()):
            return item
    raise AssertionError(f"no item with {fields} in {items}")
