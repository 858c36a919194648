#!/usr/bin/env node
// Entry point of the kubectl-submariner binary. kubectl runs it as `kubectl submariner ...`.
import { execute } from '@oclif/core';
import { pflagBooleans } from './argv.js';

await execute({ dir: import.meta.url, args: pflagBooleans(process.argv.slice(2)) });
