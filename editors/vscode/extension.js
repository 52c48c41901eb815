// The Eligo extension's client: starts `eligo lsp` from the user's Python environment and connects it to
// VS Code through vscode-languageclient (diagnostics, hover, completion, rename, formatting, lenses...).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

// The Python interpreter chosen in the Python extension, when it is installed and has one.
async function pythonFromExtension(resource) {
  const python = vscode.extensions.getExtension("ms-python.python");
  if (!python) {
    return undefined;
  }
  if (!python.isActive) {
    await python.activate();
  }
  const details = python.exports?.settings?.getExecutionDetails?.(resource);
  const command = details?.execCommand;
  return Array.isArray(command) && command.length > 0 ? command : undefined;
}

// The command that starts the server: the `eligo.server.command` setting, else `<python> -m eligo lsp` with the
// `eligo.server.python` setting, the Python extension's interpreter, or `python3`.
async function serverCommand() {
  const settings = vscode.workspace.getConfiguration("eligo.server");
  const configured = settings.get("command") || [];
  if (configured.length > 0) {
    return { command: configured[0], args: configured.slice(1) };
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const python = settings.get("python") ? [settings.get("python")] : (await pythonFromExtension(folder)) || ["python3"];
  return { command: python[0], args: [...python.slice(1), "-m", "eligo", "lsp"] };
}

async function activate(context) {
  const { command, args } = await serverCommand();
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "eligo" },
      { scheme: "file", pattern: "**/cases/*/*.{json,yaml,yml}" },
      { scheme: "file", pattern: "**/*.fhir.yaml" },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.eligo") },
  };
  client = new LanguageClient("eligo", "Eligo", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand("eligo.restartServer", () => client.restart()),
  );
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
