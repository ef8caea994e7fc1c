// No page of the app navigates away or opens a window: a link to an
// allowlisted site opens in the system browser, everything else is dropped.
// Installed on every webContents the app creates.
import type { WebContents } from 'electron';
import { isAllowedExternalUrl } from './trusted-sender';

type GuardedContents = Pick<WebContents, 'setWindowOpenHandler' | 'on'>;

export function guardWebContents(contents: GuardedContents, openExternal: (url: string) => Promise<void>): void {
  const maybeOpen = (url: string) => {
    if (isAllowedExternalUrl(url)) void openExternal(url).catch(() => undefined);
  };
  contents.setWindowOpenHandler(({ url }) => {
    maybeOpen(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    maybeOpen(url);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
