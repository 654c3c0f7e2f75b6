import { type PointerEvent, useEffect, useId, useRef, useState, type WheelEvent } from 'react';

interface Props {
  imageUrl: string;
  heatmapUrl: string | null;
  alt: string;
  /** Keyboard zoom (+, -, 0) is bound by the page; the viewer exposes its state through these. */
  zoom: number;
  onZoomChange: (zoom: number) => void;
  onImageLoad?: () => void;
}

const MIN_ZOOM = 0.25;
const MAX_ZOOM = 8;
export const clampZoom = (zoom: number) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));

/**
 * The image at full resolution (zoom 1 = one image pixel per screen pixel... after "fit" it is scaled to the
 * frame), panned by dragging, zoomed by the wheel or the buttons, with the heatmap over it at a chosen opacity.
 */
export function ImageViewer({ imageUrl, heatmapUrl, alt, zoom, onZoomChange, onImageLoad }: Props) {
  const id = useId();
  const [opacity, setOpacity] = useState(0.5);
  const [showHeatmap, setShowHeatmap] = useState(true);
  const [offset, setOffset] = useState({ x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number; ox: number; oy: number } | null>(null);

  useEffect(() => setOffset({ x: 0, y: 0 }), [imageUrl]);
  useEffect(() => {
    if (zoom === 1) setOffset({ x: 0, y: 0 });
  }, [zoom]);

  const onWheel = (event: WheelEvent) => {
    onZoomChange(clampZoom(zoom * (event.deltaY < 0 ? 1.2 : 1 / 1.2)));
  };
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY, ox: offset.x, oy: offset.y };
  };
  const onPointerMove = (event: PointerEvent) => {
    const start = drag.current;
    if (!start) return;
    setOffset({ x: start.ox + event.clientX - start.x, y: start.oy + event.clientY - start.y });
  };
  const onPointerUp = () => (drag.current = null);

  return (
    <figure className="viewer">
      <div
        className="viewer-frame"
        onWheel={onWheel}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      >
        <div
          className="viewer-stage"
          style={{ transform: `translate(${offset.x}px, ${offset.y}px) scale(${zoom})` }}
        >
          <img src={imageUrl} alt={alt} draggable={false} data-testid="review-image" onLoad={onImageLoad} />
          {heatmapUrl && showHeatmap && (
            <img
              className="heatmap"
              src={heatmapUrl}
              alt=""
              aria-hidden="true"
              draggable={false}
              style={{ opacity }}
              data-testid="heatmap-overlay"
            />
          )}
        </div>
      </div>
      <figcaption className="viewer-controls">
        <span role="group" aria-label="Zoom">
          <button type="button" onClick={() => onZoomChange(clampZoom(zoom / 1.5))} aria-label="Zoom out">
            −
          </button>
          <output aria-live="off">{Math.round(zoom * 100)}%</output>
          <button type="button" onClick={() => onZoomChange(clampZoom(zoom * 1.5))} aria-label="Zoom in">
            +
          </button>
          <button type="button" onClick={() => onZoomChange(1)}>
            Fit
          </button>
        </span>
        {heatmapUrl ? (
          <span className="heatmap-controls">
            <input
              id={`${id}-show`}
              type="checkbox"
              checked={showHeatmap}
              onChange={(e) => setShowHeatmap(e.target.checked)}
            />
            <label htmlFor={`${id}-show`}>Heatmap</label>
            <label htmlFor={`${id}-opacity`}>Opacity</label>
            <input
              id={`${id}-opacity`}
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={opacity}
              disabled={!showHeatmap}
              onChange={(e) => setOpacity(Number(e.target.value))}
            />
          </span>
        ) : (
          <span className="muted">Heatmap not rendered yet</span>
        )}
      </figcaption>
    </figure>
  );
}
