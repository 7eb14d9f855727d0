import { defineErrors, EXIT } from '../core/error-base.js';

/** Model registry errors. */
export const REGISTRY_ERRORS = defineErrors('REGISTRY', {
  VERSION_EXISTS: {
    http: 409,
    exit: EXIT.conflict,
    title: 'That version is already registered; versions are immutable',
    hint: 'Register under a new version (e.g. with --bump patch); a registered version is never overwritten.',
  },
});
