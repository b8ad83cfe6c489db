#!/usr/bin/env node
// Runs the built edgecore when the build is up to date, else src/cmd/edgecore/main.ts through tsx (bin/launch.mjs).
import { launch } from './launch.mjs';
await launch('edgecore');
