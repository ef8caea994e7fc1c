import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    // The CLI the tests run is the build that ships: rebuilt first where a source is newer.
    globalSetup: ['test/build-cli.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: running heavy inference files in parallel only thrashes.
    fileParallelism: false,
    reporters: ['default'],
  },
});
