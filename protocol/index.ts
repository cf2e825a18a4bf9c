// The podloop protocol: every method, its params and result, and the error codes.
export * from './errors.js';
export * from './progress.js';
export * from './lifecycle.js';
export * from './cluster.js';
export * from './workloads.js';
export * from './dev.js';
export * from './sync.js';
export * from './logs.js';
export * from './portForward.js';
export * from './debug.js';
export * from './run.js';
export * from './exec.js';
export * from './state.js';
export * from './sandbox.js';
export * from './methods.js';
