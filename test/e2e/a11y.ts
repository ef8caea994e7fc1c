/// <reference lib="dom" />
// Checks every e2e spec runs on the views it shows: an axe-core scan (no
// serious or critical violation) and no text spilling out of its panel, at
// the two window sizes a laptop user has (1280×800 and 1440×900).
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect } from './serve-fixture';

export const WINDOW_SIZES = [
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;

/** axe-core over the whole page as it is: 0 serious or critical violations, each one named with where it is. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // Legacy mode runs axe in the page itself: the app has no frames, and the specs' pages come from browser.newPage(),
  // where the default mode cannot open the blank page it finishes in.
  const result = await new AxeBuilder({ page }).setLegacyMode().analyze();
  const bad = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}${v.nodes.length > 4 ? ` (+${v.nodes.length - 4} more)` : ''}`);
  expect(bad, `axe-core on ${what}`).toEqual([]);
}

/**
 * Nothing inside a panel reaches past the panel's sides, and no element's text runs past its own
 * box, except where a scroll or clip container holds it on purpose (the pathway viewport, a table
 * that scrolls, an ellipsis).
 */
export async function expectNoOverflow(page: Page, what: string): Promise<void> {
  const problems = await page.evaluate(() => {
    const out: string[] = [];
    const name = (el: Element) => {
      const id = el.getAttribute('data-testid');
      const cls = (el.getAttribute('class') ?? '').split(' ')[0];
      return `${el.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : cls ? `.${cls}` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    };
    for (const panel of Array.from(document.querySelectorAll('.panel, .modal__body'))) {
      const pr = panel.getBoundingClientRect();
      for (const el of Array.from(panel.querySelectorAll('*'))) {
        if (el.closest('svg')) continue;
        let clipped = false;
        for (let a = el.parentElement; a && a !== panel; a = a.parentElement) {
          const s = getComputedStyle(a);
          if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
            clipped = true;
            break;
          }
        }
        if (clipped) continue;
        const s = getComputedStyle(el);
        if (s.display === 'none' || s.visibility === 'hidden' || s.position === 'fixed') continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.right > pr.right + 1 || r.left < pr.left - 1) out.push(`${name(el)} reaches past its panel (${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(pr.left)}–${Math.round(pr.right)})`);
        else if (s.overflowX === 'visible' && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && !['CANVAS', 'INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) {
          out.push(`${name(el)} holds content ${el.scrollWidth - el.clientWidth}px wider than itself`);
        }
      }
    }
    return out;
  });
  expect(problems, `text overflow on ${what}`).toEqual([]);
}

/** Both checks at both window sizes; the window is left at the last size. */
export async function checkView(page: Page, what: string, settle?: () => Promise<void>): Promise<void> {
  for (const size of WINDOW_SIZES) {
    await page.setViewportSize(size);
    await settle?.();
    await expectNoOverflow(page, `${what} at ${size.width}×${size.height}`);
  }
  await expectAccessible(page, what);
}
