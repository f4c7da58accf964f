/** A QR code as inline SVG (qrcode-generator computes the modules; we draw them, no innerHTML). */
import qrcode from 'qrcode-generator';

export function qrModules(payload: string): boolean[][] {
  const qr = qrcode(0, 'M');
  qr.addData(payload, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const rows: boolean[][] = [];
  for (let r = 0; r < n; r++) {
    const row: boolean[] = [];
    for (let c = 0; c < n; c++) row.push(qr.isDark(r, c));
    rows.push(row);
  }
  return rows;
}

export function QrCode(props: { payload: string; label: string; size?: number }) {
  const modules = qrModules(props.payload);
  const n = modules.length;
  const quiet = 4;
  const dim = n + quiet * 2;
  // One path of unit squares keeps the DOM small (a 33x33 code would be ~600 rects).
  let d = '';
  modules.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (dark) d += `M${c + quiet} ${r + quiet}h1v1h-1z`;
    }),
  );
  return (
    <svg
      class="qr"
      role="img"
      aria-label={props.label}
      viewBox={`0 0 ${dim} ${dim}`}
      width={props.size ?? 176}
      height={props.size ?? 176}
      shape-rendering="crispEdges"
    >
      <rect width={dim} height={dim} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
