// A two-column list of labelled facts (clip info, model info).
export function Facts({ rows, testId }: { rows: readonly (readonly [string, string])[]; testId?: string }) {
  return (
    <dl className="facts" data-testid={testId}>
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
