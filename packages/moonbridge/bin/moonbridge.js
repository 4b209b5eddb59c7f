#!/usr/bin/env node
// The `moonbridge` command. This file is source, not build output, so that a
// workspace install (pnpm links commands before anything is built) can link
// the command in a fresh clone; it runs the built command line.
import "../dist/cli.js";
