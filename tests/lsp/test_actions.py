"""Code actions and formatting: edits the client applies; the server never
writes a file."""

from lsprotocol import types

from conftest import SEED, codes, first, open_spec

UNFORMATTED = "stack  shop\nvolume   data # kept\nservice db{\nimage postgres:16.4\n  mount data at /d\n}\n"


async def code_actions(spec, diagnostic, only=None):
    params = types.CodeActionParams(
        text_document=spec.doc(),
        range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
    )
    return await spec.client.text_document_code_action_async(params)


async def test_a_rules_fix_is_a_quick_fix(client, app):
    spec = await open_spec(client, app / "stack.spec", SEED.replace("    after db ready", "    after db"))
    on_disk = spec.path.read_text()
    [finding] = await spec.diagnostics()
    actions = await code_actions(spec, finding)
    fix = first(actions, title="Wait until `db` is ready")
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred
    assert [d.code for d in fix.diagnostics] == ["missing-readiness-wait"]
    await spec.apply(fix.edit.changes[spec.uri])
    assert "    after db ready\n" in spec.text
    assert await spec.diagnostics() == []
    assert spec.path.read_text() == on_disk, "the server wrote the file"


async def test_suppress_this_rule_here(client, app):
    text = SEED.replace("    after db ready", "    after db")
    spec = await open_spec(client, app / "stack.spec", text)
    [finding] = await spec.diagnostics()
    suppress = first(await code_actions(spec, finding), title="Allow `missing-readiness-wait` here")
    assert suppress.kind == types.CodeActionKind.QuickFix
    await spec.apply(suppress.edit.changes[spec.uri])
    assert "    # stackc: allow(missing-readiness-wait)\n    after db\n" in spec.text
    # Suppressed, and the comment counts as used.
    assert await spec.diagnostics() == []


async def test_a_second_suppression_joins_the_comment_above(client, tmp_path):
    text = "stack shop\n\nservice db {\n    image postgres\n}\n"
    spec = await open_spec(client, tmp_path / "stack.spec", text)
    for rule in ["unpinned-image", "pgdata-mount-mismatch"]:
        finding = first(await spec.diagnostics(), code=rule)
        suppress = first(await code_actions(spec, finding), title=f"Allow `{rule}` here")
        await spec.apply(suppress.edit.changes[spec.uri])
    assert "    # stackc: allow(unpinned-image, pgdata-mount-mismatch)\n    image postgres\n" in spec.text
    assert codes(await spec.diagnostics()) == ["pg-password-missing"], "both suppressed, both used"


async def test_spec_errors_cannot_be_suppressed(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", "stack shop\nservice db {\n    image postgres:16.4\n    mount nope at /d\n}\n")
    finding = first(await spec.diagnostics(), code="unknown-volume")
    titles = [a.title for a in await code_actions(spec, finding)]
    assert not any(t.startswith("Allow") for t in titles), titles


async def test_fix_all_is_lint_fix(client, app):
    text = SEED.replace("    after db ready", "    after db").replace("    after web ready, collectstatic done", "    after web, collectstatic done")
    spec = await open_spec(client, app / "stack.spec", text)
    assert codes(await spec.diagnostics()) == ["missing-readiness-wait", "missing-readiness-wait"]
    [fix_all] = await code_actions(spec, (await spec.diagnostics())[0], only=[types.CodeActionKind.SourceFixAll])
    assert fix_all.kind == types.CodeActionKind.SourceFixAll
    await spec.apply(fix_all.edit.changes[spec.uri])
    assert await spec.diagnostics() == []


async def test_formatting_is_stackc_fmt(client, tmp_path):
    spec = await open_spec(client, tmp_path / "stack.spec", UNFORMATTED)
    params = types.DocumentFormattingParams(
        text_document=spec.doc(), options=types.FormattingOptions(tab_size=4, insert_spaces=True)
    )
    edits = await client.text_document_formatting_async(params)
    await spec.apply(edits)
    assert spec.text == "stack shop\nvolume data  # kept\nservice db {\n    image postgres:16.4\n    mount data at /d\n}\n"
    assert spec.path.read_text() == UNFORMATTED, "the server wrote the file"
    assert list(await client.text_document_formatting_async(params)) == []

    await spec.replace("service db {", "service db")
    assert await client.text_document_formatting_async(params) is None
