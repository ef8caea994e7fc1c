// Opens a URL in the user's browser; failure is not an error (the URL is printed anyway).
import { spawn } from 'node:child_process';

export function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => process.stderr.write(`could not start a browser (${cmd}); open the URL above yourself\n`));
    child.unref();
  } catch {
    process.stderr.write('could not start a browser; open the URL above yourself\n');
  }
}
