/**
 * onnxruntime's telemetry, off by default.
 *
 * What it does (onnxruntime-node 1.30): on Linux and macOS the runtime
 * carries Microsoft's 1DS telemetry SDK. When the first session is created it
 * starts an uploader to mobile.events.data.microsoft.com (events about the
 * process, each session created, model loads, errors, run times and the
 * device), keeps a device id and an event queue under
 * $XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime/ (deviceid,
 * onnxruntime.db), and the SDK leaves an empty `mat-debug-<pid>.log` and a
 * `.ses` file in the temp folder, one log per process. On Windows it writes
 * ETW TraceLogging events (provider Microsoft.ML.ONNXRuntime), which the
 * system's diagnostic-data service collects by its own settings. It stays off
 * anyway where a CI variable (CI, GITHUB_ACTIONS, ...) is set.
 *
 * The switch: onnxruntime-node's API has none (the C API's
 * DisableTelemetryEvents is not bound, and `ort.env` has no such flag), so the
 * runtime's environment variable is it: ORT_DISABLE_TELEMETRY=1 (read by 1.30;
 * later versions read ORT_TELEMETRY_DISABLED, set as well). It is read when
 * the runtime's environment is created, from the process's real environment:
 * a worker thread's process.env is a copy that native code never sees, so the
 * thread that starts the workers sets it (WorkerSession) and so does every
 * session's creation on its own thread (providers.ts). A value the user set
 * wins: ORT_DISABLE_TELEMETRY=0 turns it back on.
 */
export const ORT_TELEMETRY_SWITCHES = ['ORT_DISABLE_TELEMETRY', 'ORT_TELEMETRY_DISABLED'] as const;

export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of ORT_TELEMETRY_SWITCHES) env[name] ??= '1';
}
