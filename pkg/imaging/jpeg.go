package imaging

/*
#cgo pkg-config: vips libjpeg
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
#include <vips/vips.h>

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
static VipsImage *strata_jpeg_scaled(const void *buf, size_t len, int minw, int minh, int *scale) {
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
*/
import "C"

// jpegScaled decodes the JPEG in b with libjpeg's DCT-domain scaling to
// the smallest M/8 of its size that still covers minW×minH, fully into
// memory. libvips' own shrink-on-load offers only 1/2, 1/4 and 1/8 and
// decodes on demand inside the resize pipeline; decoding first at the
// nearest eighth and resizing the in-memory image takes about two thirds
// of the CPU time for a 12 MP photo cover-fitted into 1080×1080
// (docs/PERFORMANCE.md, "Images"). It returns nil (take the general path) for JPEGs it
// does not handle: CMYK and YCCK, colour transforms other than YCbCr, and
// any decoding error. The caller rules out EXIF orientations and embedded
// colour profiles, which vips_thumbnail applies.
func jpegScaled(b *cbuf, minW, minH int) (*vimage, int) {
	var scale C.int
	p := C.strata_jpeg_scaled(b.p, b.n, C.int(minW), C.int(minH), &scale)
	if p == nil {
		return nil, 0
	}
	return &vimage{p}, int(scale)
}
