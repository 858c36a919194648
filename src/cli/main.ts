#!/usr/bin/env node
// Entry point of the kubectl-submariner binary. kubectl runs it as `kubectl submariner ...`.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
