import { fileURLToPath } from 'node:url';

/** The workflow bundle's entry, for `Worker.create({ workflowsPath })` and `bundleWorkflowCode`. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('./index.ts', import.meta.url));
