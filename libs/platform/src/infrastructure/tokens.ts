/** Injection tokens for values that have no class of their own. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const OBJECT_STORE = Symbol('OBJECT_STORE');
/** An AbortSignal aborted when the app starts shutting down: long jobs (training) checkpoint and stop on it. */
export const SHUTDOWN_SIGNAL = Symbol('SHUTDOWN_SIGNAL');
