// Dawn (the WebGPU implementation inside onnxruntime) prints its warnings
// straight to stderr, "Warning: maxDynamicUniformBuffersPerPipelineLayout
// artificially reduced …", which reads like an error of ours. The CLI's child
// stderr passes through this filter: those lines are dropped (shown, marked as
// Dawn's, with WFVAE_VERBOSE=1); everything else, progress bars' partial
// lines included, passes through at once.
const DAWN = 'Warning: ';

export function createStderrFilter(out, { verbose = false } = {}) {
  let pending = '';
  let passing = false; // the current line was already let through
  const emit = (line) => {
    if (!line.startsWith(DAWN)) out.write(line);
    else if (verbose) out.write(`webgpu (Dawn): ${line.slice(DAWN.length)}`);
  };
  return {
    write(chunk) {
      let s = pending + chunk;
      pending = '';
      while (s.length) {
        const nl = s.indexOf('\n');
        if (passing) {
          out.write(nl < 0 ? s : s.slice(0, nl + 1));
          if (nl < 0) return;
          s = s.slice(nl + 1);
          passing = false;
          continue;
        }
        if (nl < 0) {
          // A partial line: hold it only while it may still be one of Dawn's.
          if (DAWN.startsWith(s) || s.startsWith(DAWN)) pending = s;
          else {
            out.write(s);
            passing = true;
          }
          return;
        }
        emit(s.slice(0, nl + 1));
        s = s.slice(nl + 1);
      }
    },
    end() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}
