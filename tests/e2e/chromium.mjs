// Launches the system's headless Chromium the way the end-to-end tests and
// the benchmarks both use it; `args` are added to the common flags.
import { chromium } from 'playwright-core';

export function launchChromium(args = []) {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...args,
    ],
  });
}
