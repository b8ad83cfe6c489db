#!/usr/bin/env node
// Runs the built keadm when the build is up to date, else src/cmd/keadm/main.ts through tsx (bin/launch.mjs).
import { launch } from './launch.mjs';
await launch('keadm');
