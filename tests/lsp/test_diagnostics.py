"""Diagnostics: published on open and on every change, cleared when fixed,
with the code, its link, the severity and the related places."""

from lsprotocol import types

from conftest import SEED, codes, first, open_spec

GATEWAY_DOCKERFILE = """FROM python:3.12-slim
RUN useradd --uid 10001 --create-home gateway
USER gateway
USER root
CMD ["python", "/home/gateway/app/main.py"]
"""


async def test_the_seed_is_clean_and_a_change_is_checked_at_once(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED)
    assert await spec.diagnostics() == []

    await spec.replace("    after db ready", "    after db")
    [found] = await spec.diagnostics()
    assert found.code == "missing-readiness-wait"
    assert found.source == "stackc"
    assert found.severity == types.DiagnosticSeverity.Warning
    assert found.code_description.href.endswith("docs/rules.md#missing-readiness-wait")
    assert spec.slice(found.range) == "db"
    assert found.message.startswith("`migrate` starts when `db` starts, without waiting for it")
    assert "\nhelp: " in found.message
    related = first(found.related_information, message=found.related_information[0].message)
    assert related.location.uri == spec.uri

    # Fixed: the list is cleared.
    await spec.replace("    after db", "    after db ready")
    assert await spec.diagnostics() == []


async def test_a_syntax_error_and_a_spec_error(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", "stack shop\nservice db {\n    imgae postgres:16.4\n}\n")
    [syntax] = await spec.diagnostics()
    assert (syntax.code, syntax.severity) == ("syntax", types.DiagnosticSeverity.Error)
    assert spec.slice(syntax.range) == "imgae"
    assert "did you mean `image`?" in syntax.message
    assert syntax.code_description.href.endswith("docs/rules.md#spec-errors")

    await spec.replace("imgae postgres:16.4", "image postgres:16.4\n    mount data at /data")
    unknown = first(await spec.diagnostics(), code="unknown-volume")
    assert unknown.severity == types.DiagnosticSeverity.Error
    assert spec.slice(unknown.range) == "data"


async def test_labels_in_the_apps_dockerfile_are_related_information(client, tmp_path):
    (tmp_path / "gateway").mkdir()
    dockerfile = tmp_path / "gateway" / "Dockerfile"
    dockerfile.write_text(GATEWAY_DOCKERFILE)
    text = "stack shop\n\nservice gateway {\n    build ./gateway {\n        file Dockerfile\n    }\n}\n"
    spec = await open_spec(client, tmp_path / "stack.spec", text)
    found = first(await spec.diagnostics(), code="runs-as-root")
    assert found.severity == types.DiagnosticSeverity.Error
    assert spec.slice(found.range) == "Dockerfile"
    [in_dockerfile] = [r for r in found.related_information if r.location.uri == dockerfile.as_uri()]
    assert in_dockerfile.message == "the last USER of the built stage"
    assert in_dockerfile.location.range == types.Range(
        start=types.Position(line=3, character=5), end=types.Position(line=3, character=9)
    )


async def test_files_are_read_from_the_specs_folder(client, tmp_path):
    text = "stack shop\n\nservice web {\n    build ./app\n    gunicorn shop.wsgi:application\n}\n"
    spec = await open_spec(client, tmp_path / "stack.spec", text)
    assert "missing-file" in codes(await spec.diagnostics())
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "requirements.txt").write_text("django==5.2\ngunicorn==23.0\n")
    # Saving asks for a new look at the files the spec names.
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=spec.doc()))
    assert "missing-file" not in codes(await spec.diagnostics())


async def test_a_document_that_is_no_file_is_checked_from_its_text_alone(client, tmp_path):
    text = "stack shop\n\nservice web {\n    build ./nowhere\n    gunicorn shop.wsgi:application\n}\n"
    spec = await open_spec(client, tmp_path / "unused", text, uri="untitled:Untitled-1")
    assert "missing-file" not in codes(await spec.diagnostics())


async def test_stackc_toml_sets_the_levels_and_a_broken_one_is_shown(client, app):
    text = SEED.replace("    after db ready", "    after db")
    (app / "stackc.toml").write_text('[rules]\nmissing-readiness-wait = "error"\n')
    spec = await open_spec(client, app / "stack.spec", text)
    [found] = await spec.diagnostics()
    assert (found.code, found.severity) == ("missing-readiness-wait", types.DiagnosticSeverity.Error)

    (app / "stackc.toml").write_text('[rules]\nmissing-readiness-wiat = "error"\n')
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=spec.doc()))
    found = await spec.diagnostics()
    assert codes(found) == ["missing-readiness-wait", "unknown-rule"]
    config = first(found, code="unknown-rule")
    assert config.message.startswith("stackc.toml: ")
    assert config.range.start == types.Position(line=0, character=0)
    assert config.related_information[0].location.uri == (app / "stackc.toml").as_uri()
    assert first(found, code="missing-readiness-wait").severity == types.DiagnosticSeverity.Warning

    (app / "stackc.toml").write_bytes(b"\xff")
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=spec.doc()))
    unreadable = first(await spec.diagnostics(), code="bad-config")
    assert unreadable.message.startswith("stackc.toml: cannot read it: not UTF-8 (byte 0)")


async def test_closing_clears_the_diagnostics(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", "stack shop\nvolume unused\n")
    assert codes(await spec.diagnostics()) == ["unused-declaration"]
    assert list((await spec.diagnostics())[0].tags) == [types.DiagnosticTag.Unnecessary]
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=spec.doc()))
    other = await open_spec(client, tmp_path / "other.spec", "stack other\n")
    await other.synced()
    assert list(client.diagnostics[spec.uri]) == []
