#!/usr/bin/env node
// Runs the built cloudcore when the build is up to date, else src/cmd/cloudcore/main.ts through tsx (bin/launch.mjs).
import { launch } from './launch.mjs';
await launch('cloudcore');
