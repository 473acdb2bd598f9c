export * from './types.js';
export * from './policy.js';
export * from './conditions.js';
export * from './quiet-hours.js';
export * from './local-time.js';
export * from './digest.js';
export * from './check-input.js';
