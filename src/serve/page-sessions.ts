// Which open clips each browser page holds, so that what a page uploaded goes
// when the page goes. A page names itself (a random id, in a header on its API
// calls and in the query of its event stream); its event stream is how the
// server knows it is there. A page whose streams have all closed, and stay
// closed for a grace period (an EventSource reconnects within seconds; a
// reload opens a new page at once), is gone: its uploaded clips that no other
// page holds are closed, and with the last clip of an upload the engine
// deletes the uploaded file. Clips opened from a path on disk are the
// server's, not a page's (`wfvae serve clip.mp4` shows its clip to every tab).
import type { ClipInfo, WfvaeApi } from '../shared/contract';

export const PAGE_HEADER = 'x-wfvae-page';
const PAGE_ID = /^[\w-]{8,64}$/;

/** The page id a request names, if it names a well-formed one. */
export function pageIdOf(value: string | string[] | null | undefined): string | undefined {
  return typeof value === 'string' && PAGE_ID.test(value) ? value : undefined;
}

interface Page {
  streams: number;
  clips: Set<string>;
  timer?: NodeJS.Timeout;
}

export class PageSessions {
  private readonly pages = new Map<string, Page>();

  constructor(
    private readonly session: Pick<WfvaeApi, 'closeClip'>,
    private readonly graceMs: number,
  ) {}

  streamOpened(pageId: string): void {
    const page = this.page(pageId);
    page.streams++;
    clearTimeout(page.timer);
    page.timer = undefined;
  }

  streamClosed(pageId: string): void {
    const page = this.pages.get(pageId);
    if (!page) return;
    page.streams = Math.max(0, page.streams - 1);
    if (page.streams > 0) return;
    clearTimeout(page.timer);
    this.scheduleLeave(pageId, page);
  }

  private scheduleLeave(pageId: string, page: Page): void {
    page.timer = setTimeout(() => void this.leave(pageId), this.graceMs);
    page.timer.unref();
  }

  /** An API answer reached the page: the uploaded clips in it are the page's (a reload claims what it lists). */
  answered(pageId: string, method: string, request: unknown, value: unknown): void {
    if (method === 'closeClip') {
      this.pages.get(pageId)?.clips.delete((request as { clipId: string }).clipId);
      return;
    }
    const clips: ClipInfo[] =
      method === 'openVideo' || method === 'selectClip' ? [value as ClipInfo] : method === 'listClips' ? (value as { clips: ClipInfo[] }).clips : [];
    const uploaded = clips.filter((clip) => clip.path === '');
    if (uploaded.length === 0) return;
    const page = this.page(pageId);
    for (const clip of uploaded) page.clips.add(clip.clipId);
    // A page with no event stream open (it never opened one, or it went away while this answer was on its way) is gone unless one opens.
    if (page.streams === 0 && !page.timer) this.scheduleLeave(pageId, page);
  }

  dispose(): void {
    for (const page of this.pages.values()) clearTimeout(page.timer);
    this.pages.clear();
  }

  private page(pageId: string): Page {
    let page = this.pages.get(pageId);
    if (!page) this.pages.set(pageId, (page = { streams: 0, clips: new Set() }));
    return page;
  }

  private async leave(pageId: string): Promise<void> {
    const page = this.pages.get(pageId);
    if (!page || page.streams > 0) return;
    this.pages.delete(pageId);
    const heldElsewhere = new Set([...this.pages.values()].flatMap((p) => [...p.clips]));
    for (const clipId of page.clips) {
      if (!heldElsewhere.has(clipId)) await this.session.closeClip({ clipId }).catch(() => undefined);
    }
  }
}
