/**
 * VS Code's JSON language service (`vscode-json-languageservice`, the library the editor runs)
 * on a config document whose `$schema` names a schema file, so tests see what a user sees:
 * diagnostics, completions at a cursor, hover texts.
 */
import { createRequire } from "node:module";
import type * as JsonService from "vscode-json-languageservice";
import type * as TextDocuments from "vscode-languageserver-textdocument";

// Their ESM builds import without file extensions, which Node refuses: load the UMD builds.
const require = createRequire(import.meta.url);
const { ClientCapabilities, getLanguageService } =
  require("vscode-json-languageservice") as typeof JsonService;
const { TextDocument } = require("vscode-languageserver-textdocument") as typeof TextDocuments;

const SCHEMA_URI = "file:///project/schema.json";
const DOCUMENT_URI = "file:///project/config.json";

/** Where the cursor is in a test document. */
export const CURSOR = "|";

export interface Diagnostic {
  /** 1-based, as an editor shows it. */
  line: number;
  column: number;
  /** The text the diagnostic covers. */
  text: string;
  message: string;
}

export class JsonEditor {
  private readonly service: JsonService.LanguageService;

  constructor(schema: object) {
    this.service = getLanguageService({
      // What VS Code announces: markdown in completion documentation.
      clientCapabilities: ClientCapabilities.LATEST,
      schemaRequestService: async (uri) => {
        if (uri !== SCHEMA_URI) throw new Error(`no schema at ${uri}`);
        return JSON.stringify(schema);
      },
      workspaceContext: { resolveRelativePath: (relative, resource) => new URL(relative, resource).href },
    });
    this.service.configure({ validate: true, allowComments: false });
  }

  /** `config` as a document that names the schema as a user would: `"$schema": "./schema.json"`. */
  static text(config: object): string {
    return JSON.stringify({ $schema: "./schema.json", ...config }, null, 2);
  }

  async diagnostics(text: string): Promise<Diagnostic[]> {
    const { document, json } = this.open(text);
    const found = await this.service.doValidation(document, json, { schemaValidation: "error" });
    return found.map((diagnostic) => ({
      line: diagnostic.range.start.line + 1,
      column: diagnostic.range.start.character + 1,
      text: document.getText(diagnostic.range),
      message: typeof diagnostic.message === "string" ? diagnostic.message : diagnostic.message.value,
    }));
  }

  /** Completion labels at the cursor (`|`), as the service gives them. */
  async completions(textWithCursor: string): Promise<JsonService.CompletionItem[]> {
    const { document, json, position } = this.openAtCursor(textWithCursor);
    return (await this.service.doComplete(document, position, json))?.items ?? [];
  }

  async labels(textWithCursor: string): Promise<string[]> {
    return (await this.completions(textWithCursor)).map((item) => item.label).sort();
  }

  /** The markdown a hover at the cursor shows; undefined when none. */
  async hover(textWithCursor: string): Promise<string | undefined> {
    const { document, json, position } = this.openAtCursor(textWithCursor);
    const hover = await this.service.doHover(document, position, json);
    if (hover === null) return undefined;
    const contents = Array.isArray(hover.contents) ? hover.contents : [hover.contents];
    return contents.map((part) => (typeof part === "string" ? part : part.value)).join("\n");
  }

  private open(text: string) {
    const document = TextDocument.create(DOCUMENT_URI, "json", 1, text);
    return { document, json: this.service.parseJSONDocument(document) };
  }

  private openAtCursor(text: string) {
    const at = text.indexOf(CURSOR);
    if (at < 0) throw new Error(`no cursor (${CURSOR}) in ${text}`);
    const opened = this.open(text.slice(0, at) + text.slice(at + 1));
    return { ...opened, position: opened.document.positionAt(at) };
  }
}

/**
 * Puts the cursor into `text` in place of the first occurrence of `marker`'s `|`: e.g.
 * `at(text, '"type": "|countSteps"')` finds `"type": "countSteps"` and puts it after the quote.
 */
export function at(text: string, marker: string): string {
  const plain = marker.replace(CURSOR, "");
  const index = text.indexOf(plain);
  if (index < 0) throw new Error(`${plain} not in ${text}`);
  const cursor = index + marker.indexOf(CURSOR);
  return `${text.slice(0, cursor)}${CURSOR}${text.slice(cursor)}`;
}
