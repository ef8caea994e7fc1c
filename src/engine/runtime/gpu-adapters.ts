/**
 * What WebGPU would run on here, told without starting it. onnxruntime's
 * WebGPU provider (Dawn over Vulkan on Linux) takes whatever adapter the
 * Vulkan loader offers, and on a machine without a GPU that is a software
 * rasteriser (Mesa's lavapipe, SwiftShader): it works, 40–70x slower than the
 * CPU provider. Neither onnxruntime nor Dawn reports the adapter to us, so the
 * Vulkan drivers installed are read the way the loader finds them, and a
 * hardware driver counts only when its device node exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

export type AdapterKind = 'hardware' | 'software' | 'none' | 'unknown';

export interface VulkanDriver {
  /** The ICD manifest (…/icd.d/*.json). */
  manifest: string;
  library: string;
  software: boolean;
  /** For a hardware driver: whether a device it can drive exists (its device node). */
  devicePresent: boolean;
}

export interface AdapterReport {
  kind: AdapterKind;
  /** One line for the user: which driver, and why it counts as what it is. */
  detail: string;
  drivers: VulkanDriver[];
}

/** The file system and environment the detection reads (injectable for tests). */
export interface AdapterProbeEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  exists(path: string): boolean;
  list(dir: string): string[];
  read(path: string): string;
}

export const hostProbeEnv: AdapterProbeEnv = {
  platform: process.platform,
  env: process.env,
  exists: existsSync,
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  read: (path) => readFileSync(path, 'utf8'),
};

const SOFTWARE_LIBRARY = /lvp|lavapipe|llvmpipe|swiftshader|swrast/i;

/** Device nodes a driver needs, by library name; mesa's other drivers use a DRM render node. */
function deviceNodePresent(library: string, probe: AdapterProbeEnv): boolean {
  const lib = basename(library).toLowerCase();
  if (lib.includes('nvidia')) return probe.exists('/dev/nvidia0') || probe.exists('/dev/nvidiactl');
  if (lib.includes('dzn')) return probe.exists('/dev/dxg'); // WSL's D3D12-backed driver
  return probe.list('/dev/dri').some((n) => n.startsWith('renderD'));
}

/** ICD manifests in the order and places the Vulkan loader looks (VK_DRIVER_FILES / VK_ICD_FILENAMES replace the search). */
function icdManifests(probe: AdapterProbeEnv): string[] {
  const { env } = probe;
  const explicit = env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES;
  const extra = (env.VK_ADD_DRIVER_FILES ?? '').split(':').filter(Boolean);
  if (explicit) return [...explicit.split(':').filter(Boolean), ...extra];
  const configDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const home = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  const dirs = [...configDirs, '/etc', home, ...dataDirs].map((d) => join(d, 'vulkan', 'icd.d'));
  const files: string[] = [];
  for (const d of [...new Set(dirs)]) for (const f of probe.list(d).sort()) if (f.endsWith('.json')) files.push(join(d, f));
  return [...files, ...extra];
}

function readDriver(manifest: string, probe: AdapterProbeEnv): VulkanDriver | null {
  try {
    const j = JSON.parse(probe.read(manifest)) as { ICD?: { library_path?: unknown } };
    const library = j.ICD?.library_path;
    if (typeof library !== 'string' || !library) return null;
    const software = SOFTWARE_LIBRARY.test(basename(library)) || SOFTWARE_LIBRARY.test(basename(manifest));
    return { manifest, library, software, devicePresent: !software && deviceNodePresent(library, probe) };
  } catch {
    return null;
  }
}

/** Which kind of adapter WebGPU would get on this machine. */
export function webgpuAdapter(probe: AdapterProbeEnv = hostProbeEnv): AdapterReport {
  if (probe.platform === 'darwin') return { kind: 'hardware', detail: 'Metal (every supported Mac has a GPU)', drivers: [] };
  if (probe.platform === 'win32') return { kind: 'unknown', detail: 'Direct3D 12 adapter (not inspected on Windows)', drivers: [] };
  const drivers = icdManifests(probe)
    .map((m) => readDriver(m, probe))
    .filter((d): d is VulkanDriver => d !== null);
  const hw = drivers.find((d) => !d.software && d.devicePresent);
  if (hw) return { kind: 'hardware', detail: `Vulkan driver ${basename(hw.library)} (${hw.manifest}) with its device present`, drivers };
  const sw = drivers.find((d) => d.software);
  if (sw) {
    const idle = drivers.filter((d) => !d.software).map((d) => basename(d.library));
    const note = idle.length ? `; ${idle.join(', ')} installed but no device for ${idle.length === 1 ? 'it' : 'them'}` : '';
    return { kind: 'software', detail: `only a software Vulkan driver: ${basename(sw.library)} (${sw.manifest})${note}`, drivers };
  }
  if (drivers.length) return { kind: 'none', detail: `Vulkan drivers installed (${drivers.map((d) => basename(d.library)).join(', ')}) but no device for them`, drivers };
  return { kind: 'none', detail: 'no Vulkan driver installed', drivers };
}
