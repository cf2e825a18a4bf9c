#!/usr/bin/env node
import '../dist/clients/cli/main.js';
