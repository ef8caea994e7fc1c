import { useRef } from 'react';
import { useStore } from '../store';

/** Electron: the native Open dialog in main. Browser: a file input whose bytes are uploaded. */
export function OpenButton() {
  const transport = useStore((s) => s.transport);
  const openFile = useStore((s) => s.openFile);
  const chooseAndOpen = useStore((s) => s.chooseAndOpen);
  const input = useRef<HTMLInputElement>(null);
  const native = Boolean(transport?.chooseVideoFile);
  return (
    <>
      <button className="button button--primary" data-testid="open-button" disabled={!transport} onClick={() => (native ? void chooseAndOpen() : input.current?.click())}>
        Open video…
      </button>
      {!native && (
        <input
          ref={input}
          type="file"
          accept="video/*,image/*,.mkv,.mov,.mp4,.webm,.avi,.gif"
          hidden
          data-testid="file-input"
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) void openFile(file);
          }}
        />
      )}
    </>
  );
}
