/** Faces in each second of a video, as a small line chart (the result of a finished analysis). */
export function FacesChart({ perSecond, name }: { perSecond: number[]; name: string }) {
  if (perSecond.length < 2) return null;
  const max = Math.max(1, ...perSecond);
  const w = 120;
  const h = 28;
  const points = perSecond
    .map(
      (n, i) =>
        `${((i / (perSecond.length - 1)) * w).toFixed(1)},${(h - (n / max) * (h - 2) - 1).toFixed(1)}`,
    )
    .join(' ');
  return (
    <svg class="chart" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img">
      <title>{`Faces per second in ${name}: at most ${max}, over ${perSecond.length} s`}</title>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
