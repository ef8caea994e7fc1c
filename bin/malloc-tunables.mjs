// glibc malloc settings for processes that run WF-VAE graphs on the CPU.
// onnxruntime runs with its CPU arena off (an arena keeps a run's peak for the
// life of the session, 3.5-6.6 GB for the demo model), so every large tensor
// is a fresh malloc. Two glibc tunables make that cheap and give memory back:
// - mmap_threshold=1 MiB: glibc otherwise raises the threshold after each large
//   free, so later tensors land in heap arenas it never returns (demo model,
//   Causal Cache 65x256x448: peak 948 MB -> 741 MB);
// - hugetlb=1: those mmapped tensors are madvised for transparent huge pages,
//   so first touch faults once per 2 MiB rather than per 4 KiB page (demo
//   model whole 65x256x448 on 2 cores: decode 34.8 s -> 27.9 s, encode
//   10.1 s -> 8.8 s; bench/reference.ts measures it).
// Tunables are read at process start only, so they go on the environment of a
// child process. A value the user set for either key is kept.

const WANTED = [
  ['glibc.malloc.mmap_threshold', '1048576'],
  ['glibc.malloc.hugetlb', '1'],
];

/** `env` with the malloc tunables added to GLIBC_TUNABLES (Linux only; elsewhere `env` unchanged). */
export function withMallocTunables(env, platform = process.platform) {
  if (platform !== 'linux') return { ...env };
  const parts = (env.GLIBC_TUNABLES ?? '').split(':').filter(Boolean);
  for (const [key, value] of WANTED) {
    if (!parts.some((p) => p.startsWith(`${key}=`))) parts.push(`${key}=${value}`);
  }
  return { ...env, GLIBC_TUNABLES: parts.join(':') };
}
