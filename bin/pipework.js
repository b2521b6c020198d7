#!/usr/bin/env node
// Runs the bundled CLI (npm ci / npm run build produce dist/).
import process from 'node:process';
import { main } from '../dist/bundle/cli.mjs';

process.exitCode = await main(process.argv.slice(2));
