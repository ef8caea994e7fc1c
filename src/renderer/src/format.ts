/** Compact numbers for labels: 3 significant digits, exponent when tiny or huge. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}

/** A share in [0, 1] as a percentage that stays readable for small bands. */
export function formatShare(share: number): string {
  const p = share * 100;
  if (p === 0) return '0%';
  if (p >= 10) return `${p.toFixed(1)}%`;
  if (p >= 0.01) return `${p.toFixed(2)}%`;
  return `${p.toExponential(1)}%`;
}
