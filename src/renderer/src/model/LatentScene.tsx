// The latent mean in 3D: one textured plane per latent frame, stacked along
// the time axis, orbitable with the mouse (drag to turn, wheel to zoom, right
// drag to pan) and with the keyboard (the canvas takes focus: arrows turn,
// + − zoom, 0 resets). The plane of the scrubber's frame is opaque and
// outlined; the others are translucent. Renders on demand, not in a loop.
import { useEffect, useRef, useState } from 'react';
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import type { Latent } from '../../../shared/contract';
import { latentSlice, type LatentChannel } from './latent-slices';

interface Props {
  latent: Latent;
  channel: LatentChannel;
  highlight: number;
}

interface Scene {
  renderer: THREE.WebGLRenderer;
  scene: THREE.Scene;
  camera: THREE.PerspectiveCamera;
  controls: OrbitControls;
  group: THREE.Group;
  render(): void;
  dispose(): void;
}

/** Latent frames are this far apart (planes are 1 wide), at most; long stacks are squeezed to STACK_LENGTH. */
const SPACING = 0.45;
const STACK_LENGTH = 3;

const spacingFor = (frames: number) => (frames > 1 ? Math.min(SPACING, STACK_LENGTH / (frames - 1)) : SPACING);

export function webglAvailable(): string | null {
  try {
    const c = document.createElement('canvas');
    const gl = c.getContext('webgl2') ?? c.getContext('webgl');
    if (!gl) return 'this browser gives no WebGL context (it may be disabled, or there is no GPU and no software renderer)';
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function createScene(host: HTMLDivElement): Scene {
  const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
  renderer.setClearColor(0x12151c);
  host.appendChild(renderer.domElement);
  const canvas = renderer.domElement;
  canvas.dataset.testid = 'latent-canvas';
  // A keyboard user turns it too: one tab stop, named, with its keys said.
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'application');
  canvas.setAttribute('aria-roledescription', '3D view');
  canvas.setAttribute('aria-label', 'Latent frames in 3D. Arrow keys turn the stack, plus and minus zoom, 0 resets the view; or drag with the mouse.');
  const scene = new THREE.Scene();
  const camera = new THREE.PerspectiveCamera(40, 1, 0.01, 100);
  camera.position.set(1.9, 1.2, 2.4);
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.enableDamping = false;
  const group = new THREE.Group();
  scene.add(group);
  const size = () => {
    const w = host.clientWidth || 600;
    const h = host.clientHeight || 420;
    renderer.setSize(w, h, true);
    camera.aspect = w / h;
    camera.updateProjectionMatrix();
  };
  size();
  const render = () => renderer.render(scene, camera);
  controls.addEventListener('change', render);
  const observer = new ResizeObserver(() => {
    size();
    render();
  });
  observer.observe(host);
  return {
    renderer,
    scene,
    camera,
    controls,
    group,
    render,
    dispose() {
      observer.disconnect();
      controls.dispose();
      clearGroup(group);
      renderer.dispose();
      renderer.domElement.remove();
    },
  };
}

function clearGroup(group: THREE.Group): void {
  for (const child of [...group.children]) {
    group.remove(child);
    child.traverse((o) => {
      const m = o as THREE.Mesh;
      m.geometry?.dispose();
      const mat = m.material as (THREE.Material & { map?: THREE.Texture | null }) | undefined;
      mat?.map?.dispose();
      mat?.dispose();
    });
  }
}

function fillGroup(s: Scene, latent: Latent, channel: LatentChannel, highlight: number): void {
  clearGroup(s.group);
  const [, T, h, w] = latent.shape;
  const pw = 1;
  const ph = h / w;
  const spacing = spacingFor(T);
  const z0 = ((T - 1) * spacing) / 2;
  for (let t = 0; t < T; t++) {
    const texture = new THREE.DataTexture(latentSlice(latent, channel, t), w, h, THREE.RGBAFormat);
    texture.magFilter = THREE.NearestFilter;
    texture.minFilter = THREE.NearestFilter;
    texture.colorSpace = THREE.SRGBColorSpace;
    // DataTexture rows start at the bottom; latent rows start at the top.
    texture.flipY = true;
    texture.needsUpdate = true;
    const on = t === highlight;
    const material = new THREE.MeshBasicMaterial({ map: texture, side: THREE.DoubleSide, transparent: !on, opacity: on ? 1 : 0.42, depthWrite: on });
    const mesh = new THREE.Mesh(new THREE.PlaneGeometry(pw, ph), material);
    // Time runs along +z, away from the first frame.
    mesh.position.z = t * spacing - z0;
    mesh.renderOrder = on ? 1 : 0;
    s.group.add(mesh);
    const edges = new THREE.LineSegments(
      new THREE.EdgesGeometry(new THREE.PlaneGeometry(pw, ph)),
      new THREE.LineBasicMaterial({ color: on ? 0xf2c14e : 0x4a5262 }),
    );
    edges.position.z = mesh.position.z;
    s.group.add(edges);
  }
  // The time axis, from the first latent frame to the last.
  const axis = new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(-0.6, -ph / 2 - 0.08, -z0), new THREE.Vector3(-0.6, -ph / 2 - 0.08, z0 + 0.15)]);
  s.group.add(new THREE.Line(axis, new THREE.LineBasicMaterial({ color: 0x8b93a5 })));
  s.render();
}

