import { useStore } from '../store';

export function ErrorBanner() {
  const error = useStore((s) => s.error);
  const dismiss = useStore((s) => s.dismissError);
  if (!error) return null;
  return (
    <div className="error-banner" data-testid="error-message" role="alert">
      <div>
        <strong>{error.title}</strong>
        <p>{error.message}</p>
      </div>
      <button className="button button--ghost" aria-label="Dismiss" onClick={dismiss}>
        ×
      </button>
    </div>
  );
}
