#!/usr/bin/env node
/**
 * The `resilient-llm` bin. `resilient-llm inspect [--port 5173] [--token T] [--no-demo]` serves the built
 * inspector page with its relay on 127.0.0.1 and prints the page URL (with its token) and the value of
 * `RESILIENT_LLM_INSPECT` for apps to connect.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startInspectorServer } from '../inspect/server.js';

const USAGE = `Usage: resilient-llm inspect [--port <n>] [--token <t>] [--no-demo]

  --port <n>    port on 127.0.0.1 (default 5173; 0 picks a free one)
  --token <t>   token apps and pages must present (default: random, or $RESILIENT_LLM_INSPECT_TOKEN)
  --no-demo     do not run the built-in demo app`;

/** Runs the CLI with `argv` (without node and script); resolves with the exit code, or never for `inspect`. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      token: { type: 'string' },
      'no-demo': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'inspect') {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const port = values.port === undefined ? 5173 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
    return 2;
  }
  // dist/src/cli/main.js → dist/inspector (built by `vite build` with the top-level `vite.config.ts`).
  const staticDir = fileURLToPath(new URL('../../inspector/', import.meta.url));
  const server = await startInspectorServer({
    staticDir,
    port,
    token: values.token ?? process.env.RESILIENT_LLM_INSPECT_TOKEN,
    demo: !values['no-demo'],
  });
  console.log(`resilient-llm inspector: ${server.pageUrl}`);
  console.log(`connect an app:          RESILIENT_LLM_INSPECT='${server.wsUrl}'`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return new Promise<number>(() => {});
}

const invoked = process.argv[1]
  ? fileURLToPath(import.meta.url) === (await import('node:fs')).realpathSync(process.argv[1])
  : false;
if (invoked) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
