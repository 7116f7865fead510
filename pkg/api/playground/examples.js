// Example requests for the playground, one or more per layer type. The
// image example's picture is drawn on a canvas at load time (the page works
// offline and needs no sample files).
"use strict";

function sampleImageBase64() {
  const c = document.createElement("canvas");
  c.width = 240; c.height = 160;
  const g = c.getContext("2d");
  const sky = g.createLinearGradient(0, 0, 0, 160);
  sky.addColorStop(0, "#38bdf8"); sky.addColorStop(1, "#f0f9ff");
  g.fillStyle = sky; g.fillRect(0, 0, 240, 160);
  g.fillStyle = "#facc15"; g.beginPath(); g.arc(180, 45, 22, 0, 2 * Math.PI); g.fill();
  g.fillStyle = "#166534"; g.beginPath(); g.moveTo(0, 160); g.lineTo(70, 70); g.lineTo(130, 160); g.fill();
  g.fillStyle = "#15803d"; g.beginPath(); g.moveTo(80, 160); g.lineTo(160, 90); g.lineTo(240, 160); g.fill();
  return c.toDataURL("image/png").replace(/^data:image\/png;base64,/, "");
}

const EXAMPLES = {
  "Card: gradient, text and QR code": {
    dimensions: { width: 800, height: 418 },
    layers: [
      { index: 0, type: "gradient", gradient_type: "linear", angle_in_degrees: 45,
        colors: [{ hex_color: "#0F172A", position: 0 }, { hex_color: "#3B82F6", position: 100 }],
        position: { x: 0, y: 0 }, dimensions: { width: 800, height: 418 } },
      { index: 1, type: "solid-color", hex_color: "#FFFFFF22", border_radius: 24,
        position: { x: 40, y: 40 }, dimensions: { width: 720, height: 338 } },
      { index: 2, type: "text", text: "Hello from **Strata**\n\nEdit the JSON on the left: the preview follows.",
        font_name: "Inter", font_size_in_px: 44, text_color: "#FFFFFF", paragraph_spacing_in_px: 12,
        position: { x: 80, y: 80 }, dimensions: { width: 460, height: 260 } },
      { index: 3, type: "qr-code", value: "https://github.com/strata-render/strata",
        foreground_hex_color: "#0F172A", background_hex_color: "#FFFFFF",
        position: { x: 570, y: 130 }, dimensions: { width: 160, height: 160 } },
    ],
  },
  "solid-color: rounded corners and angled edges": {
    dimensions: { width: 600, height: 315 },
    layers: [
      { index: 0, type: "solid-color", hex_color: "#F8FAFC" },
      { index: 1, type: "solid-color", hex_color: "#6366F1", angled_edges: [{ edge: "right", angle_in_degrees: 20 }],
        position: { x: 0, y: 0 }, dimensions: { width: 320, height: 315 } },
      { index: 2, type: "solid-color", hex_color: "#F43F5ECC", border_top_left_radius: 60, border_bottom_right_radius: 60,
        position: { x: 300, y: 60 }, dimensions: { width: 240, height: 190 }, rotation_in_degrees: 8 },
    ],
  },
  "gradient: linear and radial": {
    dimensions: { width: 600, height: 315 },
    layers: [
      { index: 0, type: "gradient", gradient_type: "linear", angle_in_degrees: 90,
        colors: [{ hex_color: "#F97316", position: 0 }, { hex_color: "#DB2777", position: 50 }, { hex_color: "#7C3AED", position: 100 }],
        position: { x: 0, y: 0 }, dimensions: { width: 600, height: 315 } },
      { index: 1, type: "gradient", gradient_type: "radial", border_radius: 110,
        colors: [{ hex_color: "#FFFFFFFF", position: 0 }, { hex_color: "#FFFFFF00", position: 100 }],
        position: { x: 190, y: 50 }, dimensions: { width: 220, height: 220 } },
    ],
  },
  "text: markdown, alignment, auto-scale": {
    dimensions: { width: 600, height: 315 },
    layers: [
      { index: 0, type: "solid-color", hex_color: "#FFFBEB" },
      { index: 1, type: "text", text: "***Bold italic***, **bold** and *italic* text, wrapped to its box. Emoji too: 🎨✨",
        font_name: "Lora", font_size_in_px: 34, text_color: "#78350F", text_align: "center", vertical_align: "center",
        position: { x: 40, y: 30 }, dimensions: { width: 520, height: 170 } },
      { index: 2, type: "text", text: "This long line shrinks until it fits its box (should_auto_scale).",
        font_name: "Roboto Mono", font_size_in_px: 40, should_auto_scale: true, is_splitting_lines: false,
        text_color: "#B45309", position: { x: 40, y: 230 }, dimensions: { width: 520, height: 50 } },
    ],
  },
  "qr-code and barcode": {
    dimensions: { width: 600, height: 315 },
    layers: [
      { index: 0, type: "solid-color", hex_color: "#FFFFFF" },
      { index: 1, type: "qr-code", value: "https://example.com/ticket/42", error_correction: "Q",
        foreground_hex_color: "#111827", background_hex_color: "#FFFFFF",
        position: { x: 30, y: 40 }, dimensions: { width: 230, height: 230 } },
      { index: 2, type: "barcode", value: "5901234123457", format: "ean13",
        foreground_hex_color: "#111827", background_hex_color: "#FFFFFF",
        position: { x: 290, y: 60 }, dimensions: { width: 280, height: 90 } },
      { index: 3, type: "barcode", value: "STRATA-42", format: "code128",
        foreground_hex_color: "#1D4ED8", background_hex_color: "#FFFFFF",
        position: { x: 290, y: 180 }, dimensions: { width: 280, height: 90 } },
    ],
  },
  "layout: rows, padding, background": {
    dimensions: { width: 600, height: 315 },
    layers: [
      { index: 0, type: "solid-color", hex_color: "#E2E8F0" },
      { index: 1, type: "layout", direction: "vertical", gap: 12, padding: 24, border_radius: 16,
        background_color: "#FFFFFF", horizontal_alignment: "start",
        position: { x: 40, y: 40 }, dimensions: { width: 520, height: 235 },
        layers: [
          { type: "text", text: "**Layouts** place children in a row or column", font_name: "Inter",
            font_size_in_px: 26, text_color: "#0F172A", dimensions: { width: "auto", height: "auto" } },
          { type: "layout", gap: 10, layers: [
            { type: "solid-color", hex_color: "#EF4444", border_radius: 12, dimensions: { width: 60, height: 60 } },
            { type: "solid-color", hex_color: "#F59E0B", border_radius: 12, dimensions: { width: 60, height: 60 } },
            { type: "solid-color", hex_color: "#10B981", border_radius: 12, dimensions: { width: 60, height: 60 } },
            { type: "solid-color", hex_color: "#3B82F6", border_radius: 12, dimensions: { width: 60, height: 60 } },
          ] },
          { type: "text", text: "Text children can be \"auto\"-sized.", font_name: "Inter",
            font_size_in_px: 18, text_color: "#475569", dimensions: { width: "auto", height: "auto" } },
        ] },
    ],
  },
  "image (base64)": {
    dimensions: { width: 600, height: 315 },
    layers: [
      { index: 0, type: "solid-color", hex_color: "#0F172A" },
      { index: 1, type: "image", file: { type: "base64", name: "landscape.png", base64: "SAMPLE_IMAGE" },
        border_radius: 20, position: { x: 40, y: 40 }, dimensions: { width: 300, height: 235 } },
      { index: 2, type: "text", text: "Images are fitted with cover semantics.", font_name: "Inter",
        font_size_in_px: 24, text_color: "#F8FAFC", position: { x: 370, y: 40 }, dimensions: { width: 200, height: 235 } },
    ],
  },
  "Effects: shadows, frosted glass, blend, filters, mask": {
    dimensions: { width: 600, height: 315 },
    layers: [
      { index: 0, type: "gradient", gradient_type: "linear", angle_in_degrees: 0,
        colors: [{ hex_color: "#0EA5E9", position: 0 }, { hex_color: "#F59E0B", position: 50 }, { hex_color: "#DB2777", position: 100 }],
        position: { x: 0, y: 0 }, dimensions: { width: 600, height: 315 } },
      { index: 1, type: "solid-color", hex_color: "#FFFFFF", border_radius: 20, position: { x: 30, y: 40 }, dimensions: { width: 160, height: 110 },
        shadows: [{ y_in_px: 2, blur_in_px: 6, hex_color: "#0000004D" }, { y_in_px: 18, blur_in_px: 36, spread_in_px: -6, hex_color: "#0F172A80" }] },
      { index: 2, type: "solid-color", hex_color: "#FFFFFF33", border_radius: 20, backdrop_blur_in_px: 10,
        border: { width_in_px: 2, hex_color: "#FFFFFF99" }, position: { x: 220, y: 40 }, dimensions: { width: 160, height: 110 } },
      { index: 3, type: "gradient", gradient_type: "linear", angle_in_degrees: 90, border_radius: 20, blend_mode: "multiply",
        colors: [{ hex_color: "#FFFFFF", position: 0 }, { hex_color: "#1E293B", position: 100 }],
        position: { x: 410, y: 40 }, dimensions: { width: 160, height: 110 } },
      { index: 4, type: "gradient", gradient_type: "linear", angle_in_degrees: 0, border_radius: 20, filters: { grayscale: 0.6, contrast: 1.3 },
        colors: [{ hex_color: "#EF4444", position: 0 }, { hex_color: "#22C55E", position: 50 }, { hex_color: "#3B82F6", position: 100 }],
        position: { x: 30, y: 180 }, dimensions: { width: 250, height: 100 } },
      { index: 5, type: "solid-color", hex_color: "#0F172A", border_radius: 20,
        mask: { angle_in_degrees: 0, colors: [{ hex_color: "#000000FF", position: 20 }, { hex_color: "#00000000", position: 100 }] },
        position: { x: 320, y: 180 }, dimensions: { width: 250, height: 100 } },
    ],
  },
  "Typography: spacing, line height, clamp, stroke, shadows, features": {
    dimensions: { width: 600, height: 315 },
    layers: [
      { index: 0, type: "gradient", gradient_type: "linear", angle_in_degrees: 20,
        colors: [{ hex_color: "#1E1B4B", position: 0 }, { hex_color: "#7C3AED", position: 100 }],
        position: { x: 0, y: 0 }, dimensions: { width: 600, height: 315 } },
      { index: 1, type: "text", text: "launch week", font_name: "Inter", font_size_in_px: 15, font_weight: "semibold",
        text_color: "#C4B5FD", text_transform: "uppercase", letter_spacing_in_px: 4,
        position: { x: 40, y: 30 }, dimensions: { width: 520, height: 24 } },
      { index: 2, type: "text", text: "Typography that matches the browser", font_name: "Inter", font_size_in_px: 44,
        font_weight: "black", text_color: "#FFFFFF", line_height: 1.05, letter_spacing_in_px: -1.5,
        text_shadows: [{ y_in_px: 4, blur_in_px: 16, hex_color: "#0F172AB3" }],
        position: { x: 40, y: 60 }, dimensions: { width: 520, height: 100 } },
      { index: 3, type: "text", text: "Clamped to two lines with an ellipsis, with ~~strike~~ from markdown: this sentence is long enough to be cut at the end of its second line.",
        font_name: "Inter", font_size_in_px: 18, text_color: "#E0E7FF", line_height: 1.4, max_lines: 2,
        position: { x: 40, y: 172 }, dimensions: { width: 520, height: 56 } },
      { index: 4, type: "text", text: "OUTLINE", font_name: "Inter", font_size_in_px: 40, font_weight: "black",
        text_color: "#00000000", text_stroke: { width_in_px: 2, hex_color: "#FDE68A" }, letter_spacing_in_px: 2,
        position: { x: 40, y: 245 }, dimensions: { width: 240, height: 50 } },
      { index: 5, type: "text", text: "Price 1,111.00 — tabular", font_name: "Inter", font_size_in_px: 18,
        text_color: "#FFFFFF", font_features: { tnum: 1 }, text_decoration: "underline", text_align: "right", lang: "en",
        position: { x: 300, y: 258 }, dimensions: { width: 260, height: 30 } },
    ],
  },
  "SDK spelling (width_in_px, x_in_px), JPEG": {
    dimensions: { width_in_px: 600, height_in_px: 315 },
    output_format: "jpeg",
    layers: [
      { index: 0, type: "solid-color", hex_color: "#14B8A6",
        position: { x_in_px: 0, y_in_px: 0 }, dimensions: { width_in_px: 0, height_in_px: 0 } },
      { index: 1, type: "text", text: "Official SDKs send *_in_px fields; both spellings work.", font_name: "Inter",
        font_size_in_px: 32, font_weight: "semibold", text_color: "#042F2E",
        position: { x_in_px: 40, y_in_px: 40 }, dimensions: { width_in_px: 520, height_in_px: 235 } },
    ],
  },
};

// TEMPLATE_EXAMPLE is template mode's first template: an og:image card
// whose named layers are its variables.
const TEMPLATE_EXAMPLE = {
  dimensions: { width: 1200, height: 630 },
  layers: [
    { index: 0, type: "solid-color", name: "background", hex_color: "#0F172A" },
    { index: 1, type: "solid-color", name: "badge", hex_color: "#3B82F6", border_radius: 16,
      position: { x: 80, y: 80 }, dimensions: { width: 160, height: 48 } },
    { index: 2, type: "text", name: "title", text: "Launch day", font_name: "Inter", font_size_in_px: 84,
      font_weight: "bold", text_color: "#FFFFFF", position: { x: 80, y: 180 }, dimensions: { width: 760, height: 300 } },
    { index: 3, type: "qr-code", name: "link", value: "https://example.com",
      foreground_hex_color: "#0F172A", background_hex_color: "#FFFFFF",
      position: { x: 900, y: 330 }, dimensions: { width: 220, height: 220 } },
  ],
};
