// The Electron main process's security decisions as plain functions, with
// Electron's objects stood in by recorders (no Electron binary here): which
// senders IPC answers, which URLs open externally, where the UI loads from,
// what app:// serves, that permissions are refused and navigation blocked,
// and that a packaged build has no Reload or DevTools.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { APP_ENTRY_URL, appResponse, resolveAppUrl } from '../../../src/main/security/app-protocol';
import { guardWebContents } from '../../../src/main/security/navigation';
import { installPermissionGuards } from '../../../src/main/security/permissions';
import { checkSender, isAllowedExternalUrl, rendererEntry, trustedOrigins } from '../../../src/main/security/trusted-sender';
import { menuTemplate } from '../../../src/main/menu-template';

const DEV = 'http://localhost:5173/';

describe('IPC sender validation', () => {
  const origins = trustedOrigins(APP_ENTRY_URL);
  const app = { fromAppWindow: true, isMainFrame: true, frameUrl: 'app://wfvae/index.html' };

  it('answers the app window\'s main frame on app://wfvae only', () => {
    expect(origins).toEqual(['app://wfvae']);
    expect(checkSender(app, origins)).toEqual({ ok: true });
    expect(checkSender({ ...app, frameUrl: 'app://wfvae/assets/x.html#y' }, origins)).toEqual({ ok: true });
  });

  it('refuses other windows, subframes, other origins and frames without a URL, saying which', () => {
    expect(checkSender({ ...app, fromAppWindow: false }, origins)).toEqual({ ok: false, message: 'request from an unknown window' });
    expect(checkSender({ ...app, isMainFrame: false }, origins)).toEqual({ ok: false, message: 'request from a frame inside the page' });
    for (const url of ['file:///home/u/evil.html', 'https://example.com/', 'app://evil/index.html', DEV, 'data:text/html,hi']) {
      const v = checkSender({ ...app, frameUrl: url }, origins);
      expect(v.ok, url).toBe(false);
    }
    expect(checkSender({ ...app, frameUrl: undefined }, origins)).toEqual({ ok: false, message: 'request from a page that is not the app (no URL)' });
  });

  it('trusts the dev server\'s origin only when the UI actually loads from it', () => {
    expect(trustedOrigins(DEV)).toEqual(['app://wfvae', 'http://localhost:5173']);
    expect(checkSender({ ...app, frameUrl: `${DEV}index.html` }, trustedOrigins(DEV))).toEqual({ ok: true });
  });
});

describe('where the UI loads from', () => {
  it('honours ELECTRON_RENDERER_URL in development only, and only a local http dev server', () => {
    expect(rendererEntry(false, DEV, APP_ENTRY_URL)).toBe(DEV);
    expect(rendererEntry(false, 'http://127.0.0.1:5173/', APP_ENTRY_URL)).toBe('http://127.0.0.1:5173/');
    expect(rendererEntry(true, DEV, APP_ENTRY_URL)).toBe('app://wfvae/index.html');
    expect(rendererEntry(false, undefined, APP_ENTRY_URL)).toBe('app://wfvae/index.html');
    expect(rendererEntry(false, 'https://evil.example/', APP_ENTRY_URL)).toBe('app://wfvae/index.html');
    expect(rendererEntry(false, 'http://localhost.evil.example:5173/', APP_ENTRY_URL)).toBe('app://wfvae/index.html');
    expect(rendererEntry(false, 'file:///tmp/index.html', APP_ENTRY_URL)).toBe('app://wfvae/index.html');
  });
});

describe('external links', () => {
  it('opens https links to the allowlisted sites only', () => {
    for (const ok of ['https://github.com/PKU-YuanGroup/WF-VAE', 'https://arxiv.org/abs/2411.17459', 'https://huggingface.co/x']) expect(isAllowedExternalUrl(ok), ok).toBe(true);
    for (const bad of [
      'http://github.com/PKU-YuanGroup/WF-VAE',
      'https://github.com.evil.example/',
      'https://evil.example/?https://github.com',
      'https://user:pw@github.com/',
      'https://github.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://github.com/share',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(bad), bad).toBe(false);
    }
  });
});

