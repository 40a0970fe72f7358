#!/bin/sh
node scripts/gen-config.js > src/config.json
