export { checkHostStatus, checkHostSlice } from './check-host-status.js';
export type { CheckSummary } from './check-host-status.js';
