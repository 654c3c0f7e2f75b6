/** Injection tokens for values that have no class of their own. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const OBJECT_STORE = Symbol('OBJECT_STORE');
