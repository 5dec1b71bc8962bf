// SPDX-License-Identifier: MIT
/**
 * Starts Debian's Firefox ESR headless on a page, for the interop tests: a
 * fresh profile per run whose user.js turns on the fake camera and
 * microphone without a permission prompt, keeps ICE host candidates
 * unobfuscated (no mDNS names) and includes loopback, and turns off what would
 * reach the network (updates, telemetry, captive-portal and connectivity
 * checks). The page drives itself over HTTP on 127.0.0.1; nothing drives the
 * browser (no WebDriver, no downloaded or patched browser). Set FIREFOX_PATH to
 * use another binary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const FIREFOX = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';

/** `false` when Firefox is there, else why the tests skip. */
export const firefoxSkip: false | string = fs.existsSync(FIREFOX)
  ? false
  : `no Firefox at ${FIREFOX} (apt-get install firefox-esr, or set FIREFOX_PATH)`;

const PREFS: Record<string, boolean | string | number> = {
  // Fake media: a generated tone and test pattern, no device, no prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // ICE: real host addresses (no mDNS .local names) and loopback allowed.
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.tcp': false,
  // Nothing that would reach the network or a prompt.
  'app.update.auto': false,
  'app.update.disabledForTesting': true,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'browser.safebrowsing.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
};

/** A running headless Firefox; `close()` kills it and removes its profile. */
export interface Firefox {
  /** Firefox's stderr so far (for a failing test's diagnostics). */
  log(): string;
  close(): Promise<void>;
}

/**
 * Starts Firefox ESR headless on `url` with a fresh profile.
 * @param url - the page to open (on 127.0.0.1)
 * @returns the running browser
 */
export function launchFirefox(url: string): Firefox {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dtls-srtp-firefox-'));
  const userJs = Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`);
  fs.writeFileSync(path.join(profile, 'user.js'), `${userJs.join('\n')}\n`);
  // Its own process group, so that close() reaches the content processes too.
  const child: ChildProcess = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, url], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
    env: { ...process.env, MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  return {
    log: () => stderr,
    close: async () => {
      const exited =
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve()
          : new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
      await exited;
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    },
  };
}
