#!/usr/bin/env node
/** The keyplane command line. */
console.error("usage: keyplane <command>");
process.exit(2);
