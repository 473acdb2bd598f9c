export { checkHostStatus, checkHostSlice } from './check-host-status.js';
export type { CheckSummary } from './check-host-status.js';
export { housekeeping } from './housekeeping.js';
export type { HousekeepingInput, HousekeepingSummary } from './housekeeping.js';
