// The C half of pkg/vips: libvips and libjpeg calls with fixed arguments
// (cgo cannot call C's variadic functions) and the error handling libjpeg
// needs. Every function returns 0 or an image on success; on failure the
// libvips error buffer says why (vips.go reads it).

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <vips/vips.h>

#include "vips.h"

// cgo cannot call C variadic functions; these wrappers fix the arguments.

int strata_header(const void *buf, size_t len, int *w, int *h, int *orient, int *icc, int *pages) {
	VipsImage *im = vips_image_new_from_buffer(buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (!im) return -1;
	*w = vips_image_get_width(im);
	*h = vips_image_get_height(im);
	*orient = 1;
	*pages = 1;
	if (vips_image_get_typeof(im, VIPS_META_N_PAGES)) {
		int n;
		if (!vips_image_get_int(im, VIPS_META_N_PAGES, &n) && n > 1) *pages = n;
	}
	*icc = vips_image_get_typeof(im, VIPS_META_ICC_NAME) != 0;
	if (vips_image_get_typeof(im, VIPS_META_ORIENTATION)) {
		int o;
		if (!vips_image_get_int(im, VIPS_META_ORIENTATION, &o)) *orient = o;
	}
	g_object_unref(im);
	return 0;
}

int strata_thumbnail_buffer(void *buf, size_t len, VipsImage **out, int w, int h, int crop, int size) {
	return vips_thumbnail_buffer(buf, len, out, w, "height", h, "crop", crop, "size", size, NULL);
}

int strata_thumbnail_image(VipsImage *in, VipsImage **out, int w, int h, int crop, int size) {
	return vips_thumbnail_image(in, out, w, "height", h, "crop", crop, "size", size, NULL);
}

// strata_reduce is vips_resize(in, 1/hs, "vscale", 1/vs) for shrinks
// hs, vs >= 1 (Lanczos 3, reducing gap 2), with the horizontal pass run as
// a vertical one on the image turned a quarter: libvips 8.14's reducev is
// vectorised (orc), its reduceh is scalar C and took 20.7 of the 22.7 ms
// CPU of a 1500×1125 → 1080×1080 cover; turned, the resize takes 11.5 ms
// (the two turns included). The same filter along each axis; the fixed-
// point rounding differs from reduceh's by at most 3/255 (PSNR 62 dB).
// Enlargements go to vips_resize.
static int strata_reduce(VipsImage *in, VipsImage **out, double hs, double vs) {
	if (hs < 1.0 || vs < 1.0)
		return vips_resize(in, out, 1.0 / hs, "vscale", 1.0 / vs, NULL);
	VipsImage *t[4] = {NULL, NULL, NULL, NULL};
	VipsImage *x = in;
	int rc = -1;
	if (vs > 1.0) {
		if (vips_reducev(x, &t[0], vs, "gap", 2.0, NULL)) goto done;
		x = t[0];
	}
	if (hs > 1.0) {
		if (vips_rot(x, &t[1], VIPS_ANGLE_D90, NULL) ||
				vips_reducev(t[1], &t[2], hs, "gap", 2.0, NULL) ||
				vips_rot(t[2], &t[3], VIPS_ANGLE_D270, NULL))
			goto done;
		x = t[3];
	}
	g_object_ref(x);
	*out = x;
	rc = 0;
done:
	for (int i = 0; i < 4; i++) if (t[i]) g_object_unref(t[i]);
	return rc;
}

// strata_cover_centre is vips_thumbnail_image(in, w, h, crop centre, size
// both) for an image without alpha in a processing space (sRGB or B_W),
// made cheaper twice over: the centred window is cut from the lazy resize
// instead of from a copy of the whole resized image in memory
// (vips_thumbnail copies before every crop), so only the window's pixels
// are computed, and the resize is strata_reduce's.
int strata_cover_centre(VipsImage *in, VipsImage **out, int w, int h) {
	// vips_thumbnail_calculate_shrink in crop mode: the smaller shrink
	// fills the box; no axis shrinks below one pixel.
	double s = VIPS_MIN((double)in->Xsize / w, (double)in->Ysize / h);
	double hs = VIPS_MIN(s, in->Xsize), vs = VIPS_MIN(s, in->Ysize);
	VipsImage *t = NULL;
	if (strata_reduce(in, &t, hs, vs)) return -1;
	// vips_smartcrop's centre: the window's offset rounded down.
	int cw = VIPS_MIN(w, t->Xsize), ch = VIPS_MIN(h, t->Ysize);
	int rc = vips_extract_area(t, out, (t->Xsize - cw) / 2, (t->Ysize - ch) / 2, cw, ch, NULL);
	g_object_unref(t);
	return rc;
}

// strata_to_rgba8 converts any image to 8-bit sRGB with an alpha band;
// *opaque is set when the alpha band was added (every pixel opaque).
int strata_to_rgba8(VipsImage *in, VipsImage **out, int *opaque) {
	VipsImage *t[4] = {NULL, NULL, NULL, NULL};
	int rc = -1;
	if (vips_colourspace(in, &t[0], VIPS_INTERPRETATION_sRGB, NULL)) goto done;
	if (vips_cast_uchar(t[0], &t[1], NULL)) goto done;
	VipsImage *x = t[1];
	*opaque = x->Bands == 3;
	if (x->Bands == 3) {
		if (vips_bandjoin_const1(x, &t[2], 255, NULL)) goto done;
		x = t[2];
	} else if (x->Bands > 4) {
		if (vips_extract_band(x, &t[2], 0, "n", 4, NULL)) goto done;
		x = t[2];
	} else if (x->Bands != 4) {
		vips_error("strata", "unexpected band count %d", x->Bands);
		goto done;
	}
	g_object_ref(x);
	*out = x;
	rc = 0;
done:
	for (int i = 0; i < 4; i++) if (t[i]) g_object_unref(t[i]);
	return rc;
}

// strata_memory_image wraps dst, memory the caller owns, as the image in
// (8-bit, any band count) is computed into by strata_write.
VipsImage *strata_memory_image(VipsImage *in, void *dst, size_t n) {
	return vips_image_new_from_memory(dst, n, in->Xsize, in->Ysize, in->Bands, VIPS_FORMAT_UCHAR);
}

int strata_write(VipsImage *in, VipsImage *mem) { return vips_image_write(in, mem); }

// strata_kill asks the computation writing into im to stop: libvips checks
// the flag between the tiles it computes and fails the write.
void strata_kill(VipsImage *im) { vips_image_set_kill(im, TRUE); }

int strata_attention(VipsImage *in, int w, int h, int *x, int *y) {
	VipsImage *out = NULL;
	int rc = vips_smartcrop(in, &out, w, h, "interesting", VIPS_INTERESTING_ATTENTION,
		"attention_x", x, "attention_y", y, NULL);
	if (out) g_object_unref(out);
	return rc;
}

VipsImage *strata_from_rgba(const void *pix, size_t n, int w, int h) {
	VipsImage *im = vips_image_new_from_memory_copy(pix, n, w, h, 4, VIPS_FORMAT_UCHAR);
	if (im) im->Type = VIPS_INTERPRETATION_sRGB;
	return im;
}

static void strata_free_owned(VipsImage *im, void *pix) { free(pix); }

// strata_from_owned_rgba wraps w×h straight-alpha RGBA pixels malloc'ed by
// the caller as a libvips image that frees them when it closes.
VipsImage *strata_from_owned_rgba(void *pix, size_t n, int w, int h) {
	VipsImage *im = vips_image_new_from_memory(pix, n, w, h, 4, VIPS_FORMAT_UCHAR);
	if (!im) {
		free(pix);
		return NULL;
	}
	im->Type = VIPS_INTERPRETATION_sRGB;
	g_signal_connect(im, "postclose", G_CALLBACK(strata_free_owned), pix);
	return im;
}

void strata_lockdown(void) {
	// Loaders Debian's libvips marks untrusted (ImageMagick, PDF, FITS,
	// matrix, raw, ...) are never reachable from request bytes.
	vips_block_untrusted_set(TRUE);
	// SVG is part of the contract; librsvg (Rust) is the one untrusted
	// loader let back in.
	vips_operation_block_set("VipsForeignLoadSvg", FALSE);
	// The operation cache keys buffer loads by pointer; with request bytes
	// freed and reallocated between calls a stale hit would be wrong, and
	// it only costs memory here (imgproxy disables it too).
	vips_cache_set_max(0);
}

// strata_has_operation reports whether libvips knows the operation
// nickname (as "heifsave_buffer"): built in, or from a module that loaded.
int strata_has_operation(const char *name) {
	return vips_type_find("VipsOperation", name) != 0;
}

// strata_module_dir is where this libvips looks for its modules
// ($VIPSHOME/lib when VIPSHOME is set, else its install prefix).
const char *strata_module_dir(void) {
	return vips_guess_libdir("strata", "VIPSHOME");
}

// A libjpeg error manager that returns to strata_jpeg_scaled instead of
// exiting the process, and keeps warnings (a truncated file, say) quiet.
struct strata_jpeg_error {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
};

static void strata_jpeg_error_exit(j_common_ptr c) {
	longjmp(((struct strata_jpeg_error *)c->err)->jump, 1);
}

static void strata_jpeg_quiet(j_common_ptr c) {}

static void strata_free_pixels(VipsImage *im, void *pixels) { free(pixels); }

// strata_jpeg_scaled decodes a YCbCr or greyscale JPEG as 8-bit sRGB with
// libjpeg's DCT-domain scaling at the smallest M/8 (M = 1..8) whose output
// is at least minw×minh, and returns it as a libvips image that owns the
// pixels. It returns NULL for anything else (CMYK, YCCK, Adobe RGB
// transforms) and on any libjpeg error, so the caller takes the general
// path; *scale receives M.
VipsImage *strata_jpeg_scaled(const void *buf, size_t len, int minw, int minh, int *scale) {
	struct jpeg_decompress_struct c;
	struct strata_jpeg_error e;
	unsigned char *volatile pixels = NULL;
	c.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = strata_jpeg_error_exit;
	e.pub.output_message = strata_jpeg_quiet;
	if (setjmp(e.jump)) {
		jpeg_destroy_decompress(&c);
		free(pixels);
		return NULL;
	}
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, (const unsigned char *)buf, len);
	if (jpeg_read_header(&c, TRUE) != JPEG_HEADER_OK ||
			(c.jpeg_color_space != JCS_YCbCr && c.jpeg_color_space != JCS_GRAYSCALE)) {
		jpeg_destroy_decompress(&c);
		return NULL;
	}
	int m = 8;
	for (int k = 1; k < 8; k++) {
		// libjpeg rounds scaled sizes up.
		if (((long)c.image_width * k + 7) / 8 >= minw && ((long)c.image_height * k + 7) / 8 >= minh) {
			m = k;
			break;
		}
	}
	c.scale_num = m;
	c.scale_denom = 8;
	c.out_color_space = JCS_RGB;
	jpeg_start_decompress(&c);
	size_t w = c.output_width, h = c.output_height, stride = w * 3;
	pixels = malloc(stride * h);
	if (!pixels) {
		jpeg_destroy_decompress(&c);
		return NULL;
	}
	while (c.output_scanline < c.output_height) {
		JSAMPROW rows[8];
		int n = 0;
		for (; n < 8 && c.output_scanline + n < c.output_height; n++)
			rows[n] = pixels + (c.output_scanline + n) * stride;
		jpeg_read_scanlines(&c, rows, n);
	}
	jpeg_finish_decompress(&c);
	jpeg_destroy_decompress(&c);
	VipsImage *im = vips_image_new_from_memory(pixels, stride * h, w, h, 3, VIPS_FORMAT_UCHAR);
	if (!im) {
		free(pixels);
		return NULL;
	}
	im->Type = VIPS_INTERPRETATION_sRGB;
	g_signal_connect(im, "postclose", G_CALLBACK(strata_free_pixels), pixels);
	*scale = m;
	return im;
}

