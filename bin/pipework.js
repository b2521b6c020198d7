#!/usr/bin/env node
// Runs the compiled CLI (npm ci / npm run build produce dist/).
import process from 'node:process';
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
