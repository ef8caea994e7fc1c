// The legend under the app's line charts: a colour swatch and a name per series.
export function ChartLegend({ series }: { series: readonly { name: string; color: string }[] }) {
  return (
    <figcaption className="frame-chart__legend">
      {series.map((s) => (
        <span key={s.name}>
          <i style={{ background: s.color }} /> {s.name}
        </span>
      ))}
    </figcaption>
  );
}
