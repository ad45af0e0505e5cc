// The detection overlay: faces (boxes), poses (skeleton lines) and track ids from
// detections.json (vidpipe_types.detections), drawn on a canvas over the <video> in step with
// its currentTime.

const POSE_EDGES = [
  ["nose", "left_eye"], ["nose", "right_eye"], ["left_eye", "left_ear"], ["right_eye", "right_ear"],
  ["mouth_left", "mouth_right"],
  ["left_shoulder", "right_shoulder"], ["left_shoulder", "left_hip"], ["right_shoulder", "right_hip"],
  ["left_hip", "right_hip"],
  ["left_shoulder", "left_elbow"], ["left_elbow", "left_wrist"], ["left_wrist", "left_index"],
  ["right_shoulder", "right_elbow"], ["right_elbow", "right_wrist"], ["right_wrist", "right_index"],
  ["left_hip", "left_knee"], ["left_knee", "left_ankle"], ["left_ankle", "left_heel"],
  ["left_heel", "left_foot_index"],
  ["right_hip", "right_knee"], ["right_knee", "right_ankle"], ["right_ankle", "right_heel"],
  ["right_heel", "right_foot_index"],
];
const FACE_COLOUR = "#ffd400";
const POSE_COLOUR = "#00e5ff";
const MIN_VISIBILITY = 0.3;

/**
 * The rectangle the video's picture fills inside its element (object-fit: contain), from its
 * display size (videoWidth/videoHeight: a non-square pixel aspect makes it differ from the
 * source's pixels).
 */
export function contentRect(width, height, displayWidth, displayHeight) {
  if (!displayWidth || !displayHeight) return { x: 0, y: 0, width, height };
  const scale = Math.min(width / displayWidth, height / displayHeight);
  const w = displayWidth * scale;
  const h = displayHeight * scale;
  return { x: (width - w) / 2, y: (height - h) / 2, width: w, height: h };
}

export class DetectionOverlay {
  constructor(video, canvas, result) {
    this.video = video;
    this.canvas = canvas;
    this.source = result.source_dimensions;
    this.frames = [...result.frames].sort((a, b) => a.timestamp_ms - b.timestamp_ms);
    // A sampled frame stays drawn until the next sample is due (or 100 ms when every frame was
    // sampled), and no longer: after a gap in the detections, nothing is drawn.
    this.holdMs = Math.max(result.frame_interval_ms || 0, 100) * 1.5;
    this.enabled = true;
    this.drawnIndex = null;
    this.stopped = false;
    const redraw = () => this.draw();
    for (const name of ["loadedmetadata", "seeked", "timeupdate", "pause", "play"]) {
      video.addEventListener(name, redraw);
    }
    this.resizeObserver = new ResizeObserver(redraw);
    this.resizeObserver.observe(video);
    this.loop();
  }

  loop() {
    if (this.stopped) return;
    this.draw();
    if (typeof this.video.requestVideoFrameCallback === "function") {
      this.video.requestVideoFrameCallback(() => this.loop());
    } else {
      requestAnimationFrame(() => this.loop());
    }
  }

  stop() {
    this.stopped = true;
    this.resizeObserver.disconnect();
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    this.draw();
  }

  /** The sampled frame to show at `seconds`, or null. */
  frameAt(seconds) {
    const ms = seconds * 1000 + 1; // a frame's own timestamp belongs to it
    let low = 0;
    let high = this.frames.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.frames[mid].timestamp_ms <= ms) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    if (found < 0) return null;
    const frame = this.frames[found];
    return ms - frame.timestamp_ms <= this.holdMs ? frame : null;
  }

  draw() {
    const { video, canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(video.clientWidth * ratio));
    const height = Math.max(1, Math.round(video.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    const frame = this.enabled ? this.frameAt(video.currentTime) : null;
    this.drawnIndex = frame ? frame.index : null;
    canvas.dataset.frame = frame ? String(frame.index) : "";
    canvas.dataset.faces = frame ? String(frame.faces.length) : "0";
    canvas.dataset.poses = frame ? String(frame.poses.length) : "0";
    if (!frame) return;
    const rect = contentRect(
      width,
      height,
      video.videoWidth || this.source.width,
      video.videoHeight || this.source.height,
    );
    // Source pixels (the detections' coordinates) to canvas pixels, per axis.
    const scaleX = rect.width / this.source.width;
    const scaleY = rect.height / this.source.height;
    const px = (x, y) => [rect.x + x * scaleX, rect.y + y * scaleY];
    ctx.lineWidth = Math.max(2, 2 * ratio);
    ctx.font = `${Math.round(12 * ratio)}px system-ui, sans-serif`;
    ctx.textBaseline = "bottom";

    for (const pose of frame.poses) {
      ctx.strokeStyle = POSE_COLOUR;
      const point = (name) => {
        const keypoint = pose.keypoints[name];
        if (!keypoint || keypoint[2] < MIN_VISIBILITY) return null;
        const pixel = pose.keypoints_px?.[name];
        return pixel
          ? px(pixel[0], pixel[1])
          : px(keypoint[0] * this.source.width, keypoint[1] * this.source.height);
      };
      ctx.beginPath();
      for (const [a, b] of POSE_EDGES) {
        const from = point(a);
        const to = point(b);
        if (!from || !to) continue;
        ctx.moveTo(from[0], from[1]);
        ctx.lineTo(to[0], to[1]);
      }
      ctx.stroke();
      const anchor = point("nose") ?? (pose.bbox ? px(pose.bbox.x, pose.bbox.y) : null);
      if (anchor && pose.track_id != null) label(ctx, `pose ${pose.track_id}`, anchor, POSE_COLOUR);
    }

    for (const face of frame.faces) {
      const [x, y] = px(face.bbox.x, face.bbox.y);
      ctx.strokeStyle = FACE_COLOUR;
      ctx.strokeRect(x, y, face.bbox.width * scaleX, face.bbox.height * scaleY);
      const name = face.track_id != null ? `face ${face.track_id}` : "face";
      label(ctx, `${name} ${Math.round(face.confidence * 100)}%`, [x, y], FACE_COLOUR);
    }
  }
}

function label(ctx, text, [x, y], colour) {
  const width = ctx.measureText(text).width + 6;
  const height = parseInt(ctx.font, 10) + 4;
  const top = Math.max(0, y - height);
  ctx.fillStyle = "rgba(0, 0, 0, 0.65)";
  ctx.fillRect(x, top, width, height);
  ctx.fillStyle = colour;
  ctx.fillText(text, x + 3, top + height - 2);
}
