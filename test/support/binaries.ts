import { binaries } from '../../src/sandbox/binaries/versions.js';

/** The real kubectl built by the set-up step. */
export const kubectl = binaries().kubectl;