// strata_save wraps raw 8-bit pixels (no copy) in a VipsImage and saves it
// with one of the buffer savers. cgo cannot call the variadic savers
// directly, hence this helper. p holds the per-format parameters.
int strata_save(int fmt, void *pix, size_t len, int w, int h, int bands,
		const int *p, void **out, size_t *outlen) {
	VipsImage *img = vips_image_new_from_memory(pix, len, w, h, bands, VIPS_FORMAT_UCHAR);
	if (!img) return -1;
	// new_from_memory guesses MULTIBAND; the savers' colour conversion
	// must know these are sRGB pixels (with alpha as the fourth band):
	// cgif read a MULTIBAND four-band buffer as three bands.
	img->Type = VIPS_INTERPRETATION_sRGB;
	int r = -1;
	switch (fmt) {
	case 1:
		r = vips_jpegsave_buffer(img, out, outlen, "Q", p[0], "optimize_coding", p[1],
			"strip", TRUE, NULL);
		break;
	case 2:
		r = vips_webpsave_buffer(img, out, outlen, "Q", p[0], "effort", p[1],
			"lossless", p[2], "strip", TRUE, NULL);
		break;
	case 3:
		r = vips_tiffsave_buffer(img, out, outlen, "compression", p[0], "predictor", p[1],
			"strip", TRUE, NULL);
		break;
	case 4:
		r = vips_gifsave_buffer(img, out, outlen, "effort", p[0], "dither", p[1] / 100.0,
			"strip", TRUE, NULL);
		break;
	case 5:
		r = vips_heifsave_buffer(img, out, outlen, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
			"Q", p[0], "effort", p[1], "encoder", p[2], "strip", TRUE, NULL);
		break;
	}
	g_object_unref(img);
	return r;
}
