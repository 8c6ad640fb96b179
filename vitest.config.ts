import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'webhooks/**/*.test.ts', 'workers/**/*.test.ts'],
    // Each file creates its own database and queue prefix, so files run in parallel.
    pool: 'forks',
    // Vitest's default is one fork fewer than the cores: a single fork on a 2-core machine, where
    // most files spend their time waiting on Postgres, Redis and child processes, not computing.
    maxWorkers: 3,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
