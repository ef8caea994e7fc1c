// The legend under the app's line charts: a colour swatch and a name per series.
export function ChartLegend({ series }: { series: readonly { name: string; color: string; width?: number; dash?: string }[] }) {
  return (
    <figcaption className="frame-chart__legend">
      {series.map((s) => (
        <span key={s.name}>
          <i
            style={
              s.dash
                ? { background: `repeating-linear-gradient(to right, ${s.color} 0 5px, transparent 5px 8px)` }
                : { background: s.color, height: s.width && s.width > 3 ? 6 : undefined, opacity: s.width && s.width > 3 ? 0.7 : undefined }
            }
          />{' '}
          {s.name}
        </span>
      ))}
    </figcaption>
  );
}
