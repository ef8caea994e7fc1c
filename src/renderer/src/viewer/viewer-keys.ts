// Which A/B viewer the keyboard drives: the one last pointed at or focused,
// else the one mounted last. App's key handler asks here first and falls back
// to its own (frame step) when no viewer takes the key.
export type KeyHandler = (key: string) => boolean;

const handlers: { id: string; handle: KeyHandler }[] = [];

export function registerViewerKeys(id: string, handle: KeyHandler): () => void {
  handlers.push({ id, handle });
  return () => {
    const i = handlers.findIndex((h) => h.id === id && h.handle === handle);
    if (i >= 0) handlers.splice(i, 1);
  };
}

/** Makes this viewer the one the keys go to. */
export function activateViewerKeys(id: string): void {
  const i = handlers.findIndex((h) => h.id === id);
  if (i >= 0 && i !== handlers.length - 1) handlers.push(...handlers.splice(i, 1));
}

export function handleViewerKey(key: string): boolean {
  const top = handlers.at(-1);
  return top ? top.handle(key) : false;
}
