import { defineConfig } from 'vitest/config';

// Files that assert on wall-clock time or on the process's own memory peak: they
// run alone, after the rest, so another file's work cannot move their numbers.
const ALONE = [
  'test/unit/reaudit/serve-flood.test.ts',
  'test/unit/serve/idle-flood.test.ts',
  'test/unit/runtime/memory-plan.test.ts',
  'test/unit/runtime/convert-cache.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    // The CLI the tests run is the build that ships: rebuilt first where a source is newer.
    globalSetup: ['test/build-cli.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        // Two files at a time on two cores: one file alone keeps them 125 % busy (much of a
        // test is a process starting, ffmpeg or torch loading, a socket waiting); two make it 190 %.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], exclude: ALONE, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