describe('permissions', () => {
  it('refuses every permission request, check and device request', () => {
    const recorded: Record<string, (...args: never[]) => unknown> = {};
    installPermissionGuards({
      setPermissionRequestHandler: (h) => void (recorded.request = h as never),
      setPermissionCheckHandler: (h) => void (recorded.check = h as never),
      setDevicePermissionHandler: (h) => void (recorded.device = h as never),
    });
    const answers: boolean[] = [];
    const request = recorded.request as unknown as (wc: unknown, p: string, cb: (g: boolean) => void) => void;
    for (const p of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal', 'fileSystem']) request({}, p, (g) => answers.push(g));
    expect(answers).toEqual([false, false, false, false, false, false]);
    expect((recorded.check as unknown as () => boolean)()).toBe(false);
    expect((recorded.device as unknown as () => boolean)()).toBe(false);
  });
});

describe('navigation and new windows', () => {
  type Handler = (...args: unknown[]) => void;
  function fakeContents() {
    const on: Record<string, Handler> = {};
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = {
      setWindowOpenHandler: (h: typeof openHandler) => void (openHandler = h),
      on: (name: string, h: Handler) => ((on[name] = h), contents),
    };
    return { contents, on, open: (url: string) => openHandler!({ url }) };
  }

  it('denies every new window, blocks navigation, redirects and webviews, and opens only allowlisted links outside', () => {
    const opened: string[] = [];
    const f = fakeContents();
    guardWebContents(f.contents as never, async (url) => void opened.push(url));
    expect(f.open('https://github.com/PKU-YuanGroup/WF-VAE')).toEqual({ action: 'deny' });
    expect(f.open('https://evil.example/')).toEqual({ action: 'deny' });
    const prevented: string[] = [];
    const ev = (name: string, extra: object = {}) => ({ ...extra, preventDefault: () => prevented.push(name) });
    f.on['will-navigate'](ev('will-navigate'), 'https://evil.example/phish');
    f.on['will-navigate'](ev('will-navigate'), 'https://arxiv.org/abs/2411.17459');
    f.on['will-redirect'](ev('will-redirect'));
    f.on['will-attach-webview'](ev('will-attach-webview'));
    f.on['will-frame-navigate'](ev('will-frame-navigate', { isMainFrame: false }));
    expect(prevented).toEqual(['will-navigate', 'will-navigate', 'will-redirect', 'will-attach-webview', 'will-frame-navigate']);
    expect(opened).toEqual(['https://github.com/PKU-YuanGroup/WF-VAE', 'https://arxiv.org/abs/2411.17459']);
  });
});

describe('the app:// protocol', () => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wfvae-app-protocol-'));
    root = join(dir, 'renderer');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(root, 'assets', 'index.js'), 'export {}');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    symlinkSync(join(dir, 'secret.txt'), join(root, 'assets', 'out.txt'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves files of the renderer folder, and nothing outside it', async () => {
    expect(await resolveAppUrl(root, 'app://wfvae/index.html')).toBe(join(root, 'index.html'));
    expect(await resolveAppUrl(root, 'app://wfvae/assets/index.js?v=1')).toBe(join(root, 'assets', 'index.js'));
    for (const bad of [
      'app://wfvae/../secret.txt',
      'app://wfvae/%2e%2e/secret.txt',
      'app://wfvae/assets/..%2f..%2fsecret.txt',
      'app://wfvae/assets/out.txt',
      'app://wfvae/assets',
      'app://other/index.html',
      'file:///etc/passwd',
      'app://wfvae/%00index.html',
      'app://wfvae/%E0%A4%A',
    ]) {
      expect(await resolveAppUrl(root, bad), bad).toBeUndefined();
    }
  });

  it('answers with the content type and the CSP, or 404', async () => {
    const ok = await appResponse(root, APP_ENTRY_URL);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await ok.text()).toContain('<title>app</title>');
    const missing = await appResponse(root, 'app://wfvae/assets/out.txt');
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('secret');
  });
});

describe('the menu', () => {
  const roles = (items: MenuItemConstructorOptions[]): string[] =>
    items.flatMap((i) => [...(i.role ? [String(i.role)] : []), ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]);
  const actions = { open: () => undefined, quit: () => undefined };

  it('has no Reload, Force Reload or DevTools in a packaged build', () => {
    for (const isMac of [false, true]) {
      const r = roles(menuTemplate({ isMac, isPackaged: true }, actions)).map((x) => x.toLowerCase());
      for (const banned of ['reload', 'forcereload', 'toggledevtools', 'viewmenu']) expect(r).not.toContain(banned);
      expect(r).toContain('togglefullscreen');
    }
  });

  it('keeps the full View menu (reload, devtools) in development', () => {
    expect(roles(menuTemplate({ isMac: false, isPackaged: false }, actions))).toContain('viewMenu');
  });
});
