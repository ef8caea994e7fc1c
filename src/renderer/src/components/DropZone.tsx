import { OpenButton } from './OpenButton';

export function DropZone() {
  return (
    <section className="drop-zone" data-testid="drop-zone">
      <div className="drop-zone__icon" aria-hidden="true">
        ⬇
      </div>
      <h2>Drop a video here</h2>
      <p>MP4, MOV, MKV, WebM, GIF or an image. The clip is decoded at up to 65 frames; large sources are resized to a 256-pixel short side.</p>
      <OpenButton />
    </section>
  );
}
