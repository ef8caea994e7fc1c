import { OpenButton } from './OpenButton';

export function DropZone() {
  return (
    <section className="drop-zone" data-testid="drop-zone">
      <div className="drop-zone__icon" aria-hidden="true">
        ⬇
      </div>
      <h2>Drop a video here</h2>
      <p>MP4, MOV, MKV, WebM, GIF or an image. The clip is decoded at up to 65 frames; large sources are resized to a 256-pixel short side. Pick any other part, length, sample rate or size afterwards in the Clip selection panel, and drop a file anywhere in the window to open it.</p>
      <OpenButton />
    </section>
  );
}
