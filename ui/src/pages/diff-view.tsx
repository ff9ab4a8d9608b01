// A unified diff with +/- line styling (the text `gantry app diff` prints, without colour codes).
import { classifyDiff, diffStats } from '../lib/diff-lines.js';

export function DiffView({ text, label }: { text: string; label: string }) {
  const lines = classifyDiff(text);
  if (lines.length === 0) {
    return <p className="muted">No differences.</p>;
  }
  const st = diffStats(lines);
  return (
    <figure className="diff">
      <figcaption>
        {label}: <span className="diff-add-count">+{st.added}</span>{' '}
        <span className="diff-del-count">−{st.removed}</span> lines
      </figcaption>
      <pre>
        {lines.map((l, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of a fixed text
          <span key={i} className={`diff-line diff-${l.kind}`}>
            {l.kind === 'add' ? <span className="visually-hidden">added: </span> : null}
            {l.kind === 'del' ? <span className="visually-hidden">removed: </span> : null}
            {l.text}
            {'\n'}
          </span>
        ))}
      </pre>
    </figure>
  );
}
