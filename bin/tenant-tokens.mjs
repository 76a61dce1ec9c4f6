#!/usr/bin/env node
// `tenant-tokens`: the operator CLI. It is TypeScript; tsx's loader runs it as is (no build step to forget).
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
