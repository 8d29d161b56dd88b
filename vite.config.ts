/**
 * Vite config of the inspector page, at the top level as the design has it: `npm run dev` serves
 * `inspector/`; `npm run build` (`vite build`) writes the static page to `dist/inspector` for the
 * `resilient-llm inspect` bin.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'vite';
import { type InspectorPluginOptions, resilientInspector } from './inspector/vite-plugin.js';

/** The inspector's Vite config; tests pass plugin options and a port. */
export function inspectorConfig(options: InspectorPluginOptions = {}, port = 5173): UserConfig {
  return {
    root: fileURLToPath(new URL('./inspector', import.meta.url)),
    base: './',
    clearScreen: false,
    server: { host: '127.0.0.1', port, strictPort: false },
    preview: { host: '127.0.0.1' },
    build: {
      outDir: fileURLToPath(new URL('./dist/inspector', import.meta.url)),
      emptyOutDir: true,
      chunkSizeWarningLimit: 2_000,
    },
    plugins: [resilientInspector(options)],
  };
}

export default defineConfig(inspectorConfig());
