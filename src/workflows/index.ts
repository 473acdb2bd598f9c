export { checkHostStatus } from './check-host-status.js';
export type { CheckSummary } from './check-host-status.js';
