// The extension's client outside VS Code (run by tests/editors.rs as
// `node tests/client.test.js` with STACKC naming the stackc under test):
// extension.js is loaded with a stand-in for the `vscode` module and a
// recording LanguageClient, then the server options it chose are used to
// start the real `stackc lsp` and initialize it over vscode-jsonrpc, the
// protocol library vscode-languageclient itself uses.
'use strict';

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const Module = require('node:module');
const path = require('node:path');
const rpc = require('vscode-jsonrpc/node');

const stackc = process.env.STACKC;
assert.ok(stackc, 'STACKC names the stackc binary to start');

/** Every LanguageClient extension.js made, in order. */
const clients = [];
class RecordingClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, started: false, stopped: false });
    clients.push(this);
  }
  async start() {
    if (!this.serverOptions.command.startsWith('/') || require('node:fs').existsSync(this.serverOptions.command)) {
      this.started = true;
      return;
    }
    throw new Error(`spawn ${this.serverOptions.command} ENOENT`);
  }
  async stop() {
    this.stopped = true;
  }
}

/** The parts of the VS Code API extension.js uses. */
const settings = {};
const configurationListeners = [];
const errors = [];
const commands = {};
const vscode = {
  workspace: {
    getConfiguration: (section) => ({ get: (key) => (section === 'stackc' ? settings[key] : undefined) }),
    onDidChangeConfiguration: (listener) => {
      configurationListeners.push(listener);
      return { dispose() {} };
    },
  },
  window: { showErrorMessage: (message) => errors.push(message) },
  commands: {
    registerCommand: (name, handler) => {
      commands[name] = handler;
      return { dispose() {} };
    },
  },
};

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscode;
  if (request === 'vscode-languageclient/node') return { LanguageClient: RecordingClient };
  return load.call(this, request, ...rest);
};

/** Tells extension.js that the settings `changed` (names) changed. */
async function configurationChanged(...changed) {
  const event = { affectsConfiguration: (name) => changed.includes(name) };
  await Promise.all(configurationListeners.map((listener) => listener(event)));
}

/** Starts `command args` and runs the LSP handshake; returns the server's capabilities. */
async function initialize({ command, args }) {
  const server = childProcess.spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(server.stdout),
    new rpc.StreamMessageWriter(server.stdin),
  );
  connection.listen();
  const result = await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
  });
  await connection.sendNotification('initialized', {});
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  const code = await exited;
  connection.dispose();
  assert.equal(code, 0, '`stackc lsp` exits 0 after `exit`');
  return result.capabilities;
}

async function main() {
  const extension = require(path.join(__dirname, '..', 'extension.js'));
  const context = { subscriptions: [] };
  await extension.activate(context);

  // By default: `stackc lsp` from the PATH, for stack specs in files and new buffers.
  assert.equal(clients.length, 1);
  assert.deepEqual(clients[0].serverOptions, { command: 'stackc', args: ['lsp'] });
  assert.deepEqual(
    clients[0].clientOptions.documentSelector.map((selector) => selector.language),
    ['stackc', 'stackc'],
  );
  assert.ok(clients[0].started);
  assert.equal(context.subscriptions.length, 2, 'the command and the settings listener are disposed with the extension');

  // `stackc.path` names the binary; changing it restarts the server.
  settings.path = stackc;
  await configurationChanged('stackc.path');
  assert.equal(clients.length, 2);
  assert.ok(clients[0].stopped && clients[1].started);
  assert.deepEqual(clients[1].serverOptions, { command: stackc, args: ['lsp'] });

  // Another setting leaves it running; the command restarts it.
  await configurationChanged('editor.tabSize');
  assert.equal(clients.length, 2);
  await commands['stackc.restartServer']();
  assert.equal(clients.length, 3);
  assert.ok(clients[1].stopped && clients[2].started);

  // A binary that is not there is reported, by the path the user gave.
  settings.path = '/nonexistent/stackc';
  await configurationChanged('stackc.path');
  assert.equal(errors.length, 1);
  assert.match(errors[0], /`\/nonexistent\/stackc lsp` did not start/);
  assert.match(errors[0], /stackc\.path/);
  await extension.deactivate();

  // The options the client chose start the real server, which answers.
  const capabilities = await initialize(clients[2].serverOptions);
  for (const feature of ['hoverProvider', 'completionProvider', 'definitionProvider', 'renameProvider', 'documentFormattingProvider']) {
    assert.ok(capabilities[feature], `stackc lsp offers ${feature}: ${JSON.stringify(capabilities)}`);
  }
  console.log(`client checks passed; stackc lsp offers ${Object.keys(capabilities).length} capabilities`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
