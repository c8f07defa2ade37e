// The client half of stackc's VS Code extension: it starts `stackc lsp` for
// stack specs and restarts it when `stackc.path` changes. Everything else
// (diagnostics, hover, completion, rename, fixes, formatting) is the server's.
//
// Plain JavaScript, so the extension needs no compile step: `vsce package`
// packages this file as it is.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;

/** The server as `stackc.path` names it (a machine setting, see package.json). */
function serverOptions() {
  const command = vscode.workspace.getConfiguration('stackc').get('path') || 'stackc';
  return { command, args: ['lsp'] };
}

/** Starts a client; a binary that is missing or fails is reported, not thrown. */
async function start() {
  const options = serverOptions();
  client = new LanguageClient('stackc', 'stackc', options, {
    documentSelector: [
      { scheme: 'file', language: 'stackc' },
      { scheme: 'untitled', language: 'stackc' },
    ],
  });
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    vscode.window.showErrorMessage(
      `stackc: \`${options.command} lsp\` did not start (${error.message || error}). ` +
        'Put stackc on your PATH or set stackc.path to the binary.',
    );
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

async function restart() {
  await stop();
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('stackc.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('stackc.path')) {
        return restart();
      }
      return undefined;
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
