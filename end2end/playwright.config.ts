import { defineConfig } from '@playwright/test';

// The real server binary on a fresh SQLite database with the demo data, in Debian's Chromium.
const port = Number(process.env.TESSERA_E2E_PORT ?? 3100);

export default defineConfig({
  testDir: './tests',
  // The tests share one server and database, and one of them switches an option: run in order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'bash end2end/start-server.sh',
    cwd: '..',
    url: `http://127.0.0.1:${port}/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: { TESSERA_E2E_PORT: String(port) },
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
