/**
 * Docs are code: extracts the ```ts snippets of a Markdown file and type-checks them with the TypeScript API
 * against the package's sources (`resilient-llm`, `resilient-llm/*` mapped by tsconfig.json `paths`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One fenced ```ts block: its 1-based line in the Markdown file and its code. */
export interface Snippet {
  line: number;
  code: string;
}

/** Every ```ts block of `markdown`, in order. */
export function extractSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i] ?? '')) continue;
    const start = i + 1;
    const body: string[] = [];
    for (i = start; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    snippets.push({ line: start + 1, code: body.join('\n') });
  }
  return snippets;
}

/**
 * Placeholders the prose relies on (your providers, your app, your model): declared, never defined, so a
 * snippet still fails on anything else it does not import.
 */
export const SNIPPET_GLOBALS = `
import type { Hono } from 'hono';
import type { FastifyInstance } from 'fastify';
import type { Express } from 'express';
import type { Message, Provider, ResilientLLM } from 'resilient-llm';
declare global {
  const providers: Provider[];
  const llm: ResilientLLM;
  const messages: Message[];
  const signal: AbortSignal;
  const apiKey: string;
  const baseURL: string;
  const app: Hono & Pick<Express, 'use'>;
  const fastify: FastifyInstance;
  const logger: { warn(fields: object, message: string): void };
  const log: (line: string) => void;
  const fetchResults: (query: string) => Promise<string[]>;
  const myModel: (request: unknown) => Promise<string>;
}
export {};
`;

/** A diagnostic, as `file:line: TSxxxx message`. */
export interface SnippetDiagnostic {
  file: string;
  line: number;
  code: number;
  message: string;
}

/**
 * Writes each snippet to `<dir>/snippet-<line>.ts` (a module) with the globals file and a tsconfig extending
 * the repository's, and type-checks them in one program. Returns the diagnostics by file name.
 */
export function checkSnippets(
  root: string,
  dir: string,
  snippets: Array<Snippet & { name: string }>,
): Map<string, SnippetDiagnostic[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = snippets.map((s) => {
    const file = join(dir, `${s.name}.ts`);
    writeFileSync(file, `${s.code}\nexport {};\n`);
    return file;
  });
  const globals = join(dir, 'globals.d.ts');
  writeFileSync(globals, SNIPPET_GLOBALS);
  const config = join(dir, 'tsconfig.json');
  const extendsPath = relative(dir, join(root, 'tsconfig.json'));
  writeFileSync(config, JSON.stringify({ extends: extendsPath, include: ['*.ts'] }));
  const parsed = ts.getParsedCommandLineOfConfigFile(
    config,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`Could not read ${config}`);
  const program = ts.createProgram({ rootNames: [...files, globals], options: parsed.options });
  const byFile = new Map<string, SnippetDiagnostic[]>(files.map((f) => [resolve(f), []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? resolve(d.file.fileName) : '(global)';
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const entry = { file, line, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') };
    const list = byFile.get(file) ?? [];
    list.push(entry);
    byFile.set(file, list);
  }
  return byFile;
}

/** Reads a Markdown file's snippets, named after their line. */
export function snippetsOf(path: string): Array<Snippet & { name: string }> {
  return extractSnippets(readFileSync(path, 'utf8')).map((s) => ({ ...s, name: `snippet-${s.line}` }));
}