/**
 * Looks at the stack from the side of its first frame, obliquely, from just far enough that all of
 * it (slices, outlines and the time axis) projects inside the canvas with a margin, whatever its
 * aspect: the corners of its bounding box are projected, and the distance searched.
 */
function frameCamera(s: Scene, latent: { shape: readonly number[] }): void {
  const [, T, h, w] = latent.shape;
  const z0 = ((T - 1) * spacingFor(T)) / 2;
  const ph = h / w;
  const corners: THREE.Vector3[] = [];
  for (const x of [-0.6, 0.5]) for (const y of [-ph / 2 - 0.08, ph / 2]) for (const z of [-z0, z0 + 0.15]) corners.push(new THREE.Vector3(x, y, z));
  // About 30 degrees off the time axis: the slices' faces stay readable.
  const dir = new THREE.Vector3(0.5, 0.35, -0.8).normalize();
  s.controls.target.set(0, 0, 0);
  const fits = (d: number) => {
    s.camera.position.copy(dir).multiplyScalar(d);
    s.camera.lookAt(0, 0, 0);
    s.camera.updateMatrixWorld();
    return corners.every((c) => {
      const p = c.clone().project(s.camera);
      return Math.abs(p.x) <= 0.9 && Math.abs(p.y) <= 0.88 && p.z < 1;
    });
  };
  let lo = 0.5;
  let hi = 40;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) hi = mid;
    else lo = mid;
  }
  s.camera.position.copy(dir).multiplyScalar(hi);
  s.controls.update();
}

/** Radians one arrow key turns the stack; the zoom factor of one + or −. */
const KEY_TURN = Math.PI / 24;
const KEY_ZOOM = 1.2;

/** Turns the camera about the target (dTheta around the vertical, dPhi over it) and moves it nearer or farther, as OrbitControls' drag and wheel do. */
function orbitBy(s: Scene, dTheta: number, dPhi: number, distanceFactor: number): void {
  const target = s.controls.target;
  const offset = s.camera.position.clone().sub(target);
  const sph = new THREE.Spherical().setFromVector3(offset);
  sph.theta += dTheta;
  sph.phi = Math.max(0.05, Math.min(Math.PI - 0.05, sph.phi + dPhi));
  sph.radius = Math.max(s.controls.minDistance, Math.min(s.controls.maxDistance, sph.radius * distanceFactor));
  s.camera.position.copy(target).add(offset.setFromSpherical(sph));
  s.camera.lookAt(target);
  // Fires 'change', which renders.
  s.controls.update();
}

export function LatentScene({ latent, channel, highlight }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const scene = useRef<Scene | null>(null);
  const [failure, setFailure] = useState<string | null>(() => webglAvailable());

  useEffect(() => {
    if (failure || !host.current) return;
    try {
      scene.current = createScene(host.current);
    } catch (err) {
      setFailure(err instanceof Error ? err.message : String(err));
    }
    return () => {
      scene.current?.dispose();
      scene.current = null;
    };
  }, [failure]);

  // A new latent (another clip or model) resets the view; channel and frame changes keep the user's orbit.
  useEffect(() => {
    if (scene.current) frameCamera(scene.current, latent);
  }, [latent, failure]);

  // The keyboard's orbit, on the canvas (the app's own arrows step frames elsewhere).
  const latestLatent = useRef(latent);
  latestLatent.current = latent;
  useEffect(() => {
    const s = scene.current;
    if (!s) return;
    const canvas = s.renderer.domElement;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'ArrowLeft') orbitBy(s, KEY_TURN, 0, 1);
      else if (e.key === 'ArrowRight') orbitBy(s, -KEY_TURN, 0, 1);
      else if (e.key === 'ArrowUp') orbitBy(s, 0, KEY_TURN, 1);
      else if (e.key === 'ArrowDown') orbitBy(s, 0, -KEY_TURN, 1);
      else if (e.key === '+' || e.key === '=') orbitBy(s, 0, 0, 1 / KEY_ZOOM);
      else if (e.key === '-') orbitBy(s, 0, 0, KEY_ZOOM);
      else if (e.key === '0') frameCamera(s, latestLatent.current);
      else return;
      e.preventDefault();
      e.stopPropagation();
    };
    canvas.addEventListener('keydown', onKey);
    return () => canvas.removeEventListener('keydown', onKey);
  }, [failure]);

  useEffect(() => {
    if (scene.current) fillGroup(scene.current, latent, channel, highlight);
  }, [latent, channel, highlight, failure]);

  if (failure) {
    return (
      <div className="latent-scene latent-scene--off" data-testid="webgl-unavailable" role="status">
        <strong>3D view unavailable: WebGL could not start.</strong>
        <p>{failure}. The 2D grid below shows every channel of the current latent frame.</p>
      </div>
    );
  }
  return (
    <>
      <div className="latent-scene" ref={host} data-testid="latent-scene" data-planes={latent.shape[1]} data-highlight={highlight} />
      {/* Under the canvas, not over it: a caption on the picture hid the slices behind it. */}
      <p className="latent-scene__legend" data-testid="latent-legend">
        {latent.shape[1]} latent frames along the grey time axis, frame 0 nearest · <b>outlined: latent frame {highlight}</b> (the scrubber&apos;s)
      </p>
    </>
  );
}
