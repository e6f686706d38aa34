/**
 * The flow graph of the catalog page as inline SVG, laid out here (no library, no network):
 * platforms as boxes on an ellipse, each flow an arrow from the platform values come from (the
 * authority, or a copy's declared feed) to the copy, labelled with its facts and lag bounds. Arrows
 * bend to their right, so the two directions between one pair never overlap.
 */
import { escapeHtml } from './page-escape';
import type { PageFlow, PageModel } from './page-model';

interface Box { readonly name: string; readonly x: number; readonly y: number; readonly w: number; readonly h: number }
interface Point { readonly x: number; readonly y: number }

const WIDTH = 980;
const CHAR = 7.2; // px per character of the 12-13px UI font, a safe over-estimate
const NODE_H = 46;

/** Where each platform's box sits: evenly on an ellipse, the first at the top. */
export function layoutPlatforms(model: Pick<PageModel, 'platforms'>, width = WIDTH): { boxes: Box[]; height: number } {
  const n = model.platforms.length;
  const height = n <= 2 ? 240 : 560;
  const rx = width / 2 - 130;
  const ry = height / 2 - 60;
  const boxes = model.platforms.map((p, i) => {
    const w = Math.max(110, Math.ceil(Math.max(p.title.length * 7.8, (p.name.length + p.role.length + 3) * CHAR)) + 28);
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
    const cx = n === 1 ? width / 2 : width / 2 + rx * Math.cos(angle);
    const cy = n === 1 ? height / 2 : height / 2 + ry * Math.sin(angle);
    return { name: p.name, x: cx - w / 2, y: cy - NODE_H / 2, w: Math.min(w, 240), h: NODE_H };
  });
  return { boxes, height };
}

/** Where the ray from the box's centre towards `toward` leaves the box. */
export function exitPoint(b: Box, toward: Point): Point {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const dx = toward.x - cx;
  const dy = toward.y - cy;
  if (dx === 0 && dy === 0) return { x: cx, y: cy };
  const scale = Math.min(dx === 0 ? Infinity : (b.w / 2 + 4) / Math.abs(dx), dy === 0 ? Infinity : (b.h / 2 + 4) / Math.abs(dy));
  return { x: cx + dx * scale, y: cy + dy * scale };
}

const fmt = (v: number) => (Math.round(v * 10) / 10).toString();

/** One flow's label lines: "campaign.name (5m)". */
export function flowLabel(flow: PageFlow): string[] {
  return flow.facts.map((f) => `${f.id}${f.maxLag ? ` \u2264 ${f.maxLag}` : f.propagation === 'one_way' ? '' : ` (${f.propagation.replace('_', ' ')})`}`);
}

/** The SVG of the model's platforms and flows. */
export function renderFlowGraph(model: PageModel): string {
  const { boxes, height } = layoutPlatforms(model);
  const byName = new Map(boxes.map((b) => [b.name, b]));
  const center = (b: Box): Point => ({ x: b.x + b.w / 2, y: b.y + b.h / 2 });
  const edges: string[] = [];
  const labels: string[] = [];
  for (const flow of model.flows) {
    const from = byName.get(flow.from);
    const to = byName.get(flow.to);
    if (!from || !to || from === to) continue;
    const a = center(from);
    const b = center(to);
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    // Bend to the right of the direction of travel: A->B and B->A take opposite sides.
    const bend = Math.min(70, len * 0.16);
    const control = { x: (a.x + b.x) / 2 + ((b.y - a.y) / len) * -bend, y: (a.y + b.y) / 2 + ((b.x - a.x) / len) * bend };
    const start = exitPoint(from, control);
    const end = exitPoint(to, control);
    const facts = escapeHtml(flow.facts.map((f) => f.id).join(' '));
    edges.push(`<path class="flow" data-facts="${facts}" d="M${fmt(start.x)},${fmt(start.y)} Q${fmt(control.x)},${fmt(control.y)} ${fmt(end.x)},${fmt(end.y)}" marker-end="url(#arrow)"/>`);
    const mid = { x: 0.25 * start.x + 0.5 * control.x + 0.25 * end.x, y: 0.25 * start.y + 0.5 * control.y + 0.25 * end.y };
    const lines = flowLabel(flow);
    const w = Math.max(...lines.map((l) => l.length)) * 6.4 + 12;
    const h = lines.length * 14 + 6;
    labels.push(
      `<g class="flow-label" data-facts="${facts}"><rect x="${fmt(mid.x - w / 2)}" y="${fmt(mid.y - h / 2)}" width="${fmt(w)}" height="${h}" rx="4"/>` +
      lines.map((l, i) => `<text x="${fmt(mid.x)}" y="${fmt(mid.y - h / 2 + 14 + i * 14)}">${escapeHtml(l)}</text>`).join('') + '</g>',
    );
  }
  const roles = new Map(model.platforms.map((p) => [p.name, p]));
  const nodes = boxes.map((b) => {
    const p = roles.get(b.name)!;
    return `<g class="platform ${p.role === 'consumer' ? 'consumer' : 'operational'}" data-platform="${escapeHtml(p.name)}">` +
      `<title>${escapeHtml(`${p.title} (${p.name}): ${p.kind}, ${p.role}${p.connection ? `, ${p.connection}` : ''}`)}</title>` +
      `<rect x="${fmt(b.x)}" y="${fmt(b.y)}" width="${fmt(b.w)}" height="${b.h}" rx="8"/>` +
      `<text class="title" x="${fmt(b.x + b.w / 2)}" y="${fmt(b.y + 20)}">${escapeHtml(clip(p.title, 30))}</text>` +
      `<text class="sub" x="${fmt(b.x + b.w / 2)}" y="${fmt(b.y + 36)}">${escapeHtml(clip(`${p.name} \u00b7 ${p.role}`, 32))}</text></g>`;
  });
  return `<svg class="graph" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="Flows of values between platforms">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">' +
    '<path d="M0,0 L10,5 L0,10 z"/></marker></defs>' +
    `<g class="flows">${edges.join('')}</g><g class="platforms">${nodes.join('')}</g><g class="labels">${labels.join('')}</g></svg>`;
}

/** `text` cut to `max` characters with an ellipsis: a long name must not overrun its box. */
function clip(text: string, max: number): string {
  return [...text].length > max ? `${[...text].slice(0, max - 1).join('')}\u2026` : text;
}
