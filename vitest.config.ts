import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    // every fast-check property logs its seed and replays with WARDEN_FC_SEED
    setupFiles: ['test/support/fc.ts'],
    // probes PostgreSQL once and names the tests it skips when there is none
    globalSetup: ['test/support/postgres-setup.ts'],
  },
});
